// Against a real Redis and a real HTTP receiver: an escalation level's webhook is POSTed signed (checked as
// the example bot checks the bot webhook), once per breach event; a 5xx is retried, a 4xx or an unsigned
// level goes to the DLQ (never dropped); events that are not webhook breaches are left alone.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { create, StatusChange, StatusEventSchema, timestampFromMs, type StatusEvent } from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { createLogger, createMetrics } from '@switchboard/core';
import { DoneMarks, connectRedis, createRedis } from '@switchboard/store';
import { slaWebhookHandler } from '../../src/sla/sla-webhook';
import { statusKeys } from '../../src/status-keys';
import { verifySignature } from '../../../../examples/bot/src/bot';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-sla-hook-${randomUUID().slice(0, 8)}:`);
const SECRET = 'sla-webhook-test-secret';

const breach = (id: string, url: string, level = 3): StatusEvent =>
  create(StatusEventSchema, {
    eventId: `sla:bot-a:${id}:review:1:breach:${level}:0`,
    conversationId: `bot-a:${id}`,
    change: StatusChange.SLA_BREACHED,
    at: timestampFromMs(Date.now()),
    sla: { clock: 'review', cycle: 1, level, policy: 'urgent', priority: 'urgent', webhook: url },
  });
const delivery = (event: StatusEvent) => ({ event, log: quiet }) as unknown as Delivery<typeof StatusEventSchema>;

describe('the SLA escalation webhook', () => {
  let server: Server;
  let url: string;
  const answers: number[] = [];
  const seen: { body: Record<string, unknown>; signatureProblem: string | null }[] = [];
  const options = (secret?: string) => ({
    secret,
    maxAttempts: 3,
    timeoutMs: 2000,
    done: new DoneMarks(redis, keys, 'status-sla-webhook'),
    redis,
    attemptsKey: (eventId: string) => keys.key('status', 'sla-webhook-attempts', eventId),
    metrics: createMetrics('status'),
    consoleBaseUrl: 'http://console.test/',
  });

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        seen.push({
          body: JSON.parse(raw) as Record<string, unknown>,
          signatureProblem: verifySignature(
            SECRET,
            String(request.headers['x-switchboard-timestamp']),
            String(request.headers['x-switchboard-signature']),
            raw,
          ),
        });
        response.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    url = `http://127.0.0.1:${port}/hook`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await redis.quit();
  });

  it('posts the breach signed, in the bot’s own ids, once however often the event comes', async () => {
    const handle = slaWebhookHandler(options(SECRET));
    const event = breach('c1', url);
    await handle(delivery(event));
    await handle(delivery(event));
    expect(seen).toHaveLength(1);
    expect(seen[0].signatureProblem).toBeNull();
    expect(seen[0].body).toMatchObject({
      type: 'sla_breached',
      eventId: event.eventId,
      botId: 'bot-a',
      conversationId: 'c1',
      clock: 'review',
      level: 3,
      console: 'http://console.test/console/conversations/bot-a%3Ac1',
    });
  });

  it('retries a 5xx and gives a 4xx to the DLQ', async () => {
    const handle = slaWebhookHandler(options(SECRET));
    answers.push(503);
    await expect(handle(delivery(breach('c2', url)))).rejects.toBeInstanceOf(UnavailableError);
    await handle(delivery(breach('c2', url)));
    answers.push(404);
    await expect(handle(delivery(breach('c3', url)))).rejects.toBeInstanceOf(PermanentError);
  });

  it('sends a level it cannot sign to the DLQ, and leaves other events alone', async () => {
    const before = seen.length;
    await expect(slaWebhookHandler(options(undefined))(delivery(breach('c4', url)))).rejects.toThrow(
      /neither SLA_WEBHOOK_SECRET nor BOT_WEBHOOK_SECRET/,
    );
    await slaWebhookHandler(options(SECRET))(delivery(breach('c5', '')));
    const deadline = create(StatusEventSchema, {
      eventId: 'sla:x:deadline',
      conversationId: 'bot-a:c6',
      change: StatusChange.SLA_DEADLINE,
      sla: { clock: 'review', webhook: url },
    });
    await slaWebhookHandler(options(SECRET))(delivery(deadline));
    expect(seen.length).toBe(before);
  });
});
