// How each operator message's delivery to the bot went, kept next to the transcript and pushed to open
// consoles: "sent on bot.outbound" when the bot reads Kafka itself, else the webhook's attempts.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import type { LiveHub } from './live';

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

  /** Set once when the message is recorded; later states overwrite it, never the other way round. */
  async initial(conversationId: string, eventId: string, state: 'on_kafka' | 'pending'): Promise<void> {
    const key = this.keys.botDelivery(conversationId);
    const set = await this.redis.hsetnx(
      key,
      eventId,
      JSON.stringify({ state, attempts: 0, at: new Date().toISOString() } satisfies DeliveryState),
    );
    await this.redis.expire(key, this.retentionSeconds);
    if (set === 1) await this.announce(conversationId, eventId, { state, attempts: 0, at: new Date().toISOString() });
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
    const key = this.keys.botDelivery(conversationId);
    await this.redis.multi().hset(key, eventId, JSON.stringify(state)).expire(key, this.retentionSeconds).exec();
    await this.announce(conversationId, eventId, state);
  }

  private announce(conversationId: string, eventId: string, state: DeliveryState): Promise<void> {
    return this.live.publish({ type: 'delivery', conversationId, eventId, delivery: describeDelivery(state) });
  }
}
