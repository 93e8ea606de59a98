// The one "take or resume the open batch" helper (OpenBatches) on a real Redis, for each kind of waiting items.
import { OpenBatches, StaleFenceError, type Redis } from '../src';
import { connect, testKeys } from './support';

describe('OpenBatches', () => {
  let redis: Redis;
  let batches: OpenBatches;
  beforeAll(async () => {
    redis = await connect();
    batches = new OpenBatches(redis);
  });
  afterAll(() => redis.quit());

  it('takes the longest-waiting ids of a sorted set, at most max, and hands the same batch back until it is closed', async () => {
    const keys = testKeys('batch');
    const [batchKey, waiting] = [keys.lock('b', 'open'), keys.lock('b', 'waiting')];
    await redis.zadd(waiting, 3, 'c3', 1, 'c1', 2, 'c2');
    const taken = await batches.takeOrResume(
      batchKey,
      { kind: 'zset', key: waiting, max: 2 },
      { batchId: 'b1', nowMs: 1000 },
    );
    expect(taken).toEqual({ id: 'b1', items: ['c1', 'c2'], createdAtMs: 1000, fence: 0, resumed: false });
    expect(await redis.zrange(waiting, 0, -1)).toEqual(['c3']);
    await redis.zadd(waiting, 4, 'c4');
    const again = await batches.takeOrResume(batchKey, { kind: 'zset', key: waiting, max: 2 }, { batchId: 'b2' });
    expect(again).toEqual({ ...taken, resumed: true });
    await redis.del(batchKey);
    expect(
      (await batches.takeOrResume(batchKey, { kind: 'zset', key: waiting, max: 2 }, { batchId: 'b3' }))!.items,
    ).toEqual(['c3', 'c4']);
  });

  it('takes the values of waiting ids from their hash, and forgets both', async () => {
    const keys = testKeys('batch');
    const [batchKey, ids, values] = [keys.lock('r', 'open'), keys.lock('r', 'ids'), keys.lock('r', 'values')];
    await redis.zadd(ids, 1, 'e1', 2, 'e2');
    await redis.hset(values, { e1: 'line one', e2: 'line two' });
    const taken = await batches.takeOrResume(
      batchKey,
      { kind: 'zset-values', key: ids, values, max: 10 },
      { batchId: 'b1' },
    );
    expect(taken!.items).toEqual(['line one', 'line two']);
    expect(await redis.exists(ids, values)).toBe(0);
  });

  it('takes a whole list, keeps an unrecorded batch only for its TTL, and clears the due index when nothing waits', async () => {
    const keys = testKeys('batch');
    const [batchKey, list, due] = [keys.lock('t', 'open'), keys.lock('t', 'list'), keys.lock('t', 'due')];
    await redis.rpush(list, 'a', 'b', 'c');
    await redis.zadd(due, 1, 'conv-1');
    const options = { batchId: 'b1', ttlSeconds: 60, whenEmpty: { index: due, member: 'conv-1' } };
    expect((await batches.takeOrResume(batchKey, { kind: 'list', key: list }, options))!.items).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(await redis.ttl(batchKey)).toBeGreaterThan(0);
    expect(await redis.zscore(due, 'conv-1')).toBe('1');
    await redis.del(batchKey);
    expect(await batches.takeOrResume(batchKey, { kind: 'list', key: list }, options)).toBeNull();
    expect(await redis.zscore(due, 'conv-1')).toBeNull();
  });

  it('resumes a digest batch left open by a notifier older than OpenBatches, with all its conversations', async () => {
    const keys = testKeys('batch');
    const batchKey = keys.lock('legacy', 'open');
    await redis.set(batchKey, JSON.stringify({ id: 'old', conversationIds: ['c1', 'c2'], createdAtMs: 5 }));
    const resumed = await batches.takeOrResume(
      batchKey,
      { kind: 'zset', key: keys.lock('legacy', 'w'), max: 10 },
      { batchId: 'new', fence: 3 },
    );
    expect(resumed).toEqual({ id: 'old', items: ['c1', 'c2'], createdAtMs: 5, fence: 3, resumed: true });
  });

  it('answers null when nothing waits and no batch is open', async () => {
    const keys = testKeys('batch');
    expect(
      await batches.takeOrResume(
        keys.lock('n', 'open'),
        { kind: 'zset', key: keys.lock('n', 'w'), max: 5 },
        { batchId: 'b1' },
      ),
    ).toBeNull();
    expect(await batches.peek(keys.lock('n', 'open'))).toBeNull();
  });

  it("compares fences of one lock only: a batch left under another lock's (higher) fences is taken over, resumed", async () => {
    const keys = testKeys('batch');
    const [batchKey, waiting] = [keys.lock('scoped', 'open'), keys.lock('scoped', 'waiting')];
    await redis.zadd(waiting, 1, 'r1');
    const source = { kind: 'zset' as const, key: waiting, max: 10 };
    // Left open by a taker whose lock counts fences in thousands (another scope, or none: an older version).
    await batches.takeOrResume(batchKey, source, { batchId: 'old', fence: 5000 });

    const taken = await batches.takeOrResume(batchKey, source, { batchId: 'new', fence: 3, fenceScope: 'conv' });
    expect(taken).toMatchObject({ id: 'old', items: ['r1'], fence: 3, resumed: true });
    expect(await batches.holds(batchKey, 3, 'conv')).toBe(true);
    // The earlier taker is refused before its side effect, and a lower fence of the same lock too.
    expect(await batches.holds(batchKey, 5000)).toBe(false);
    expect(await batches.holds(batchKey, 3)).toBe(false);
    await expect(
      batches.takeOrResume(batchKey, source, { batchId: 'x', fence: 2, fenceScope: 'conv' }),
    ).rejects.toThrow(StaleFenceError);
  });
});
