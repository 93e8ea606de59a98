// Against a real Redis: a clock starts once per run, a stop wins over every step not yet claimed, a due step
// is claimed by one replica at a time and claimed again (the same step) once a dead claimer's lease passes,
// and the reply clock only runs after an operator's reply. Time is passed in, never waited for.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { ClockStore, slaKeys } from '../../src/sla/clock-store';
import { firstStep, nextStep, dueAtMs, type ClockPlan } from '../../src/sla/schedule';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = slaKeys(statusKeys(`t-sla-${randomUUID().slice(0, 8)}:`));

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

const T0 = 1_000_000;
const plan: ClockPlan = {
  policy: 'fast',
  withinMs: 2000,
  repeatEveryMs: 1000,
  maxRepeatEveryMs: 4000,
  escalate: [{ afterMs: 1500, mention: ['<@U1>'], broadcast: false }],
};
const start = (startedBy: string, startedMs: number, clock: 'review' | 'reply' = 'review') => ({
  clock,
  startedBy,
  startedMs,
  plan,
  priority: 'urgent',
  first: firstStep(plan),
  deadlineMs: dueAtMs(plan, startedMs, firstStep(plan)),
});

describe('ClockStore', () => {
  // Two replicas: the same Redis, each its own store.
  const a = new ClockStore(redis, keys, 5000, 3600);
  const b = new ClockStore(redis, keys, 5000, 3600);

  it('starts once per run, gives a redelivery its run again, and keeps the first unanswered start', async () => {
    expect(await a.start('c1', start('e1', T0))).toEqual({ outcome: 'started', cycle: 1, deadlineMs: T0 + 2000 });
    expect(await b.start('c1', start('e1', T0))).toEqual({ outcome: 'again', cycle: 1, deadlineMs: T0 + 2000 });
    expect(await b.start('c1', start('e2', T0 + 500))).toBeNull(); // running already
    expect(await a.queue()).toContainEqual({ conversationId: 'c1', clock: 'review', deadlineMs: T0 + 2000 });
  });

  it('hands a due step to one replica, moves on after it, and lets another claim it again after a dead lease', async () => {
    expect(await a.claim('review:c1', T0 + 1999)).toBeNull();
    expect(await a.due(T0 + 2000)).toContain('review:c1');
    const claimed = await a.claim('review:c1', T0 + 2000);
    expect(claimed).toMatchObject({ conversationId: 'c1', clock: 'review', cycle: 1, step: { level: 0, repeat: 0 } });
    expect(await b.claim('review:c1', T0 + 2000)).toBeNull(); // within the lease

    // The claimer died before advancing: after the lease, the same step again.
    const again = await b.claim('review:c1', T0 + 7000);
    expect(again).toMatchObject({ cycle: 1, step: { level: 0, repeat: 0 } });
    const next = nextStep(plan, again!.step)!;
    expect(await b.advance(again!, next, dueAtMs(plan, T0, next))).toBe(true);
    // The late first claimer's advance finds the clock moved on and changes nothing.
    expect(await a.advance(claimed!, next, dueAtMs(plan, T0, next))).toBe(false);
    expect(await a.claim('review:c1', T0 + 7000)).toMatchObject({ step: { level: 0, repeat: 1, offsetMs: 3000 } });
  });

  it('stops at once: a step due but not claimed is never handed out, and a redelivered stop gives the cycle again', async () => {
    await a.start('c2', start('e3', T0));
    expect(await a.stop('c2', 'review', 'reviewed-1', T0 + 2500)).toBe(1);
    expect(await a.claim('review:c2', T0 + 3000)).toBeNull();
    expect(await a.due(T0 + 100_000)).not.toContain('review:c2');
    expect(await a.stop('c2', 'review', 'reviewed-1', T0 + 2500)).toBe(1);
    expect(await a.stop('c2', 'review', 'closed-1', T0 + 2600)).toBeNull();
    expect((await a.queue()).map((q) => q.conversationId)).not.toContain('c2');
  });

  it('does not start a run that an action later than it already stopped (the topics are read apart)', async () => {
    expect(await a.stop('c3', 'review', 'reviewed-3', T0 + 100)).toBeNull();
    expect(await a.start('c3', start('e4', T0))).toBeNull();
    // A resume after the review starts the next cycle.
    expect(await a.start('c3', start('e5', T0 + 200))).toMatchObject({ outcome: 'started', cycle: 1 });
    await a.stop('c3', 'review', 'reviewed-4', T0 + 300);
    expect(await a.start('c3', start('e6', T0 + 400))).toMatchObject({ outcome: 'started', cycle: 2 });
  });

  it("runs the reply clock only for a user's message after an operator's reply, until the next reply", async () => {
    expect(await a.start('c4', start('u1', T0, 'reply'))).toBeNull(); // nobody replied yet
    expect(await a.stop('c4', 'reply', 'op-1', T0 + 100, true)).toBeNull();
    expect(await a.start('c4', start('u2', T0 + 200, 'reply'))).toMatchObject({ outcome: 'started', cycle: 1 });
    expect(await a.stop('c4', 'reply', 'op-2', T0 + 300, true)).toBe(1);
    expect(await a.claim('reply:c4', T0 + 10_000)).toBeNull();
  });

  it('leaves the sweep when no step is left, and the clock still counts as running until it is stopped', async () => {
    const once: ClockPlan = { policy: 'once', withinMs: 1000, escalate: [] };
    await a.start('c5', { ...start('e7', T0), plan: once, first: firstStep(once), deadlineMs: T0 + 1000 });
    const claimed = await a.claim('review:c5', T0 + 1000);
    expect(nextStep(once, claimed!.step)).toBeNull();
    expect(await a.advance(claimed!, null, null)).toBe(true);
    expect(await a.due(T0 + 100_000)).not.toContain('review:c5');
    expect((await a.queue()).map((q) => q.conversationId)).toContain('c5');
    expect(await a.stop('c5', 'review', 'reviewed-5', T0 + 5000)).toBe(1);
  });
});
