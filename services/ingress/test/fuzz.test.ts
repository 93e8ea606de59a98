// Property-based fuzzing of ingress with fast-check: thousands of malformed and hostile payloads against a
// real ingress on the real broker. Every reply is a 202 or a 4xx with a message — never a 5xx, never a
// crash — and the topic holds exactly the events that 202 replies accepted: nothing from a rejected request.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics, parseApiKeys } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { connectRedis, createKeys, createRedis } from '@switchboard/store';
import { EventAcceptor } from '../src/accept';
import { registerIngressRoutes } from '../src/routes';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'fuzz', level: 'silent' });
const KEY = 'fuzz-key-0123456789abcdef';

const validEvent = fc.record(
  {
    conversation_id: fc.string({ minLength: 1, maxLength: 40 }),
    event_id: fc.uuid(),
    text: fc.string({ maxLength: 200, unit: 'grapheme' }),
    user: fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }), name: fc.string({ maxLength: 20 }) }),
    team: fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }) }),
    direction: fc.constantFrom('user', 'bot'),
  },
  { requiredKeys: ['conversation_id'] },
);

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, true, -1, 1e308, '', '\u0000', '<script>alert(1)</script>', '<!channel>', 'x'.repeat(50000)),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'), fc.jsonValue({ maxDepth: 2 })),
);

/** A valid event with one field replaced by something hostile, or an unknown field added. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    fc.constantFrom(
      'conversation_id',
      'event_id',
      'text',
      'user',
      'team',
      'direction',
      'timestamp',
      'metadata',
      'attachments',
      'bogus',
    ),
    hostileValue,
  )
  .map(([event, field, value]) => ({ ...event, [field]: value }));

const body = fc.oneof(
  { arbitrary: validEvent.map((e) => JSON.stringify(e)), weight: 2 },
  { arbitrary: mutatedEvent.map((e) => JSON.stringify(e)), weight: 4 },
  {
    arbitrary: fc
      .array(fc.oneof(validEvent, mutatedEvent), { maxLength: 5 })
      .map((events) => JSON.stringify({ events })),
    weight: 2,
  },
  { arbitrary: hostileValue.map((v) => JSON.stringify(v)), weight: 2 },
  { arbitrary: fc.string({ maxLength: 300 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '{',
      '{"events":',
      '{"conversation_id":"c","text":"\\ud800"}',
      '[]',
      'null',
      '{"a":1,"a":2}',
      '\ufeff{}',
    ),
    weight: 1,
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/JSON',
);
const auth = fc.constantFrom(
  `Bearer ${KEY}`,
  `Bearer ${KEY}`,
  `Bearer ${KEY}`,
  '',
  'Bearer ',
  'Basic Zm9vOmJhcg==',
  `bearer ${KEY}x`,
);

describe('ingress under fuzzing (real Kafka and Redis)', () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`fuzz-${id}.`);
  const kafka = createKafka({ client: testKafkaClient, brokers, clientId: 'fuzz', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let app: FastifyInstance;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(kafka, names, { partitions: 3, replicationFactor: 1 });
    await publisher.connect();
    app = createHttpServer({
      logger: quiet,
      metrics: createMetrics('fuzz'),
      readiness: () => ({}),
      bodyLimit: 32 * 1024,
    });
    registerIngressRoutes(app, {
      acceptor: new EventAcceptor(publisher, redis, createKeys(`fuzz-${id}:`), quiet),
      apiKeys: parseApiKeys([`fuzz:${KEY}`]),
      metrics: createMetrics('fuzz-routes'),
      logger: quiet,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await publisher.disconnect();
    redis.disconnect();
  });

  it('answers every payload with 202 or a 4xx that says what is wrong, and persists only accepted events', async () => {
    let accepted = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        auth,
        fc.constantFrom('/v1/events', '/track?type=incoming&apiKey=' + KEY, '/track?type=outgoing'),
        async (payload, type, authorization, url) => {
          const headers: Record<string, string> = { authorization };
          if (type) headers['content-type'] = type;
          const res = await app.inject({ method: 'POST', url, headers, payload });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          expect([202, 400, 401, 404, 413, 415]).toContain(res.statusCode);
          const reply = res.json();
          if (res.statusCode === 202) {
            accepted += reply.accepted;
          } else {
            expect(typeof reply.message).toBe('string');
            expect(reply.message.length).toBeGreaterThan(5);
          }
        },
      ),
      { numRuns: 2000 },
    );
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(names.name(Topics.raw));
    await admin.disconnect();
    const inKafka = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    expect(inKafka).toBe(accepted);
    // The accepting path is explored too, not only rejections.
    expect(statuses.get(202)).toBeGreaterThan(10);
    expect([...statuses.keys()].some((s) => s >= 500)).toBe(false);
  });
});
