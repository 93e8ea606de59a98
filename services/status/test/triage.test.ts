// The triage metrics end to end: two status replicas (real processes, real Kafka and Redis) consume
// conversations reviewed, answered and closed at known offsets (one review redelivered); together their
// /metrics count each fact once in the right bucket, and both serve the same open-conversations gauge.
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { createLogger } from '@switchboard/core';
import { ClassifiedEventSchema, Direction, EventKind, OperatorMessageSchema, Priority, StatusChange, StatusEventSchema, create, timestampFromMs } from '@switchboard/proto';
import { TestSystem, eventually, type RunningService } from '../../../test/support/services';

jest.setTimeout(180000);
const quiet = createLogger({ service: 'triage-test', level: 'silent' });
const T0 = Date.now() - 3600_000;

/** Sums a sample over every scrape given (one per replica). */
function sample(scrapes: string[], name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const text of scrapes) {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const body = line.slice(name.length + 1, line.lastIndexOf('}'));
      const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('triage metrics', () => {
  let system: TestSystem;
  let publisher: Publisher;
  let first: RunningService | undefined;

  beforeAll(async () => {
    system = new TestSystem({ LOG_LEVEL: 'warn', INGRESS_API_KEYS: 'triage:triage-key-0123456789' });
    publisher = new Publisher(createKafka({ brokers: system.env.KAFKA_BROKERS.split(','), clientId: 'triage-test', logger: quiet }), new TopicNames(system.env.KAFKA_TOPIC_PREFIX));
    await publisher.connect();
  });
  afterAll(async () => {
    if (first && first.process.exitCode === null) {
      const exited = new Promise((resolve) => first!.process.once('exit', resolve));
      first.process.kill('SIGTERM');
      await exited;
    }
    await system?.stopAll();
    await publisher?.disconnect();
  });

  const message = (conversationId: string, offsetS: number, priority: Priority) =>
    create(ClassifiedEventSchema, {
      message: { eventId: `${conversationId}-m${offsetS}`, conversationId, text: 'help', platform: 'web', user: { id: `u-${conversationId}`, name: 'Ann' }, team: { id: 't1', name: 'Acme' }, direction: Direction.USER, sentAt: timestampFromMs(T0 + offsetS * 1000) },
      kind: EventKind.MESSAGE,
      priority,
    });
  const status = (conversationId: string, offsetS: number, change: StatusChange, eventId = `${conversationId}-s${offsetS}`) =>
    create(StatusEventSchema, { eventId, conversationId, change, actor: { name: 'Olga', source: 'console' }, at: timestampFromMs(T0 + offsetS * 1000) });

  it('counts each fact once across replicas, in the bucket of its offset, and serves the open gauge from Redis', async () => {
    // Two replicas in one consumer group, as with replicas: 2 in the chart (the system keeps the second; the first is ours to stop).
    first = await system.start('status');
    const second = await system.start('status');
    const replicas = [first.port, second.port];

    const c = (n: number) => `triage-${system.id}-${n}`;
    await publisher.publish(Topics.classified, [
      { key: c(1), value: message(c(1), 0, Priority.HIGH) },
      { key: c(2), value: message(c(2), 0, Priority.HIGH) },
      { key: c(3), value: message(c(3), 0, Priority.HIGH) },
      { key: c(4), value: message(c(4), 0, Priority.URGENT) },
      { key: c(5), value: message(c(5), 0, Priority.NORMAL) },
      { key: c(6), value: message(c(6), 0, Priority.LOW) },
      { key: c(1), value: message(c(1), 5, Priority.HIGH) },
    ]);
    await publisher.publish(Topics.status, [
      { key: c(1), value: status(c(1), 20, StatusChange.REVIEWED, 'review-1') },
      { key: c(1), value: status(c(1), 20, StatusChange.REVIEWED, 'review-1') }, // redelivered
      { key: c(2), value: status(c(2), 45, StatusChange.REVIEWED) },
      { key: c(3), value: status(c(3), 90, StatusChange.REVIEWED) },
      { key: c(4), value: status(c(4), 600, StatusChange.REVIEWED) },
      { key: c(6), value: status(c(6), 30, StatusChange.SPAM) },
      { key: c(2), value: status(c(2), 300, StatusChange.CLOSED) },
    ]);
    await publisher.publish(Topics.outbound, [
      { key: c(1), value: create(OperatorMessageSchema, { eventId: `${c(1)}-o`, conversationId: c(1), operator: { name: 'Olga' }, text: 'hello', sentAt: timestampFromMs(T0 + 100_000) }) },
    ]);

    const scrape = async () => Promise.all(replicas.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    const review = (scrapes: string[], priority: string, le: string) => sample(scrapes, 'switchboard_time_to_review_seconds_bucket', { priority, le });
    const scrapes = await eventually(scrape, (s) => review(s, 'high', '+Inf') === 3 && review(s, 'urgent', '+Inf') === 1 && sample(s, 'switchboard_time_to_close_seconds_count', { priority: 'high' }) === 1 && sample(s, 'switchboard_time_to_first_human_reply_seconds_count', { priority: 'high' }) === 1, 60000, 'the facts on /metrics');
    expect([15, 30, 60, 120, 600].map((le) => review(scrapes, 'high', String(le)))).toEqual([0, 1, 2, 3, 3]);
    expect([300, 600].map((le) => review(scrapes, 'urgent', String(le)))).toEqual([0, 1]);
    expect(sample(scrapes, 'switchboard_time_to_review_seconds_sum', { priority: 'high' })).toBe(20 + 45 + 90);
    expect(sample(scrapes, 'switchboard_time_to_first_human_reply_seconds_sum', { priority: 'high' })).toBe(100);
    expect(sample(scrapes, 'switchboard_time_to_close_seconds_sum', { priority: 'high' })).toBe(300);
    // Label sets nothing was observed for are served at 0 from start-up.
    for (const name of ['switchboard_time_to_review_seconds_count', 'switchboard_time_to_first_human_reply_seconds_count', 'switchboard_time_to_close_seconds_count']) {
      expect(scrapes[0]).toMatch(new RegExp(`^${name}\\{[^}]*priority="low"[^}]*\\} 0$`, 'm'));
    }
    // Every replica serves the same gauge, read from Redis: c1 and c3 reviewed (c2 closed), c4 reviewed, c5 waiting, c6 spam.
    for (const text of scrapes) {
      const open = (state: string, priority: string) => sample([text], 'switchboard_open_conversations', { state, priority });
      expect({ reviewedHigh: open('reviewed', 'high'), reviewedUrgent: open('reviewed', 'urgent'), unreviewedNormal: open('unreviewed', 'normal'), unreviewedLow: open('unreviewed', 'low'), takenOver: open('taken_over', 'high') }).toEqual({
        reviewedHigh: 2,
        reviewedUrgent: 1,
        unreviewedNormal: 1,
        unreviewedLow: 0,
        takenOver: 0,
      });
    }
  });
});
