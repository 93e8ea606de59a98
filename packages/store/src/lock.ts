// The one lock of Switchboard: exclusive across replicas, a token of its own per acquisition, renewed in the
// background while held (the holder learns when it lost it), and a fencing number that rises with every
// acquisition so that a writer can refuse a holder whose lock has since passed to someone else.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/** How long the fencing counter of a lock name is kept after its last acquisition. */
const FENCE_SECONDS = 30 * 24 * 60 * 60;

// KEYS: lock, fence counter. ARGV: token, ttl ms, fence ttl s. Returns the new fencing number, or false.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') == false then return false end
local fence = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return fence
`;
const RENEW =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** Thrown by `assertHeld` (and by fenced writers) when a holder acts on a lock it no longer has. */
export class LockLostError extends Error {
  constructor(
    readonly lockName: string,
    readonly why: string,
  ) {
    super(`lock ${lockName} lost: ${why}`);
    this.name = 'LockLostError';
  }
}

/** One acquisition of a lock, until `release`. */
export interface HeldLock {
  readonly name: string;
  /** This acquisition's owner token (never shared with another acquisition, even in the same process). */
  readonly token: string;
  /** Rises with every acquisition of this lock name: a writer keeps the highest it saw and refuses lower ones. */
  readonly fence: number;
  /** Aborted when the lock is lost (renewal refused, or not renewed within its TTL). */
  readonly signal: AbortSignal;
  readonly lost: boolean;
  /** Throws LockLostError when the lock was lost: call before a side effect that must not happen twice. */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long the lock lives without renewal: how long a crashed holder blocks others. */
  ttlMs?: number;
  /** How often it is renewed while held (default a third of the TTL). */
  renewEveryMs?: number;
}

/** Locks of one scope (a kind of resource), named by the resource's id: `lock(scope, id)` in keys.ts. */
export class Locks {
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly scope: string,
    options: LockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(50, Math.floor(this.ttlMs / 3));
    if (this.renewEveryMs >= this.ttlMs)
      throw new Error(`lock ${scope}: renewal (${this.renewEveryMs} ms) must come before the TTL (${this.ttlMs} ms)`);
  }

  /** The lock if it is free now, else null. */
  async acquire(id: string): Promise<HeldLock | null> {
    const key = this.keys.lock(this.scope, id);
    const token = randomUUID();
    // Read before asking: Redis starts the TTL no earlier, so the lock is surely ours until asked + TTL.
    const asked = Date.now();
    const fence = (await this.redis.eval(
      ACQUIRE,
      2,
      key,
      this.keys.lockFence(this.scope, id),
      token,
      this.ttlMs,
      FENCE_SECONDS,
    )) as number | null;
    if (fence === null) return null;
    return new Holding(
      this.redis,
      key,
      `${this.scope}:${id}`,
      token,
      Number(fence),
      this.ttlMs,
      this.renewEveryMs,
      asked + this.ttlMs,
    );
  }

  /** Runs `work` holding the lock; undefined when another holder has it. Released however `work` ends. */
  async withLock<T>(id: string, work: (held: HeldLock) => Promise<T>): Promise<{ value: T } | undefined> {
    const held = await this.acquire(id);
    if (!held) return undefined;
    try {
      return { value: await work(held) };
    } finally {
      await held.release();
    }
  }
}

class Holding implements HeldLock {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** Until when the lock is surely ours (local clock): the last successful renewal plus the TTL. */
  private validUntil: number;
  private released = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly name: string,
    readonly token: string,
    readonly fence: number,
    private readonly ttlMs: number,
    renewEveryMs: number,
    validUntil: number,
  ) {
    this.validUntil = validUntil;
    this.timer = setInterval(() => void this.renew(), renewEveryMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    if (!this.controller.signal.aborted && !this.released && Date.now() >= this.validUntil)
      this.lose('not renewed within its TTL');
    return this.controller.signal.aborted;
  }

  assertHeld(): void {
    if (this.lost) throw new LockLostError(this.name, String(this.controller.signal.reason ?? 'lost'));
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    if (!this.controller.signal.aborted) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.released || this.controller.signal.aborted) return;
    const asked = Date.now();
    try {
      const renewed = (await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs)) === 1;
      if (this.released) return;
      if (renewed) this.validUntil = asked + this.ttlMs;
      else this.lose('another holder has it (expired before it was renewed)');
    } catch {
      // Redis away: the lock stays ours only until its TTL runs out (checked by `lost`).
      if (Date.now() >= this.validUntil) this.lose('Redis unreachable for longer than the TTL');
    }
  }

  private lose(why: string): void {
    clearInterval(this.timer);
    this.controller.abort(why);
  }
}
