// The few idempotency operations every consumer needs, on the keys of keys.ts.
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

const DAY_SECONDS = 24 * 60 * 60;

/** Remembers that one consumer finished its side effect for one event, so a redelivery skips it. */
export class DoneMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scope: string,
    private readonly ttlSeconds = 7 * DAY_SECONDS,
  ) {}

  async isDone(eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.done(this.scope, eventId))) === 1;
  }

  async markDone(eventId: string): Promise<void> {
    await this.redis.set(this.keys.done(this.scope, eventId), '1', 'EX', this.ttlSeconds);
  }
}

/**
 * A short exclusive lock with an owner token, released only by its owner. Used around a side effect that
 * must happen once per conversation across replicas (posting the root message, creating the task).
 */
export class ConversationLock {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scope: string,
    private readonly ttlMs = 30000,
  ) {}

  async acquire(conversationId: string, owner: string): Promise<boolean> {
    const ok = await this.redis.set(this.keys.lock(this.scope, conversationId), owner, 'PX', this.ttlMs, 'NX');
    return ok === 'OK';
  }

  async release(conversationId: string, owner: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      1,
      this.keys.lock(this.scope, conversationId),
      owner,
    );
  }
}
