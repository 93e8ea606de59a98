// Ingress across a Kafka outage, on a broker of the test's own: what waits for Kafka's acknowledgement is
// bounded (events and bytes), so 1 MiB batches posted while the broker is down all get 503 and memory stays
// flat; /readyz's leader check says not ready; once the broker is back, retries of every batch leave each
// event exactly once on the topic.
import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics, parseApiKeys } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { connectRedis, createKeys, createRedis } from '@switchboard/store';
import { EventAcceptor } from '../../services/ingress/src/accept';
import { PartitionLeaders } from '../../services/ingress/src/partition-leaders';
import { registerIngressRoutes } from '../../services/ingress/src/routes';
import { OwnKafka } from '../support/infra';
import { eventually } from '../support/services';
import { testKafkaClient } from '../support/kafka-client';

jest.setTimeout(5 * 60 * 1000);

const KEY = 'outage-bot-key-0123456789';
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_EVENTS = 2000;
const BATCHES = 30;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe('ingress while Kafka is down', () => {
  let kafka: OwnKafka;
  const quiet = createLogger({ service: 'ingress-outage', level: 'silent' });
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`io-${id}.`);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let app: FastifyInstance;
  let publisher: Publisher;
  let leaders: PartitionLeaders;
  let client: ReturnType<typeof createKafka>;

  beforeAll(async () => {
    kafka = await OwnKafka.startOnFreePorts();
    client = createKafka({
      client: testKafkaClient,
      brokers: [kafka.brokers],
      clientId: 'ingress-outage',
      logger: quiet,
    });
    await ensureTopics(client, names, { partitions: 3, replicationFactor: 1 });
    await connectRedis(redis, quiet);
    publisher = new Publisher(client, names);
    await publisher.connect();
    leaders = new PartitionLeaders(client, names.name(Topics.raw), 1000, 1000);
    const metrics = createMetrics('ingress-outage');
    app = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 2 * 1024 * 1024 });
    registerIngressRoutes(app, {
      // A publish timeout as in production (10 s): a first send to a broker that just started can take more than
      // a second on a busy machine, and the refusals under test come from the backlog bound, not from the timeout.
      acceptor: new EventAcceptor(publisher, redis, createKeys(`io-${id}:`), quiet, 10000, {
        maxEvents: MAX_EVENTS,
        maxBytes: MAX_BYTES,
      }),
      apiKeys: parseApiKeys([`outage-bot:${KEY}`]),
      metrics,
      logger: quiet,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await leaders?.stop();
    await publisher?.disconnect().catch(() => undefined);
    redis.disconnect();
    kafka?.remove();
  });

  /** A batch of 500 events of ~2 KB each: about 1 MiB of JSON. */
  const batch = (n: number) => ({
    events: Array.from({ length: 500 }, (_, i) => ({
      event_id: `io-${id}-${n}-${i}`,
      conversation_id: `c-${n % 7}`,
      text: `${n}/${i} ${'x'.repeat(2000)}`,
    })),
  });
  const post = (body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      payload: JSON.stringify(body),
    });

  it('answers 503 with bounded memory while the broker is down, and keeps each event once after it returns', async () => {
    expect(await leaders.check()).toBe(true);
    const before = await post(batch(0));
    expect(before.statusCode).toBe(202);

    kafka.stop();
    expect(await leaders.check()).toBe(false);

    const statuses: number[] = [];
    let mostPending = { messages: 0, bytes: 0 };
    let heapAfterFirst = 0;
    for (let n = 1; n <= BATCHES; n += 1) {
      const res = await post(batch(n));
      statuses.push(res.statusCode);
      const pending = publisher.pending();
      mostPending = {
        messages: Math.max(mostPending.messages, pending.messages),
        bytes: Math.max(mostPending.bytes, pending.bytes),
      };
      if (n === 5) heapAfterFirst = heapAfterGc();
    }
    const heapAfterAll = heapAfterGc();

    expect(statuses).toEqual(Array.from({ length: BATCHES }, () => 503));
    // The bound holds: at most the limit plus the one request that crossed it waits for Kafka.
    expect(mostPending.bytes).toBeLessThanOrEqual(MAX_BYTES + 1.2 * 1024 * 1024);
    expect(mostPending.messages).toBeLessThanOrEqual(MAX_EVENTS + 500);
    // 25 more 1 MiB batches refused without holding on to them: the heap does not grow with them.
    expect(heapAfterAll - heapAfterFirst).toBeLessThan(8 * 1024 * 1024);

    kafka.start();
    await eventually(
      () => leaders.check(),
      (ok) => ok,
      120000,
      'partition leaders after the restart',
    );
    await eventually(
      async () => publisher.pending().messages,
      (n) => n === 0,
      120000,
      'the waiting publishes to be acknowledged',
    );

    // The bot retries every batch it got a 503 for; what was published meanwhile is a duplicate now.
    let duplicates = 0;
    for (let n = 1; n <= BATCHES; n += 1) {
      const res = await post(batch(n));
      expect(res.statusCode).toBe(202);
      duplicates += (res.json() as { duplicates: number }).duplicates;
    }
    expect(duplicates).toBeGreaterThan(0);

    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(names.name(Topics.raw));
    await admin.disconnect();
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe((BATCHES + 1) * 500);
  });
});
