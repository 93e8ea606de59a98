// Against a real Redis: the takeover's idle deadline, and the bot webhook's retries, give-up and replay.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { create, OperatorMessageSchema, timestampNow } from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { createLogger, createMetrics } from '@switchboard/core';
import { DoneMarks, connectRedis, createKeys, createRedis } from '@switchboard/store';
import { TakeoverStore } from '../src/takeover';
import { LiveHub } from '../src/live';
import { DeliveryLog } from '../src/delivery-log';
import { botWebhookHandler } from '../src/bot-webhook';
import { verifySignature } from '../../../examples/bot/src/bot';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = createKeys(`t-status-${randomUUID().slice(0, 8)}:`);

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

describe('TakeoverStore', () => {
  const takeovers = new TakeoverStore(redis, keys, 60000, 3600);

  it('holds a conversation until its idle deadline, which each operator message pushes on', async () => {
    await takeovers.take('c1', 'Olivia', 1_000_000);
    expect(await takeovers.state('c1')).toMatchObject({ control: 'human', operator: 'Olivia' });
    expect(await redis.get(keys.control('c1'))).toBe('human'); // what ingress reads

    expect(await takeovers.due(1_000_000 + 59_000)).toEqual([]);
    await takeovers.touch('c1', 1_000_000 + 30_000);
    expect(await takeovers.due(1_000_000 + 61_000)).toEqual([]);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 61_000)).toBe(false);

    expect(await takeovers.due(1_000_000 + 91_000)).toEqual(['c1']);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 91_000)).toBe(true);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 91_000)).toBe(false); // another replica: nothing left
    expect(await takeovers.state('c1')).toEqual({ control: 'bot' });
  });

  it('does not start a takeover by touching', async () => {
    await takeovers.touch('c2');
    expect(await takeovers.due(Date.now() + 3_600_000)).not.toContain('c2');
    expect(await redis.exists(keys.takeover('c2'))).toBe(0);
  });
});

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
        seen.push({ status, body, signatureProblem: verifySignature(SECRET, String(request.headers['x-switchboard-timestamp']), String(request.headers['x-switchboard-signature']), body) });
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
    const handler = botWebhookHandler({ url, secret: SECRET, maxAttempts: 3, timeoutMs: 2000, deliveries, done: new DoneMarks(redis, keys, `hook-${randomUUID()}`), metrics: createMetrics('test') });
    const message = create(OperatorMessageSchema, { eventId: randomUUID(), conversationId: `bot-a:c-${randomUUID()}`, botId: 'bot-a', text: 'hello', sentAt: timestampNow(), operator: { name: 'Olivia' } });
    const delivery = { event: message, log: quiet } as unknown as Delivery<typeof OperatorMessageSchema>;
    return { handler, deliveries, message, delivery };
  }

  it('retries a 5xx, honours Retry-After on 429, and records the delivery once it succeeds', async () => {
    const { handler, deliveries, message, delivery } = setup();
    answers.push(503, 429);
    await expect(handler(delivery)).rejects.toBeInstanceOf(UnavailableError);
    expect(await deliveries.get(message.conversationId, message.eventId)).toMatchObject({ state: 'retrying', attempts: 1, error: 'HTTP 503' });
    const limited = await handler(delivery).catch((err: UnavailableError) => err);
    expect((limited as UnavailableError).retryAfterMs).toBe(7000);
    await handler(delivery);
    expect(await deliveries.get(message.conversationId, message.eventId)).toMatchObject({ state: 'delivered', attempts: 3 });
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
    expect(await refused.deliveries.get(refused.message.conversationId, refused.message.eventId)).toMatchObject({ state: 'failed', attempts: 1, error: 'HTTP 400' });

    const down = setup();
    answers.push(500, 500, 500);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(UnavailableError);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(UnavailableError);
    await expect(down.handler(down.delivery)).rejects.toBeInstanceOf(PermanentError);
    expect(await down.deliveries.get(down.message.conversationId, down.message.eventId)).toMatchObject({ state: 'failed', attempts: 3 });
    // `switchboard dlq replay` puts it back on bot.outbound: a fresh round of attempts.
    await down.handler(down.delivery);
    expect(await down.deliveries.get(down.message.conversationId, down.message.eventId)).toMatchObject({ state: 'delivered', attempts: 1 });
  });
});
