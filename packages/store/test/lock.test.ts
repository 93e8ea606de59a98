// The one lock (Locks) on a real Redis: one holder at a time, a token per acquisition, renewal while held,
// the holder told when it lost it, and a stale holder fenced off from the batch a newer holder took over.
import { sleep } from '@switchboard/core';
import { LockLostError, Locks, OpenBatches, StaleFenceError, type Redis } from '../src';
import { eventually } from '../../../test/support/services';
import { connect, testKeys } from './support';

describe('Locks', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(() => redis.quit());

  it('lets exactly one of many contenders hold a lock, and the next acquisition gets a higher fence', async () => {
    const locks = new Locks(redis, testKeys('lock'), 'contention');
    const tries = await Promise.all(Array.from({ length: 10 }, () => locks.acquire('c1')));
    const held = tries.filter((t) => t !== null);
    expect(held).toHaveLength(1);
    await held[0]!.release();
    const next = await locks.acquire('c1');
    expect(next).not.toBeNull();
    expect(next!.fence).toBeGreaterThan(held[0]!.fence);
    expect(next!.token).not.toBe(held[0]!.token);
    await next!.release();
  });

  it('gives each acquisition its own token: a finished holder cannot release the lock of the next one', async () => {
    const keys = testKeys('lock');
    const locks = new Locks(redis, keys, 'tokens', { ttlMs: 200, renewEveryMs: 50 });
    const first = (await locks.acquire('c1'))!;
    // The first holder stalls (its renewals stop, as in a paused process) and the lock expires.
    await first.release();
    await redis.set(keys.lock('tokens', 'c1'), first.token, 'PX', 100);
    await eventually(
      () => redis.exists(keys.lock('tokens', 'c1')),
      (n) => n === 0,
      5000,
      'the lock to expire',
    );
    const second = (await locks.acquire('c1'))!;
    expect(second).not.toBeNull();
    await first.release(); // a late release of the old acquisition
    expect(await redis.get(keys.lock('tokens', 'c1'))).toBe(second.token);
    expect(await locks.acquire('c1')).toBeNull();
    await second.release();
  });

  it('renews a held lock in the background for many times its TTL, until released', async () => {
    const locks = new Locks(redis, testKeys('lock'), 'renewal', { ttlMs: 300, renewEveryMs: 60 });
    const held = (await locks.acquire('c1'))!;
    await sleep(1500);
    expect(held.lost).toBe(false);
    expect(await locks.acquire('c1')).toBeNull();
    await held.release();
    const after = await locks.acquire('c1');
    expect(after).not.toBeNull();
    await after!.release();
  });

  it('lets the lock expire when its holder is cut off from Redis, and tells the holder it lost it', async () => {
    const keys = testKeys('lock');
    const replica = await connect();
    const held = (await new Locks(replica, keys, 'expiry', { ttlMs: 300, renewEveryMs: 60 }).acquire('c1'))!;
    replica.disconnect();
    const other = new Locks(redis, keys, 'expiry', { ttlMs: 300, renewEveryMs: 60 });
    const taken = await eventually(
      () => other.acquire('c1'),
      (l) => l !== null,
      5000,
      'the lock to pass to another holder',
    );
    await eventually(
      async () => held.lost,
      (lost) => lost,
      5000,
      'the cut-off holder to learn it lost the lock',
    );
    expect(held.signal.aborted).toBe(true);
    expect(() => held.assertHeld()).toThrow(LockLostError);
    await taken!.release();
    await held.release();
  });

  it('tells a holder whose lock was taken over by another that it lost it', async () => {
    const keys = testKeys('lock');
    const locks = new Locks(redis, keys, 'takeover', { ttlMs: 5000, renewEveryMs: 50 });
    const held = (await locks.acquire('c1'))!;
    await redis.set(keys.lock('takeover', 'c1'), 'someone-else');
    await eventually(
      async () => held.signal.aborted,
      (aborted) => aborted,
      5000,
      'the holder to notice',
    );
    await held.release();
    expect(await redis.get(keys.lock('takeover', 'c1'))).toBe('someone-else');
  });

  it("fences a stale holder off the batch a newer holder resumed after the stale one's lock expired", async () => {
    const keys = testKeys('lock');
    const batchKey = keys.lock('fenced-batch', 'open');
    const source = { kind: 'zset' as const, key: keys.lock('fenced-batch', 'waiting'), max: 10 };
    await redis.zadd(source.key, 1, 'conv-a', 2, 'conv-b');

    const replicaA = await connect();
    const lockA = (await new Locks(replicaA, keys, 'channel', { ttlMs: 300, renewEveryMs: 60 }).acquire('#triage'))!;
    const batchA = (await new OpenBatches(replicaA).takeOrResume(batchKey, source, {
      batchId: 'b1',
      fence: lockA.fence,
    }))!;
    expect(batchA.items).toEqual(['conv-a', 'conv-b']);
    // A stalls: its connection drops, so its lock is no longer renewed and expires.
    replicaA.disconnect();

    const locks = new Locks(redis, keys, 'channel', { ttlMs: 300, renewEveryMs: 60 });
    const lockB = await eventually(
      () => locks.acquire('#triage'),
      (l) => l !== null,
      5000,
      'the lock to pass to B',
    );
    expect(lockB!.fence).toBeGreaterThan(lockA.fence);
    const batches = new OpenBatches(redis);
    const batchB = (await batches.takeOrResume(batchKey, source, { batchId: 'b2', fence: lockB!.fence }))!;
    expect(batchB).toMatchObject({ id: 'b1', items: ['conv-a', 'conv-b'], resumed: true, fence: lockB!.fence });

    // A comes back believing it still works on the batch: every check refuses it.
    expect(await batches.holds(batchKey, lockA.fence)).toBe(false);
    await expect(batches.takeOrResume(batchKey, source, { batchId: 'b3', fence: lockA.fence })).rejects.toThrow(
      StaleFenceError,
    );
    expect(await batches.holds(batchKey, lockB!.fence)).toBe(true);
    await lockB!.release();
    await lockA.release();
  });
});
