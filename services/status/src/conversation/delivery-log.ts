// How each operator message's delivery to the bot went, kept next to the transcript and pushed to open
// consoles: "sent on bot.outbound" when the bot reads Kafka itself, else the webhook's attempts. A state and
// its live update are one script call (the first state is a step of the recording's script, record-store.ts).
import type { Redis } from '@switchboard/store';
import { TAKE_STEP, runSteps, type ScriptStep } from '../script-steps';
import type { StatusKeys } from '../status-keys';
import { PUBLISH_UPDATE, type LiveHub } from './live';

export interface DeliveryState {
  state: 'on_kafka' | 'pending' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  error?: string;
  at: string;
}

export function describeDelivery(d: DeliveryState | undefined): string {
  if (!d) return '';
  switch (d.state) {
    case 'on_kafka':
      return 'sent to the bot on bot.outbound';
    case 'pending':
      return 'delivering to the bot…';
    case 'retrying':
      return `not delivered yet (${d.error ?? 'error'}; attempt ${d.attempts}), retrying`;
    case 'delivered':
      return d.attempts > 1 ? `delivered to the bot (after ${d.attempts} attempts)` : 'delivered to the bot';
    case 'failed':
      return `delivery to the bot failed: ${d.error ?? 'error'} after ${d.attempts} attempt(s); replay it from bot.outbound.dlq`;
  }
}

/**
 * Lua (after PUBLISH_UPDATE): a delivery's state written, then announced by the live update's step (k2, a2).
 * KEYS: the conversation's deliveries. ARGV: event id, state (JSON), lifetime (s), '1' to write a first state
 * only (one written before stays). Returns 1 when written, 0 when a first state found one there.
 */
export const RECORD_DELIVERY = `
local function record_delivery(k, a, k2, a2)
  local written = 1
  if a[4] == '1' then written = redis.call('HSETNX', k[1], a[1], a[2]) else redis.call('HSET', k[1], a[1], a[2]) end
  redis.call('EXPIRE', k[1], a[3])
  if written == 1 then publish_update(k2, a2) end
  return written
end
`;

const WRITE = `${PUBLISH_UPDATE}${RECORD_DELIVERY}${TAKE_STEP}
local k, a = take()
return record_delivery(k, a, take())`;

export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly live: LiveHub,
    private readonly retentionSeconds: number,
  ) {}

  async all(conversationId: string): Promise<Map<string, DeliveryState>> {
    const hash = await this.redis.hgetall(this.keys.botDelivery(conversationId));
    return new Map(Object.entries(hash).map(([id, text]) => [id, JSON.parse(text) as DeliveryState]));
  }

  async get(conversationId: string, eventId: string): Promise<DeliveryState | undefined> {
    const text = await this.redis.hget(this.keys.botDelivery(conversationId), eventId);
    return text ? (JSON.parse(text) as DeliveryState) : undefined;
  }

  /**
   * The state set when the message is recorded, for a script that runs RECORD_DELIVERY: its two steps. Later
   * states overwrite it, never the other way round.
   */
  initialSteps(conversationId: string, eventId: string, state: 'on_kafka' | 'pending'): ScriptStep[] {
    return this.steps(conversationId, eventId, { state, attempts: 0, at: new Date().toISOString() }, true);
  }

  /** The number of this attempt; a message replayed after it had failed starts counting again. */
  async attempt(conversationId: string, eventId: string): Promise<number> {
    const previous = await this.get(conversationId, eventId);
    return previous && previous.state !== 'failed' ? previous.attempts + 1 : 1;
  }

  delivered(conversationId: string, eventId: string, attempts: number): Promise<void> {
    return this.write(conversationId, eventId, { state: 'delivered', attempts, at: new Date().toISOString() });
  }

  retrying(conversationId: string, eventId: string, attempts: number, error: string): Promise<void> {
    return this.write(conversationId, eventId, { state: 'retrying', attempts, error, at: new Date().toISOString() });
  }

  failed(conversationId: string, eventId: string, attempts: number, error: string): Promise<void> {
    return this.write(conversationId, eventId, { state: 'failed', attempts, error, at: new Date().toISOString() });
  }

  private async write(conversationId: string, eventId: string, state: DeliveryState): Promise<void> {
    await runSteps(this.redis, WRITE, this.steps(conversationId, eventId, state, false));
  }

  private steps(conversationId: string, eventId: string, state: DeliveryState, first: boolean): ScriptStep[] {
    return [
      {
        keys: [this.keys.botDelivery(conversationId)],
        args: [eventId, JSON.stringify(state), String(this.retentionSeconds), first ? '1' : ''],
      },
      this.live.updateStep({ type: 'delivery', conversationId, eventId, delivery: describeDelivery(state) }),
    ];
  }
}
