// Against a real Redis: a handoff waits until an operator takes over or its deadline passes; a due deadline
// is claimed by one replica at a time, and a claim that is never finished (the replica died) is claimed again
// once its lease passes, for the same request; a redelivered request that was settled starts nothing.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { HandoffStore } from '../../src/conversation/handoff';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-handoff-${randomUUID().slice(0, 8)}:`);

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

const T0 = 1_000_000;
const request = (requestId: string) => ({
  requestId,
  reason: 'asked for an agent',
  summary: 'refund',
  team: 'billing',
  metadata: { order: '1042' },
  requestedAt: 'then',
  until: 'later',
});

describe('HandoffStore', () => {
  const handoffs = new HandoffStore(redis, keys, 30_000, 3600);

  it('waits, and on the deadline one claim gives control back to the bot and leases the entry until finished', async () => {
    expect(await handoffs.schedule('c1', request('r1'), T0 + 2000)).toBe(true);
    expect(await redis.get(keys.control('c1'))).toBe('waiting');
    expect(await handoffs.get('c1')).toMatchObject({
      requestId: 'r1',
      reason: 'asked for an agent',
      metadata: { order: '1042' },
      outcome: 'waiting',
    });
    expect(await handoffs.claim('c1', T0 + 1999)).toBeNull();

    expect(await handoffs.due(T0 + 2000)).toEqual(['c1']);
    expect(await handoffs.claim('c1', T0 + 2000)).toBe('r1');
    expect(await redis.get(keys.control('c1'))).toBeNull(); // the bot's again, as ingress reads it
    expect(await handoffs.claim('c1', T0 + 2000)).toBeNull(); // another replica, within the lease
    expect(await handoffs.due(T0 + 2000 + 29_999)).toEqual([]);

    // The claimer died before finishing: after the lease, the same request is claimed again.
    expect(await handoffs.claim('c1', T0 + 2000 + 30_000)).toBe('r1');
    await handoffs.finish('c1', 'r1');
    expect(await handoffs.due(T0 + 10_000_000)).toEqual([]);
    expect(await handoffs.get('c1')).toMatchObject({ outcome: 'timed_out' });

    // The request redelivered later starts nothing.
    expect(await handoffs.schedule('c1', request('r1'), T0 + 5000)).toBe(false);
    expect(await redis.get(keys.control('c1'))).toBeNull();
  });

  it('stops the clock when an operator takes over', async () => {
    await handoffs.schedule('c2', request('r2'), T0 + 2000);
    await redis.set(keys.control('c2'), 'human'); // what the takeover writes
    expect(await handoffs.answered('c2')).toBe(true);
    expect(await handoffs.due(T0 + 10_000)).not.toContain('c2');
    expect(await handoffs.claim('c2', T0 + 10_000)).toBeNull();
    expect(await redis.get(keys.control('c2'))).toBe('human');
    expect(await handoffs.get('c2')).toMatchObject({ outcome: 'taken' });
  });

  it('starts nothing while an operator already holds the conversation, and drops a deadline whose wait ended another way', async () => {
    await redis.set(keys.control('c3'), 'human');
    expect(await handoffs.schedule('c3', request('r3'), T0)).toBe(false);
    expect(await redis.get(keys.control('c3'))).toBe('human');

    await handoffs.schedule('c4', request('r4'), T0);
    await redis.set(keys.control('c4'), 'human'); // taken over, the answer not yet recorded
    expect(await handoffs.claim('c4', T0)).toBeNull();
    expect(await handoffs.due(T0 + 10_000_000)).not.toContain('c4');
  });

  it('starts a new request that comes while an earlier one is being timed out, and keeps it when that one finishes', async () => {
    await handoffs.schedule('c6', request('r7'), T0);
    expect(await handoffs.claim('c6', T0)).toBe('r7');
    expect(await handoffs.schedule('c6', request('r7'), T0 + 5000)).toBe(false); // the claimed one, redelivered
    expect(await handoffs.schedule('c6', request('r8'), T0 + 5000)).toBe(true); // the bot asked again
    await handoffs.finish('c6', 'r7');
    expect(await redis.get(keys.control('c6'))).toBe('waiting');
    expect(await handoffs.due(T0 + 5000)).toContain('c6');
    expect(await handoffs.claim('c6', T0 + 5000)).toBe('r8');
  });

  it('keeps the first request while one already waits', async () => {
    expect(await handoffs.schedule('c5', request('r5'), T0 + 1000)).toBe(true);
    expect(await handoffs.schedule('c5', request('r6'), T0 + 9000)).toBe(false);
    expect(await handoffs.claim('c5', T0 + 1000)).toBe('r5');
  });
});
