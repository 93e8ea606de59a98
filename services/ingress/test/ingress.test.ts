// A real ingress (routes, validation, acceptor) on the real broker and Redis: every bad-input class gets
// its 4xx and nothing reaches Kafka; duplicates yield one downstream event; /track and /v1/events give the
// same event; the rate budget counts events; Kafka unavailable or a full publish backlog gives 503, never 2xx.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics, parseApiKeys, scopeId } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, decode, ensureTopics } from '@switchboard/bus';
import { connectRedis, createKeys, createRedis, RateBudget } from '@switchboard/store';
import { Direction, MessageEventSchema, type MessageEvent } from '@switchboard/proto';
import { EventAcceptor } from '../src/accept';
import { registerIngressRoutes } from '../src/routes';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'ingress-test', level: 'silent' });
const KEY = 'ingress-test-key-0123456789';
const SLOW_KEY = 'slow-bot-key-0123456789ab';

describe('ingress (real Kafka and Redis)', () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`ing-${id}.`);
  const keys = createKeys(`ing-${id}:`);
  const kafka = createKafka({ client: testKafkaClient, brokers, clientId: 'ingress-test', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const seen: MessageEvent[] = [];
  const consumer = kafka.consumer({ groupId: `ing-reader-${id}` });
  let app: FastifyInstance;

  function build(pub: Publisher, rateBudget?: RateBudget, rateBurst?: number): FastifyInstance {
    const metrics = createMetrics('ingress-test');
    const server = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 64 * 1024 });
    registerIngressRoutes(server, {
      acceptor: new EventAcceptor(pub, redis, keys, quiet, 2000),
      apiKeys: parseApiKeys([`test-bot:${KEY}`, `slow-bot:${SLOW_KEY}`]),
      rateBudget,
      rateBurst,
      metrics,
      logger: quiet,
    });
    return server;
  }

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(kafka, names, { partitions: 3, replicationFactor: 1 });
    await publisher.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: names.name(Topics.raw), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void seen.push(decode(MessageEventSchema, message.value)),
    });
    app = build(publisher);
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await consumer.disconnect();
    await publisher.disconnect();
    redis.disconnect();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/events') =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const event = (over: Record<string, unknown> = {}) => ({
    conversation_id: `c-${randomUUID()}`,
    user: { id: 'u1', name: 'Ann' },
    team: { id: 't1', name: 'Acme' },
    text: 'hi',
    ...over,
  });
  /** What reached conv.raw for test-bot's conversation of that id (ingress scopes it: test-bot:<id>). */
  const downstream = async (conversationId: string, count: number) => {
    const scoped = scopeId('test-bot', conversationId);
    const until = Date.now() + 20000;
    while (seen.filter((e) => e.conversationId === scoped).length < count && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    return seen.filter((e) => e.conversationId === scoped);
  };

  it.each([
    ['malformed JSON', '{"conversation_id": "c1",', {}, 400, 'not valid JSON'],
    ['an empty body', '', {}, 400, 'empty'],
    ['a JSON array', '[1,2]', {}, 400, 'must be a JSON object'],
    ['a missing field', { text: 'hi' }, {}, 400, 'conversation_id is required'],
    ['a wrong type', { conversation_id: ['x'] }, {}, 400, 'conversation_id must be string'],
    ['an unknown field', { conversation_id: 'c', foo: 1 }, {}, 400, 'unknown field "foo"'],
    ['a bad timestamp', { conversation_id: 'c', timestamp: 'noon' }, {}, 400, 'timestamp must match format'],
    [
      'an over-size batch',
      { events: Array.from({ length: 501 }, () => ({ conversation_id: 'c' })) },
      {},
      413,
      'at most 500',
    ],
    ['an over-size body', { conversation_id: 'c', text: 'x'.repeat(70 * 1024) }, {}, 413, 'larger than the limit'],
    [
      'an unknown content type',
      'conversation_id=c',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'application/json',
    ],
    ['text/plain', 'hello', { 'content-type': 'text/plain' }, 415, 'application/json'],
    ['no API key', { conversation_id: 'c' }, { authorization: '' }, 401, 'API key'],
    ['a wrong API key', { conversation_id: 'c' }, { authorization: 'Bearer nope-nope-nope-nope' }, 401, 'API key'],
  ])('answers %s with a clear 4xx and publishes nothing', async (_what, payload, headers, status, message) => {
    const before = seen.length;
    const res = await post(payload, headers as Record<string, string>);
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toContain(message);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length).toBe(before);
  });

  it('accepts a batch and publishes each event once, keyed by conversation', async () => {
    const a = event();
    const b = event({ direction: 'bot', text: 'hello' });
    const res = await post({ events: [a, b] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      accepted: 2,
      duplicates: 0,
      control: { [a.conversation_id]: 'bot', [b.conversation_id]: 'bot' },
    });
    expect(Object.keys(res.json().control)).toEqual([a.conversation_id, b.conversation_id]);
    expect((await downstream(a.conversation_id, 1))[0]).toMatchObject({
      text: 'hi',
      direction: Direction.USER,
      botId: 'test-bot',
    });
    expect((await downstream(b.conversation_id, 1))[0].direction).toBe(Direction.BOT);
  });

  it('accepts a repeated event id once: 202 again, one event downstream', async () => {
    const eventId = `k-${randomUUID()}`;
    const e = { ...event(), event_id: eventId };
    const first = await post(e);
    const second = await post(e);
    const inBatch = await post({ events: [e, e] });
    expect([first.statusCode, second.statusCode, inBatch.statusCode]).toEqual([202, 202, 202]);
    expect(first.json().duplicates).toBe(0);
    // The bot gets its own ids back; on Kafka they are in its scope.
    expect(first.json().events).toEqual([
      { event_id: e.event_id, conversation_id: e.conversation_id, duplicate: false },
    ]);
    expect(second.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(inBatch.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const published = await downstream(e.conversation_id, 1);
    expect(published.map((m) => m.eventId)).toEqual([scopeId('test-bot', e.event_id)]);
  });

  it('remembers an accepted id after answering, so another replica answers its retry as a duplicate', async () => {
    const e = { ...event(), event_id: `k-${randomUUID()}` };
    expect((await post(e)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    // The record is written once Kafka acknowledged, beside the answer rather than before it.
    const record = keys.key('ingress', 'accepted', scopeId('test-bot', e.event_id));
    const until = Date.now() + 10000;
    while ((await redis.exists(record)) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const replica = build(publisher);
    await replica.ready();
    const retry = await replica.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      payload: JSON.stringify(e),
    });
    await replica.close();
    expect(retry.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await downstream(e.conversation_id, 1)).length).toBe(1);
  });

  it('turns a Dashbot-style /track call into the same event as /v1/events', async () => {
    const conversationId = `c-${randomUUID()}`;
    const viaTrack = await app.inject({
      method: 'POST',
      url: `/track?platform=slack&v=10.1.1-rest&type=incoming&apiKey=${KEY}`,
      headers: { 'content-type': 'application/json' },
      payload: {
        text: 'refund please',
        userId: 'u1',
        conversationId,
        platformJson: { team_id: 't1', team_name: 'Acme' },
        platformUserJson: { name: 'Ann' },
      },
    });
    const viaEvents = await post({
      conversation_id: conversationId,
      platform: 'slack',
      user: { id: 'u1', name: 'Ann' },
      team: { id: 't1', name: 'Acme' },
      text: 'refund please',
    });
    expect([viaTrack.statusCode, viaEvents.statusCode]).toEqual([202, 202]);
    const [a, b] = await downstream(conversationId, 2);
    const comparable = (e: MessageEvent) => ({
      ...e,
      eventId: '',
      metadata: {},
      sentAt: undefined,
      receivedAt: undefined,
    });
    expect(comparable(a)).toEqual(comparable(b));
    const noKey = await app.inject({
      method: 'POST',
      url: '/track?type=incoming',
      headers: { 'content-type': 'application/json' },
      payload: { userId: 'u' },
    });
    expect(noKey.statusCode).toBe(401);
  });

  it.each([
    ['no reason', {}, 'handoff.reason is required'],
    ['an empty reason', { reason: '' }, 'handoff.reason must NOT have fewer than 1 characters'],
    [
      'an over-long summary',
      { reason: 'r', summary: 'x'.repeat(4001) },
      'handoff.summary must NOT have more than 4000 characters',
    ],
    ['an unknown field', { reason: 'r', priority: 'high' }, 'unknown field "priority"'],
    [
      'metadata that is not strings',
      { reason: 'r', metadata: { order: 1042 } },
      'handoff.metadata.order must be string',
    ],
  ])('answers a handoff with %s with a 400 naming the field', async (_what, payload, message) => {
    const res = await post(payload, {}, `/v1/conversations/c-${randomUUID()}/handoff`);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(message);
  });

  it('makes control "waiting" for a handoff, alone or on an event, and publishes it with the handoff', async () => {
    const alone = `c-${randomUUID()}`;
    const res = await post(
      {
        reason: 'the user asked for an agent',
        summary: 'refund for order 1042',
        team: 'billing',
        metadata: { order: '1042' },
      },
      {},
      `/v1/conversations/${alone}/handoff`,
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, control: 'waiting' });
    const [published] = await downstream(alone, 1);
    expect(published).toMatchObject({
      text: '',
      direction: Direction.BOT,
      handoff: {
        reason: 'the user asked for an agent',
        summary: 'refund for order 1042',
        team: 'billing',
        metadata: { order: '1042' },
      },
    });
    // A later ordinary event says the same: the bot still waits for a person.
    expect((await post(event({ conversation_id: alone }))).json().control).toBe('waiting');

    const onEvent = event({ handoff: { reason: 'three failed intents' } });
    expect((await post(onEvent)).json().control).toBe('waiting');
    expect((await downstream(onEvent.conversation_id as string, 1))[0]).toMatchObject({
      text: 'hi',
      handoff: { reason: 'three failed intents' },
    });
  });

  it('leaves control "human" when an operator already holds the conversation', async () => {
    const conversationId = `c-${randomUUID()}`;
    await redis.set(keys.control(scopeId('test-bot', conversationId)), 'human');
    const res = await post({ reason: 'asked again' }, {}, `/v1/conversations/${conversationId}/handoff`);
    expect(res.json().control).toBe('human');
  });

  it('maps Dashbot universal platformJson.handoff onto the handoff', async () => {
    const conversationId = `c-${randomUUID()}`;
    const res = await app.inject({
      method: 'POST',
      url: `/track?platform=universal&v=10.1.1-rest&type=outgoing&apiKey=${KEY}`,
      headers: { 'content-type': 'application/json' },
      payload: {
        text: 'Let me find a person for you',
        userId: 'u1',
        conversationId,
        platformJson: { handoff: { reason: 'user typed agent', team: 'billing' } },
      },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().control).toBe('waiting');
    expect((await downstream(conversationId, 1))[0].handoff).toMatchObject({
      reason: 'user typed agent',
      team: 'billing',
    });
    const bad = await app.inject({
      method: 'POST',
      url: `/track?platform=universal&type=outgoing&apiKey=${KEY}`,
      headers: { 'content-type': 'application/json' },
      payload: { text: 'x', userId: 'u1', platformJson: { handoff: { summary: 'no reason' } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('handoff.reason is required');
  });

  it('limits each API key by its shared budget with 429 and Retry-After', async () => {
    const limited = build(publisher, new RateBudget(redis, keys, 'ingress', { ratePerSecond: 0.01, burst: 3 }));
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 5; i += 1) {
      const res = await limited.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SLOW_KEY}` },
        payload: event(),
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) retryAfter = String(res.headers['retry-after']);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another key has its own budget.
    const other = await limited.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      payload: event(),
    });
    expect(other.statusCode).toBe(202);
    await limited.close();
  });

  it('counts the rate budget by events, a batch costing at most the burst', async () => {
    const budget = new RateBudget(redis, keys, `ingress-events-${randomUUID()}`, { ratePerSecond: 0.01, burst: 10 });
    const limited = build(publisher, budget, 10);
    const send = (count: number) =>
      limited.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SLOW_KEY}` },
        payload: { events: Array.from({ length: count }, () => event()) },
      });
    // 6 events leave 4 of 10: a batch of 5 is refused although only one request was made before.
    expect((await send(6)).statusCode).toBe(202);
    const refused = await send(5);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await send(4)).statusCode).toBe(202);
    // A batch larger than the burst costs the burst, so it can pass once the budget is full again.
    const big = build(
      publisher,
      new RateBudget(redis, keys, `ingress-big-${randomUUID()}`, { ratePerSecond: 0.01, burst: 10 }),
      10,
    );
    const res = await big.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SLOW_KEY}` },
      payload: { events: Array.from({ length: 50 }, () => event()) },
    });
    expect(res.statusCode).toBe(202);
    await limited.close();
    await big.close();
  });

  it('answers 503 at once, without publishing, while the publish backlog is full, and accepts once it drains', async () => {
    // A topic that does not exist: the broker answers, but no publish is ever acknowledged (kafkajs keeps
    // retrying), as in an outage.
    const missing = new TopicNames(`ing-missing-${id}.`);
    const stuck = new Publisher(kafka, missing);
    await stuck.connect();
    const metrics = createMetrics('ingress-backlog');
    const server = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 64 * 1024 });
    registerIngressRoutes(server, {
      acceptor: new EventAcceptor(stuck, redis, keys, quiet, 500, { maxEvents: 3, maxBytes: 1024 * 1024 }),
      apiKeys: parseApiKeys([`test-bot:${KEY}`]),
      metrics,
      logger: quiet,
    });
    const send = () =>
      server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        payload: { events: [event(), event()] },
      });
    // Two requests fill the backlog (2 + 2 >= 3 events wait): both time out with 503 and stay pending.
    expect([(await send()).statusCode, (await send()).statusCode]).toEqual([503, 503]);
    expect(stuck.pending().messages).toBe(4);
    const full = await send();
    expect(full.statusCode).toBe(503);
    expect(full.json().message).toContain('too many events wait for Kafka');
    expect(full.headers['retry-after']).toBeDefined();
    // Refused before publishing: the backlog did not grow.
    expect(stuck.pending().messages).toBe(4);
    // Once the topic exists the waiting events are acknowledged, the backlog drains and requests pass again.
    await ensureTopics(kafka, missing, { partitions: 1, replicationFactor: 1 });
    const until = Date.now() + 30000;
    while (stuck.pending().messages > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(stuck.pending().messages).toBe(0);
    expect((await send()).statusCode).toBe(202);
    await server.close();
    await stuck.disconnect();
  });

  it('answers 503 with Retry-After, never 2xx, when Kafka does not acknowledge', async () => {
    const deadKafka = createKafka({
      client: testKafkaClient,
      brokers: ['127.0.0.1:1'],
      clientId: 'dead',
      logger: quiet,
    });
    const deadPublisher = new Publisher(deadKafka, names);
    const dead = build(deadPublisher);
    await dead.ready();
    const e = event({ event_id: `k-${randomUUID()}` });
    const res = await dead.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      payload: e,
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    await dead.close();
    await deadPublisher.disconnect();
    // The id was not remembered: the bot's retry, once Kafka is back, is accepted.
    const retry = await post(e);
    expect(retry.json()).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('serves its OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toEqual(['/v1/events', '/v1/conversations/{id}/handoff', '/track']);
  });
});
