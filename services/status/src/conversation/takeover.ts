// Who holds a conversation. While an operator has taken it over, `control` is "human" (ingress tells the
// bot so in every reply, and GET /v1/conversations/:id/control answers the same); each operator message
// pushes the idle deadline on, and a sweeper hands conversations idle past it back to the bot.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';

export interface Takeover {
  /** "waiting": the bot asked for a human and none took over yet (handoff.ts). */
  control: 'human' | 'waiting' | 'bot';
  operator?: string;
  since?: string;
  /** When it goes back to the bot if no operator speaks (ISO). */
  until?: string;
}

/** Removes the takeover only if its deadline is still the one that passed (an operator may have spoken since). */
const RELEASE_IF_DUE = `
local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not deadline or tonumber(deadline) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`;

const TOUCH = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], 'until', ARGV[3])
return 1`;

export class TakeoverStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly idleMs: number,
    private readonly retentionSeconds: number,
  ) {}

  async take(conversationId: string, operator: string, nowMs = Date.now()): Promise<void> {
    const deadline = nowMs + this.idleMs;
    await this.redis
      .multi()
      .set(this.keys.control(conversationId), 'human', 'EX', this.retentionSeconds)
      .hset(this.keys.takeover(conversationId), {
        operator,
        since: new Date(nowMs).toISOString(),
        until: new Date(deadline).toISOString(),
      })
      .expire(this.keys.takeover(conversationId), this.retentionSeconds)
      .zadd(this.keys.takeoverDeadlines(), deadline, conversationId)
      .exec();
  }

  /** An operator spoke: the idle clock starts again. No-op unless taken over. */
  async touch(conversationId: string, nowMs = Date.now()): Promise<void> {
    const deadline = nowMs + this.idleMs;
    await this.redis.eval(
      TOUCH,
      2,
      this.keys.takeoverDeadlines(),
      this.keys.takeover(conversationId),
      conversationId,
      String(deadline),
      new Date(deadline).toISOString(),
    );
  }

  async release(conversationId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.control(conversationId), this.keys.takeover(conversationId))
      .zrem(this.keys.takeoverDeadlines(), conversationId)
      .exec();
  }

  /** Releases it if its idle deadline has passed; true when this call released it. */
  async releaseIfDue(conversationId: string, nowMs = Date.now()): Promise<boolean> {
    const released = await this.redis.eval(
      RELEASE_IF_DUE,
      3,
      this.keys.control(conversationId),
      this.keys.takeover(conversationId),
      this.keys.takeoverDeadlines(),
      conversationId,
      String(nowMs),
    );
    return released === 1;
  }

  /** The idle deadline (ms, as stored) of a taken-over conversation, or null. */
  deadline(conversationId: string): Promise<string | null> {
    return this.redis.zscore(this.keys.takeoverDeadlines(), conversationId);
  }

  /** Conversations whose idle deadline has passed, oldest first. */
  async due(nowMs = Date.now(), limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.takeoverDeadlines(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  async state(conversationId: string): Promise<Takeover> {
    const [control, takeover] = await Promise.all([
      this.redis.get(this.keys.control(conversationId)),
      this.redis.hgetall(this.keys.takeover(conversationId)),
    ]);
    if (control === 'waiting') return { control: 'waiting' };
    if (control !== 'human') return { control: 'bot' };
    return { control: 'human', operator: takeover.operator, since: takeover.since, until: takeover.until };
  }
}
