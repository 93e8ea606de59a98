// Against a real Redis and real HTTP servers: the bot webhook's retries, give-up and replay, and what it
// refuses to do for a hostile or broken endpoint (follow a redirect, wait as long as it is told).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { create, OperatorMessageSchema, timestampNow } from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { createLogger, createMetrics } from '@switchboard/core';
import { DoneMarks, connectRedis, createRedis } from '@switchboard/store';
import { botWebhookHandler } from '../../src/bot/bot-webhook';
import { DeliveryLog } from '../../src/conversation/delivery-log';
import { LiveHub } from '../../src/conversation/live';
import { statusKeys } from '../../src/status-keys';
import { verifySignature } from '../../../../examples/bot/src/bot';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-status-${randomUUID().slice(0, 8)}:`);

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

describe('the bot webhook', () => {
  let server: Server;
  let url: string;
  const answers: number[] = [];
  const seen: { status: number; signatureProblem: string | null; body: string }[] = [];
  const SECRET = 'webhook-test-secret-0123';

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const status = answers.shift() ?? 200;
        seen.push({
          status,
          body,
          signatureProblem: verifySignature(
            SECRET,
            String(request.headers['x-switchboard-timestamp']),
            String(request.headers['x-switchboard-signature']),
            body,
          ),
        });
        response.writeHead(status, status === 429 ? { 'retry-after': '7' } : {}).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function setup() {
    const live = new LiveHub(redis, keys, quiet);
    const deliveries = new DeliveryLog(redis, keys, live, 3600);
    const handler = botWebhookHandler({
      url,
      secret: SECRET,
      maxAttempts: 3,
      timeoutMs: 2000,
      deliveries,
      done: new DoneMarks(redis, keys, `hook-${randomUUID()}`),
      metrics: createMetrics('test'),
    });
    const message = create(OperatorMessageSchema, {
      eventId: randomUUID(),
      conversationId: `bot-a:c-${randomUUID()}`,
      botId: 'bot-a',
      text: 'hello',
      sentAt: timestampNow(),
      operator: { name: 'Olivia' },
    });
    const delivery = { event: message, log: quiet } as unknown as Delivery<typeof OperatorMessageSchema>;
    return { handler, deliveries, message, delivery };
  }

  it('retries a 5xx, honours Retry-After on 429, and records the delivery once it succeeds', async () => {
    const { handler, deliveries, message, delivery } = setup();
    answers.push(503, 429);
    await expect(handler(delivery)).rejects.toBeInstanceOf(UnavailableError);
    expect(await deliveries.get(message.conversationId, message.eventId)).toMatchObject({
      state: 'retrying',
      attempts: 1,
      error: 'HTTP 503',
    });
    const limited = await handler(delivery).catch((err: UnavailableError) => err);
    expect((limited as UnavailableError).retryAfterMs).toBe(7000);
    await handler(delivery);
    expect(await deliveries.get(message.conversationId, message.eventId)).toMatchObject({
      state: 'delivered',
      attempts: 3,
    });
    await handler(delivery); // redelivered by Kafka: not sent again
    expect(seen.slice(-3).map((s) => s.status)).toEqual([503, 429, 200]);
    expect(seen.slice(-3).every((s) => s.signatureProblem === null)).toBe(true);
    // The bot gets its own conversation id (without Switchboard's bot scope) and which bot it is for.
    expect(JSON.parse(seen[seen.length - 1].body)).toMatchObject({
      type: 'operator_message',
      eventId: message.eventId,
      botId: 'bot-a',
      conversationId: message.conversationId.slice('bot-a:'.length),
      text: 'hello',
      operator: { name: 'Olivia' },
    });
  });

  it('gives up on a 4xx at once, and after the last attempt otherwise; a replay starts counting again', async () => {
    const refused = setup();
    answers.push(400);
    await expect(refused.handler(refused.delivery)).rejects.toBeInstanceOf(PermanentError);
    expect(await refused.deliveries.get(refused.message.conversationId, refused.message.eventId)).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: 'HTTP 400',
    });

    const down = setup();
    answers.push(500, 500, 500);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(UnavailableError);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(UnavailableError);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(PermanentError);
    expect(await down.deliveries.get(down.message.conversationId, down.message.eventId)).toMatchObject({
      state: 'failed',
      attempts: 3,
    });
    // `switchboard dlq replay` puts it back on bot.outbound: a fresh round of attempts.
    await down.handler(down.delivery);
    expect(await down.deliveries.get(down.message.conversationId, down.message.eventId)).toMatchObject({
      state: 'delivered',
      attempts: 1,
    });
  });
});

describe('the bot webhook against a hostile or broken endpoint', () => {
  let hook: Server;
  let elsewhere: Server;
  let hookUrl: string;
  const reachedElsewhere: string[] = [];
  const replies: { status: number; headers: Record<string, string> }[] = [];
  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };

  beforeAll(async () => {
    elsewhere = createServer((request, response) => {
      request.resume();
      reachedElsewhere.push(`${request.method} ${request.url}`);
      response.writeHead(200).end();
    });
    const elsewhereUrl = await listen(elsewhere);
    hook = createServer((request, response) => {
      request.resume();
      const next = replies.shift() ?? { status: 200, headers: {} };
      const headers = next.status === 307 ? { location: `${elsewhereUrl}/stolen` } : next.headers;
      response.writeHead(next.status, headers).end();
    });
    hookUrl = `${await listen(hook)}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => hook.close(() => r()));
    await new Promise<void>((r) => elsewhere.close(() => r()));
  });

  function handlerFor() {
    const deliveries = new DeliveryLog(redis, keys, new LiveHub(redis, keys, quiet), 3600);
    const handler = botWebhookHandler({
      url: hookUrl,
      secret: 'webhook-test-secret-0123',
      maxAttempts: 3,
      timeoutMs: 2000,
      deliveries,
      done: new DoneMarks(redis, keys, `hook-${randomUUID()}`),
      metrics: createMetrics('test'),
    });
    const message = create(OperatorMessageSchema, {
      eventId: randomUUID(),
      conversationId: `c-${randomUUID()}`,
      text: 'signed secret text',
      sentAt: timestampNow(),
    });
    return {
      handler,
      deliveries,
      message,
      delivery: { event: message, log: quiet } as unknown as Delivery<typeof OperatorMessageSchema>,
    };
  }

  it('never follows a redirect with the signed body: a 3xx fails the delivery', async () => {
    const { handler, deliveries, message, delivery } = handlerFor();
    replies.push({ status: 307, headers: {} });
    await expect(handler(delivery)).rejects.toBeInstanceOf(PermanentError);
    expect(reachedElsewhere).toEqual([]);
    expect(await deliveries.get(message.conversationId, message.eventId)).toMatchObject({
      state: 'failed',
      attempts: 1,
    });
  });

  it('caps a Retry-After at five minutes however long the bot asks for', async () => {
    const { handler, delivery } = handlerFor();
    replies.push(
      { status: 429, headers: { 'retry-after': String(365 * 24 * 3600) } },
      { status: 503, headers: { 'retry-after': '30' } },
    );
    const capped = (await handler(delivery).catch((err: unknown) => err)) as UnavailableError;
    expect(capped).toBeInstanceOf(UnavailableError);
    expect(capped.retryAfterMs).toBe(5 * 60 * 1000);
    const honoured = (await handler(delivery).catch((err: unknown) => err)) as UnavailableError;
    expect(honoured.retryAfterMs).toBe(30000);
  });
});
