// Ingress's Redis round trips, shared by the requests in flight: the lookups (accepted ids, control flags)
// of every request that arrives in one turn of the event loop go to Redis as one MGET, and the ids they
// accepted are remembered in one pipeline. ioredis writes each command to its socket by itself, and at
// 64 connections those writes were a sixth of ingress's CPU (docs/performance.md, "Ingress").
import type { Redis } from '@switchboard/store';

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Keys in one MGET (or one call of SET_ALL) at most: a turn with many large batches is sent as several in one pipeline. */
const MAX_KEYS_PER_MGET = 2000;

/** Sets every key to "1" with the time to live ARGV[1], in one command. */
const SET_ALL = `
for i = 1, #KEYS do redis.call('SET', KEYS[i], '1', 'EX', ARGV[1]) end
return #KEYS`;

export class RedisBatches {
  private lookups: (Waiting<(string | null)[]> & { keys: string[] })[] = [];
  private writes: (Waiting<void> & { keys: string[]; ttlSeconds: number })[] = [];
  private scheduled = false;

  constructor(private readonly redis: Redis) {}

  /** The values of `keys` (null where absent), read together with the other requests of this turn. */
  mget(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.lookups.push({ keys, resolve, reject });
      this.schedule();
    });
  }

  /** Sets each key to "1" with a time to live, together with the other requests of this turn. */
  setAll(keys: string[], ttlSeconds: number): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.writes.push({ keys, ttlSeconds, resolve, reject });
      this.schedule();
    });
  }

  /** After the I/O of this turn (setImmediate): every request parsed in it has queued its keys by then. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const lookups = this.lookups;
      const writes = this.writes;
      this.lookups = [];
      this.writes = [];
      if (lookups.length > 0) void this.flushLookups(lookups);
      if (writes.length > 0) void this.flushWrites(writes);
    });
  }

  private async flushLookups(lookups: (Waiting<(string | null)[]> & { keys: string[] })[]): Promise<void> {
    const all = lookups.flatMap((l) => l.keys);
    try {
      let values: (string | null)[];
      if (all.length <= MAX_KEYS_PER_MGET) values = await this.redis.mget(...all);
      else {
        const pipeline = this.redis.pipeline();
        for (let i = 0; i < all.length; i += MAX_KEYS_PER_MGET) pipeline.mget(...all.slice(i, i + MAX_KEYS_PER_MGET));
        values = resultsOf(await pipeline.exec()).flat() as (string | null)[];
      }
      let at = 0;
      for (const lookup of lookups) {
        lookup.resolve(values.slice(at, at + lookup.keys.length));
        at += lookup.keys.length;
      }
    } catch (err) {
      for (const lookup of lookups) lookup.reject(err);
    }
  }

  /** One script call per ttl and up to MAX_KEYS_PER_MGET keys: a SET each was a command object per event. */
  private async flushWrites(writes: (Waiting<void> & { keys: string[]; ttlSeconds: number })[]): Promise<void> {
    try {
      const byTtl = new Map<number, string[]>();
      for (const write of writes) {
        const keys = byTtl.get(write.ttlSeconds);
        if (keys) for (const key of write.keys) keys.push(key);
        else byTtl.set(write.ttlSeconds, [...write.keys]);
      }
      const pipeline = this.redis.pipeline();
      for (const [ttl, keys] of byTtl)
        for (let i = 0; i < keys.length; i += MAX_KEYS_PER_MGET) {
          const chunk = keys.slice(i, i + MAX_KEYS_PER_MGET);
          pipeline.eval(SET_ALL, chunk.length, ...chunk, ttl);
        }
      resultsOf(await pipeline.exec());
      for (const write of writes) write.resolve();
    } catch (err) {
      for (const write of writes) write.reject(err);
    }
  }
}

/** A pipeline's results, or its first command error thrown. */
function resultsOf(results: [Error | null, unknown][] | null): unknown[] {
  if (results === null) throw new Error('redis pipeline was discarded');
  const failed = results.find(([err]) => err !== null);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}
