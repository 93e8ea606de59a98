// Done-marks: the idempotency every consumer needs, on the keys of keys.ts.
import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from './keys';

const DAY_SECONDS = 24 * 60 * 60;

/** Remembers that one consumer finished its side effect for one event, so a redelivery skips it. */
export class DoneMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scope: string,
    /** How long a mark is kept. */
    readonly ttlSeconds = 7 * DAY_SECONDS,
  ) {}

  /** The mark's key, for a caller writing it inside a script of its own (with `ttlSeconds`). */
  keyOf(eventId: string): string {
    return this.keys.done(this.scope, eventId);
  }

  async isDone(eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.done(this.scope, eventId))) === 1;
  }

  async markDone(eventId: string): Promise<void> {
    await this.redis.set(this.keys.done(this.scope, eventId), '1', 'EX', this.ttlSeconds);
  }

  /** Adds the mark to a transaction of the caller's, so it is written with the caller's other records. */
  addMarkDone(multi: ChainableCommander, eventId: string): ChainableCommander {
    return multi.set(this.keys.done(this.scope, eventId), '1', 'EX', this.ttlSeconds);
  }
}
