// The bench mode's pacing (SWITCHBOARD_BUDGETS=off): every slot free at once, posts and updates sent without a
// wait, and nothing booked in the shared budget that the paced replicas read.
import { randomUUID } from 'node:crypto';
import { createMetrics } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { SlackPacing } from '../src/pacing';
import { UnpacedSlack } from '../src/unpaced';
import { quiet } from './harness';

describe('pacing with the budgets off', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(() => redis.quit());

  it('gives every post and update its slot at once and books nothing', async () => {
    const keys = createKeys(`unpaced-${randomUUID().slice(0, 8)}:`);
    const options = { postIntervalMs: 60000, postBurst: 1, updatesPerMinute: 1, callLeaseMs: 11000 };
    const unpaced = new UnpacedSlack(redis, keys, createMetrics('notifier-unpaced'), options);
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await unpaced.trySlot()).toEqual({ now: true, booked: true, waitMs: 0 });
      await unpaced.waitForPost();
      sent.push(await unpaced.post('#triage', async () => i));
      expect(await unpaced.updateSlotWithin()).toBe(true);
      await unpaced.waitForUpdate();
    }
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    // A paced replica on the same Redis finds the channel's one slot a minute still free.
    const paced = new SlackPacing(redis, keys, createMetrics('notifier-paced'), options);
    expect(await paced.trySlot('#triage')).toEqual({ now: true, booked: true, waitMs: 0 });
    expect((await paced.trySlot('#triage')).now).toBe(false);
  });
});
