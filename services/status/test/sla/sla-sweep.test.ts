// The clocks on the real broker and Redis with the clock injected: a conversation started on Friday evening
// under business hours is held over the weekend and breaches on Monday just after the opening; two sweepers
// at once publish a step once; a step taken over from a stalled replica after its lease is counted once;
// Reviewed stops the clock (its stop published) and nothing more is due.
import { randomUUID } from 'node:crypto';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { createLogger } from '@switchboard/core';
import {
  create,
  ClassifiedEventSchema,
  Direction,
  EventKind,
  Priority,
  StatusChange,
  StatusEventSchema,
  timestampFromMs,
} from '@switchboard/proto';
import { connectRedis, createRedis } from '@switchboard/store';
import type { Delivery } from '@switchboard/bus';
import { ClockStore, slaKeys, type RunningClock } from '../../src/sla/clock-store';
import { parsePolicyFile } from '../../src/sla/policy-file';
import { slaClassifiedRecorder, slaStatusRecorder } from '../../src/sla/sla-recorder';
import { sweepDeadlines } from '../../src/sla/sla-sweep';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const id = randomUUID().slice(0, 8);
const names = new TopicNames(`t-sla-sweep-${id}.`);
const kafka = createKafka({
  brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
  clientId: 'sla-sweep-test',
  logger: quiet,
});
const admin = kafka.admin();
const publisher = new Publisher(kafka, names);
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = slaKeys(statusKeys(`t-sla-sweep-${id}:`));

beforeAll(async () => {
  await connectRedis(redis, quiet);
  await ensureTopics(kafka, names, { partitions: 1, replicationFactor: 1 });
  await admin.connect();
  await publisher.connect();
});
afterAll(async () => {
  await publisher.disconnect();
  await admin.disconnect();
  await redis.quit();
});

const statusCount = async () =>
  (await admin.fetchTopicOffsets(names.name(Topics.status))).reduce((sum, p) => sum + Number(p.high), 0);
const delivery = <T>(event: T) => ({ event, log: quiet }) as unknown as Delivery<never> & { event: T };

const policies = parsePolicyFile(`
policies:
  - review_within: 5m
business_hours:
  time_zone: Europe/Berlin
  days: [mon, tue, wed, thu, fri]
  hours: "09:00-18:00"
`);

const started = (conversationId: string, atMs: number) =>
  create(ClassifiedEventSchema, {
    kind: EventKind.CONVERSATION_STARTED,
    priority: Priority.URGENT,
    message: {
      eventId: `${conversationId}:1`,
      conversationId,
      direction: Direction.USER,
      text: 'hello?',
      team: { id: 't1' },
      receivedAt: timestampFromMs(atMs),
    },
  });

describe('the SLA sweep', () => {
  const replicaA = new ClockStore(redis, keys, 30_000, 3600);
  const replicaB = new ClockStore(redis, keys, 30_000, 3600);
  const recorderDeps = { clocks: replicaA, publisher, policies: () => policies, routeOf: () => '#triage' };
  const breached: RunningClock[] = [];
  const sweep = (clocks: ClockStore, nowMs: number) =>
    sweepDeadlines({ clocks, publisher, logger: quiet, now: () => nowMs, breached: (c) => breached.push(c) });

  it('holds a deadline set on Friday evening over the weekend, and breaches once on Monday after the opening', async () => {
    const friday = Date.parse('2026-06-12T15:58:00Z'); // 17:58 in Berlin
    const before = await statusCount();
    await slaClassifiedRecorder(recorderDeps)(delivery(started('bot:c-weekend', friday)));
    expect(await statusCount()).toBe(before + 1); // SLA_DEADLINE with the deadline

    // 2 minutes on Friday, 3 from Monday 09:00: due Monday 09:03 Berlin (07:03 UTC).
    expect(await replicaA.queue()).toContainEqual({
      conversationId: 'bot:c-weekend',
      clock: 'review',
      deadlineMs: Date.parse('2026-06-15T07:03:00Z'),
    });
    expect(await sweep(replicaA, Date.parse('2026-06-13T12:00:00Z'))).toBe(0); // Saturday
    expect(await sweep(replicaA, Date.parse('2026-06-15T07:02:59Z'))).toBe(0);

    // Both replicas sweep the moment it is due: one publishes.
    const monday = Date.parse('2026-06-15T07:03:00Z');
    const counts = await Promise.all([sweep(replicaA, monday), sweep(replicaB, monday)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(breached.map((c) => [c.conversationId, c.step.level, c.step.repeat, c.priority])).toEqual([
      ['bot:c-weekend', 0, 0, 'urgent'],
    ]);
    expect(await statusCount()).toBe(before + 2);
    // No repeat and no level: nothing more is due, ever.
    expect(await sweep(replicaA, monday + 365 * 86_400_000)).toBe(0);
  });

  it('counts a step once when a stalled replica’s lease ran out and another took it over', async () => {
    const monday = Date.parse('2026-06-15T09:00:00Z'); // 11:00 in Berlin: the 5 minutes run at once
    await slaClassifiedRecorder(recorderDeps)(delivery(started('bot:c-stalled', monday)));
    const due = monday + 5 * 60_000;
    const counted: RunningClock[] = [];
    // Replica A claims the step and stalls before its publish returns.
    let reached!: () => void;
    let release!: () => void;
    const claimedByA = new Promise<void>((resolve) => (reached = resolve));
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const stallingPublisher = {
      publish: async (...args: Parameters<Publisher['publish']>) => {
        reached();
        await stalled;
        return publisher.publish(...args);
      },
    } as unknown as Publisher;
    const sweepA = sweepDeadlines({
      clocks: replicaA,
      publisher: stallingPublisher,
      logger: quiet,
      now: () => due,
      breached: (c) => counted.push(c),
    });
    await claimedByA;
    // After A's lease (30 s), B takes the step over, publishes it and moves the clock on.
    const before = await statusCount();
    const sweepB = (nowMs: number) =>
      sweepDeadlines({
        clocks: replicaB,
        publisher,
        logger: quiet,
        now: () => nowMs,
        breached: (c) => counted.push(c),
      });
    expect(await sweepB(due + 29_000)).toBe(0);
    expect(await sweepB(due + 31_000)).toBe(1);
    expect(counted.map((c) => c.conversationId)).toEqual(['bot:c-stalled']);
    // A comes back: its publish goes out (the same event id, dropped downstream), but its move loses: not counted.
    release();
    expect(await sweepA).toBe(1);
    expect(await statusCount()).toBe(before + 2);
    expect(counted).toHaveLength(1);
  });

  it('stops the clock on Reviewed, publishes the stop, and never breaches after it', async () => {
    const monday = Date.parse('2026-06-15T08:00:00Z');
    await slaClassifiedRecorder(recorderDeps)(delivery(started('bot:c-reviewed', monday)));
    const before = await statusCount();
    const reviewed = create(StatusEventSchema, {
      eventId: 'bot:reviewed-1',
      conversationId: 'bot:c-reviewed',
      change: StatusChange.REVIEWED,
      at: timestampFromMs(monday + 60_000),
    });
    await slaStatusRecorder(recorderDeps)(delivery(reviewed));
    expect(await statusCount()).toBe(before + 1); // SLA_DEADLINE without a deadline
    // Redelivered: the same stop again (same id, dropped downstream), nothing else.
    await slaStatusRecorder(recorderDeps)(delivery(reviewed));
    expect(await statusCount()).toBe(before + 2);
    expect(await sweep(replicaA, monday + 86_400_000)).toBe(0);
    expect((await replicaA.queue()).map((q) => q.conversationId)).not.toContain('bot:c-reviewed');
  });
});
