// The timeline store on the real Redis: two "replicas" (connections) applying the same events at once write
// each once and measure each fact once; the open buckets follow the transitions.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { StatusChange } from '@switchboard/proto';
import { connectRedis, createRedis, type Redis } from '@switchboard/store';
import type { TimelineEvent } from '../../src/conversation/timeline';
import {
  APPLY_TIMELINE,
  READ_TIMELINE,
  TimelineStore,
  type TimelineReply,
} from '../../src/conversation/timeline-store';
import { TAKE_STEP, runSteps } from '../../src/script-steps';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'timeline-store-test', level: 'silent' });
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const msg = (eventId: string, at: number): TimelineEvent => ({
  kind: 'message',
  eventId,
  at,
  from: 'user',
  priority: 'high',
  platform: 'web',
  teamId: 'T1',
  teamName: 'Acme',
  userId: 'U1',
  userName: 'Ann',
  by: 'Ann',
});
const status = (eventId: string, at: number, change: StatusChange): TimelineEvent => ({
  kind: 'status',
  eventId,
  at,
  change,
  by: 'Olga',
});

describe('TimelineStore', () => {
  let a: Redis;
  let b: Redis;
  const keys = statusKeys(`tl${randomUUID().slice(0, 8)}:`);

  beforeAll(async () => {
    a = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    b = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(a, quiet);
    await connectRedis(b, quiet);
  });
  afterAll(() => {
    a.disconnect();
    b.disconnect();
  });

  it('applies each event once across two replicas and redeliveries, measuring each fact once', async () => {
    const one = new TimelineStore(a, keys, 3600);
    const two = new TimelineStore(b, keys, 3600);
    const events = [
      msg('m1', T0),
      status('r1', T0 + 60_000, StatusChange.REVIEWED),
      status('t1', T0 + 61_000, StatusChange.TAKEOVER_STARTED),
      { kind: 'operator_message' as const, eventId: 'o1', at: T0 + 90_000, by: 'Olga' },
      status('t2', T0 + 100_000, StatusChange.TAKEOVER_ENDED),
      status('c1', T0 + 120_000, StatusChange.CLOSED),
      status('x1', T0 + 130_000, StatusChange.REOPENED),
    ];
    const facts: string[] = [];
    for (const event of events) {
      // Both replicas and a redelivery at once: exactly one of them writes.
      const outcomes = await Promise.all([one.apply('c-1', event), two.apply('c-1', event), one.apply('c-1', event)]);
      expect(outcomes.filter((o) => o.outcome === 'applied')).toHaveLength(1);
      for (const o of outcomes)
        if (o.outcome === 'applied') facts.push(...o.facts.map((f) => `${f.fact}:${f.priority}:${f.seconds}`));
    }
    expect(facts).toEqual(['review:high:60', 'first_human_reply:high:90', 'close:high:120']);
    // A late redelivery of the close (after the reopen) does not close it again.
    expect((await two.apply('c-1', status('c1', T0 + 120_000, StatusChange.CLOSED))).outcome).toBe('duplicate');
    expect(await one.get('c-1')).not.toHaveProperty('closed');
    expect(await one.get('c-1')).toMatchObject({ reopens: '1', firstClosedAt: String(T0 + 120_000) });
    const open = (await one.openCounts()).filter((c) => c.count > 0);
    expect(open).toEqual([{ bucket: { state: 'reviewed', priority: 'high' }, count: 1 }]);
    expect(await a.zscore(keys.timelinesByStart(), 'c-1')).toBe(String(T0));
  });

  it('keeps the open buckets right for many conversations changed concurrently', async () => {
    const one = new TimelineStore(a, keys, 3600);
    const two = new TimelineStore(b, keys, 3600);
    const ids = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    await Promise.all(
      ids.flatMap((id, i) => [one.apply(id, msg(`${id}-m`, T0 + i)), two.apply(id, msg(`${id}-m`, T0 + i))]),
    );
    // Review the even ones, close every third: both replicas race on each.
    await Promise.all(
      ids.flatMap((id, i) =>
        i % 2 === 0
          ? [
              one.apply(id, status(`${id}-r`, T0 + 1000, StatusChange.REVIEWED)),
              two.apply(id, status(`${id}-r`, T0 + 1000, StatusChange.REVIEWED)),
            ]
          : [],
      ),
    );
    await Promise.all(
      ids.flatMap((id, i) =>
        i % 3 === 0
          ? [
              one.apply(id, status(`${id}-c`, T0 + 2000, StatusChange.CLOSED)),
              two.apply(id, status(`${id}-c`, T0 + 2000, StatusChange.CLOSED)),
            ]
          : [],
      ),
    );
    const counts = Object.fromEntries(
      (await one.openCounts()).filter((c) => c.bucket.priority === 'high').map((c) => [c.bucket.state, c.count]),
    );
    const expected = { unreviewed: 0, reviewed: 0, taken_over: 0 };
    ids.forEach((_, i) => {
      if (i % 3 === 0) return;
      if (i % 2 === 0) expected.reviewed++;
      else expected.unreviewed++;
    });
    // The first test's conversation is reviewed and open, at high priority too.
    expect(counts).toEqual({ ...expected, reviewed: expected.reviewed + 1 });
  });

  it('applies messages read before another write again, one at a time, measuring each fact once', async () => {
    const store = new TimelineStore(a, keys, 3600);
    const read = await runSteps<TimelineReply>(a, `${READ_TIMELINE}${TAKE_STEP}return read_timeline(take())`, [
      store.readStep('stale-1', 'messages'),
    ]);
    const messages = [msg('s1', T0), msg('s2', T0 + 1_000)];
    const change = store.messagesChange('stale-1', read, messages)!;
    // A review lands between the read and the write: the write is refused, the messages applied again.
    await store.apply('stale-1', status('s-r', T0 + 30_000, StatusChange.REVIEWED));
    const result = await runSteps<number>(a, `${APPLY_TIMELINE}${TAKE_STEP}return apply_timeline(take())`, [
      change.write,
    ]);
    expect(result).toBe(-1);
    const facts = await store.written('stale-1', messages, change, result);
    expect(facts.map((f) => `${f.fact}:${f.seconds}`)).toEqual(['review:30']);
    expect(await store.get('stale-1')).toMatchObject({ startedAt: String(T0), lastUserAt: String(T0 + 1_000) });
    expect(await a.zscore(keys.timelineOpen('reviewed', 'high'), 'stale-1')).toBe(String(T0));
  });
});
