// "Take or resume the open batch": waiting items are moved atomically into one open batch that stays until
// its side effect is recorded, so a crash in between is resumed (and looked up) by whoever comes next. The
// batch carries the fencing number of the lock holder working on it, so that a holder whose lock passed to
// another (a pause longer than the TTL) is refused before it posts or records the batch.
import type { Redis } from 'ioredis';

/** Where the waiting items are. */
export type BatchSource =
  /** A sorted set of item ids, oldest first; at most `max` are taken. */
  | { kind: 'zset'; key: string; max: number }
  /** A sorted set of item ids with each item's value in a hash (`lines`, by id); at most `max` are taken. */
  | { kind: 'zset-values'; key: string; values: string; max: number }
  /** A list of items: all of it is taken. */
  | { kind: 'list'; key: string };

export interface OpenBatch {
  id: string;
  items: string[];
  createdAtMs: number;
  /** The fencing number of the holder that took or last resumed it (0 when taken without a lock). */
  fence: number;
  /** Left open by an earlier attempt that may have done its side effect before it stopped. */
  resumed: boolean;
}

export interface TakeOptions {
  /** The new batch's id when one is taken. */
  batchId: string;
  nowMs?: number;
  /** Forget an unrecorded batch after this long (default: kept until closed). */
  ttlSeconds?: number;
  /** The taker's lock fencing number: an open batch claimed by a higher one is not handed over. */
  fence?: number;
  /**
   * Which lock the fence numbers count (its scope): fences of another lock do not compare, so an open batch
   * claimed under another lock (left by an older version using another one) is taken over as resumed.
   */
  fenceScope?: string;
  /** When nothing waits: remove `member` from this index (a due set), in the same step as finding it empty. */
  whenEmpty?: { index: string; member: string };
}

/** The batch is claimed by a newer lock holder: this one must not act on it. */
export class StaleFenceError extends Error {
  constructor(
    readonly batchKey: string,
    readonly fence: number,
  ) {
    super(`batch ${batchKey} is claimed by a newer holder than fence ${fence}`);
    this.name = 'StaleFenceError';
  }
}

// KEYS: batch, source, values hash (or the source again), empty index (or the source again).
// ARGV: kind, max, batch id, now ms, ttl s (0: none), fence, index member ('' when no index), fence scope.
// Returns {'open'|'new', batch json} or {'stale'} or false.
const TAKE = `
local fence = tonumber(ARGV[6])
local open = redis.call('GET', KEYS[1])
if open then
  local batch = cjson.decode(open)
  if (batch.scope or '') == ARGV[8] and (tonumber(batch.fence) or 0) > fence then return {'stale'} end
  batch.fence = fence
  batch.scope = ARGV[8]
  local encoded = cjson.encode(batch)
  redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
  return {'open', encoded}
end
local items
if ARGV[1] == 'list' then
  items = redis.call('LRANGE', KEYS[2], 0, -1)
else
  items = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
end
if #items == 0 then
  if ARGV[7] ~= '' then redis.call('ZREM', KEYS[4], ARGV[7]) end
  return false
end
if ARGV[1] == 'list' then
  redis.call('DEL', KEYS[2])
else
  redis.call('ZREM', KEYS[2], unpack(items))
  if ARGV[1] == 'zset-values' then
    local ids = items
    local values = redis.call('HMGET', KEYS[3], unpack(ids))
    items = {}
    for _, value in ipairs(values) do
      if value then table.insert(items, value) end
    end
    redis.call('HDEL', KEYS[3], unpack(ids))
  end
end
local encoded = cjson.encode({id = ARGV[3], items = items, createdAtMs = tonumber(ARGV[4]), fence = fence, scope = ARGV[8]})
if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[1], encoded, 'EX', ARGV[5]) else redis.call('SET', KEYS[1], encoded) end
return {'new', encoded}
`;

// KEYS: batch. ARGV: fence, fence scope. 1 when the open batch is (still) this holder's, 0 when it is another's
// or gone.
const HOLDS = `
local open = redis.call('GET', KEYS[1])
if not open then return 0 end
local batch = cjson.decode(open)
if (tonumber(batch.fence) or 0) == tonumber(ARGV[1]) and (batch.scope or '') == ARGV[2] then return 1 end
return 0
`;

function parse(raw: string, resumed: boolean): OpenBatch {
  const batch = JSON.parse(raw) as {
    id: string;
    items?: string[] | Record<string, never>;
    conversationIds?: string[];
    createdAtMs: number;
    fence?: number;
  };
  // cjson encodes an empty list as {}. A digest batch left open by a notifier older than OpenBatches names
  // its items `conversationIds`: read as they are, so that an upgrade loses none of them.
  const items = Array.isArray(batch.items)
    ? batch.items
    : Array.isArray(batch.conversationIds)
      ? batch.conversationIds
      : [];
  return { id: batch.id, items, createdAtMs: batch.createdAtMs, fence: batch.fence ?? 0, resumed };
}

export class OpenBatches {
  constructor(private readonly redis: Redis) {}

  /**
   * The open batch if there is one (now claimed with `fence`), else the waiting items taken as a new one;
   * null when nothing waits. Throws StaleFenceError when a newer lock holder claimed the open batch.
   */
  async takeOrResume(batchKey: string, source: BatchSource, options: TakeOptions): Promise<OpenBatch | null> {
    const fence = options.fence ?? 0;
    const keys = [
      batchKey,
      source.key,
      source.kind === 'zset-values' ? source.values : source.key,
      options.whenEmpty?.index ?? source.key,
    ];
    const args = [
      source.kind,
      source.kind === 'list' ? 0 : source.max,
      options.batchId,
      options.nowMs ?? Date.now(),
      options.ttlSeconds ?? 0,
      fence,
      options.whenEmpty?.member ?? '',
      options.fenceScope ?? '',
    ];
    const got = (await this.redis.eval(TAKE, keys.length, ...keys, ...args)) as [string, string?] | null;
    if (!got) return null;
    if (got[0] === 'stale') throw new StaleFenceError(batchKey, fence);
    return parse(got[1]!, got[0] === 'open');
  }

  /** The open batch, as it is, without claiming it. */
  async peek(batchKey: string): Promise<OpenBatch | null> {
    const raw = await this.redis.get(batchKey);
    return raw ? parse(raw, true) : null;
  }

  /** True when the open batch is still claimed by `fence` (of `fenceScope`): check it right before the side effect. */
  async holds(batchKey: string, fence: number, fenceScope = ''): Promise<boolean> {
    return (await this.redis.eval(HOLDS, 1, batchKey, fence, fenceScope)) === 1;
  }
}
