// Contract with Dashbot's real Node SDK: a bot that logs with `dashbot` 12.x, pointed at a listening ingress
// (real Kafka and Redis) by its serverRoot option, gets 202 for every platform's incoming and outgoing
// messages with the events on conv.raw, 200 "nothing recorded" for what is not a message, a 400 naming
// what is missing, idempotent retries, and its query-string API key never in a log line.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics, parseApiKeys, scopeId } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, decode, ensureTopics } from '@switchboard/bus';
import { connectRedis, createKeys, createRedis } from '@switchboard/store';
import { Direction, MessageEventSchema, type MessageEvent } from '@switchboard/proto';
import { EventAcceptor } from '../src/accept';
import { registerIngressRoutes } from '../src/routes';
import { dashbotClient, scenarios, slackBot, slackTeam, type Dashbot } from './dashbot/scenarios';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const KEY = `dashbot-contract-${randomUUID()}`;

interface FetchResponse {
  status: number;
  json(): Promise<Record<string, unknown>>;
}

/** The conversations each SDK call must land in, by direction; none for what is not a message. */
const landsIn: Record<string, { conversation: string; direction: Direction; text: string }[]> = {
  'universal incoming': [{ conversation: 'web-conv-1', direction: Direction.USER, text: 'Hi, I need help' }],
  'universal outgoing': [{ conversation: 'web-conv-1', direction: Direction.BOT, text: 'How can I help?' }],
  'slack incoming': [
    { conversation: 'C0SUPPORT', direction: Direction.USER, text: 'I was charged twice, I want a refund' },
  ],
  'slack incoming in a thread': [
    { conversation: 'C0SUPPORT:1764064800.000200', direction: Direction.USER, text: 'still waiting for the refund' },
  ],
  'slack outgoing in the thread': [
    {
      conversation: 'C0SUPPORT:1764064800.000200',
      direction: Direction.BOT,
      text: 'Sorry about that! A person will look at the refund.',
    },
  ],
  'slack botkit receive': [{ conversation: 'D0ANNDM', direction: Direction.USER, text: 'hello bot' }],
  'slack typing': [],
  'slack connect': [],
  'facebook incoming': [
    { conversation: '6543210987654321', direction: Direction.USER, text: 'My order never arrived' },
    { conversation: '6543210987654321', direction: Direction.USER, text: 'Refund' },
    { conversation: '7777000011112222', direction: Direction.USER, text: 'Talk to a human' },
  ],
  'facebook outgoing': [
    {
      conversation: '6543210987654321',
      direction: Direction.BOT,
      text: 'Sorry! Do you want a refund or a replacement?',
    },
  ],
  'facebook echo (type=all)': [{ conversation: '6543210987654321', direction: Direction.BOT, text: 'We are on it.' }],
  'microsoft incoming': [
    { conversation: 'a:1TeamsConversation', direction: Direction.USER, text: 'Where is my invoice?' },
  ],
  'microsoft outgoing': [{ conversation: 'a:1TeamsConversation', direction: Direction.BOT, text: 'Here it is.' }],
  'microsoft typing': [],
  'google incoming': [{ conversation: 'ABwppHG5conv', direction: Direction.USER, text: 'cancel my subscription' }],
  'google outgoing': [{ conversation: 'ABwppHG5conv', direction: Direction.BOT, text: 'Okay, cancelling.' }],
  'alexa incoming': [
    { conversation: 'amzn1.echo-api.session.session', direction: Direction.USER, text: 'FindZipcode (zipcode: 94114)' },
  ],
  'alexa outgoing': [
    {
      conversation: 'amzn1.echo-api.session.session',
      direction: Direction.BOT,
      text: 'The weather in 94114 is sunny.',
    },
  ],
  'custom event': [],
};

describe("Dashbot's Node SDK against /track (real Kafka and Redis)", () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`dbc-${id}.`);
  const keys = createKeys(`dbc-${id}:`);
  const logged: string[] = [];
  const logger = createLogger({
    service: 'ingress-contract',
    level: 'trace',
    destination: new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) }),
  });
  const kafka = createKafka({
    client: testKafkaClient,
    brokers,
    clientId: 'dashbot-contract',
    logger: createLogger({ service: 'kafka', level: 'silent' }),
  });
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', logger);
  const seen: MessageEvent[] = [];
  const consumer = kafka.consumer({ groupId: `dbc-reader-${id}` });
  const apps: FastifyInstance[] = [];
  let dashbot: Dashbot;
  let root: string;

  async function listen(pub: Publisher): Promise<string> {
    const metrics = createMetrics('dashbot-contract');
    const app = createHttpServer({ logger, metrics, readiness: () => ({}), bodyLimit: 1024 * 1024 });
    registerIngressRoutes(app, {
      acceptor: new EventAcceptor(pub, redis, keys, logger, 2000),
      apiKeys: parseApiKeys([`dashbot-bot:${KEY}`]),
      metrics,
      logger,
    });
    apps.push(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  beforeAll(async () => {
    await connectRedis(redis, logger);
    await ensureTopics(kafka, names, { partitions: 3, replicationFactor: 1 });
    await publisher.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: names.name(Topics.raw), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void seen.push(decode(MessageEventSchema, message.value)),
    });
    root = await listen(publisher);
    dashbot = dashbotClient(KEY, root);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await consumer.disconnect();
    await publisher.disconnect();
    redis.disconnect();
  });

  /** Waits until conv.raw holds `count` events matching `match`; returns them. */
  const downstream = async (match: (e: MessageEvent) => boolean, count: number) => {
    const until = Date.now() + 20000;
    while (seen.filter(match).length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    return seen.filter(match);
  };

  it.each(scenarios.map((s) => [s.name, s] as const))('%s: recorded as Dashbot would', async (name, scenario) => {
    const before = seen.length;
    const response = (await scenario.log(dashbot)) as FetchResponse | undefined;
    const expected = landsIn[name];
    // Google's SDK calls do not hand back their response; what reached Kafka says it all.
    if (response) {
      const reply = await response.json();
      if (expected.length === 0) {
        expect(response.status).toBe(200);
        expect(reply).toMatchObject({ accepted: 0, events: [] });
        expect(reply.message).toMatch(/^nothing was recorded: .+/);
      } else {
        expect(response.status).toBe(202);
        expect((reply.accepted as number) + (reply.duplicates as number)).toBe(expected.length);
        expect((reply.events as unknown[]).length).toBe(expected.length);
        expect(reply.control).toBeDefined();
      }
    }
    for (const want of expected) {
      const found = await downstream(
        (e) =>
          e.conversationId === scopeId('dashbot-bot', want.conversation) &&
          e.text === want.text &&
          e.direction === want.direction,
        1,
      );
      expect(found.length).toBeGreaterThanOrEqual(1);
      expect(found[0]).toMatchObject({ botId: 'dashbot-bot', platform: name.split(' ')[0] });
    }
    if (expected.length === 0) {
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.slice(before)).toEqual([]);
    }
  });

  it('records a Slack message once when the bot logs it again (idempotent by channel and ts)', async () => {
    const message = { type: 'message', channel: `C${id}`, user: 'U0ANN', text: 'retry me', ts: '1764065000.000100' };
    const first = (await dashbot.slack.logIncoming(slackBot, slackTeam, message)) as FetchResponse;
    const again = (await dashbot.slack.logIncoming(slackBot, slackTeam, message)) as FetchResponse;
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1, control: 'bot' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await downstream((e) => e.conversationId === scopeId('dashbot-bot', `C${id}`), 1)).toHaveLength(1);
  });

  it('answers a payload it does not understand with a 400 naming what is missing, and publishes nothing', async () => {
    const before = seen.length;
    // The SDK reads a 400's body itself and prints it as "validation error: <body>": that is what the bot's
    // developer sees, so that is what is checked.
    const printed: string[] = [];
    const print = jest
      .spyOn(console, 'log')
      .mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    try {
      const noChannel = (await dashbot.slack.logIncoming(slackBot, slackTeam, {
        type: 'message',
        user: 'U0ANN',
        text: 'where am I?',
      })) as FetchResponse;
      const noRecipient = (await dashbot.facebook.logOutgoing(
        { json: { message: { text: 'to nobody' } } },
        null,
      )) as FetchResponse;
      expect([noChannel.status, noRecipient.status]).toEqual([400, 400]);
    } finally {
      print.mockRestore();
    }
    expect(printed).toEqual([
      expect.stringContaining('message.channel is required'),
      expect.stringContaining('json.recipient.id is required'),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length).toBe(before);
  });

  it('takes the API key from the Authorization header as well, and refuses a wrong one', async () => {
    const conversationId = `hdr-${id}`;
    const post = (authorization: string) =>
      fetch(`${root}/track?platform=universal&type=incoming`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ text: 'via header', userId: 'u1', conversationId }),
      });
    const ok = await post(`Bearer ${KEY}`);
    expect(ok.status).toBe(202);
    const wrong = await post('Bearer not-the-key-0123456789');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toContain('apiKey query parameter');
    expect(await downstream((e) => e.conversationId === scopeId('dashbot-bot', conversationId), 1)).toHaveLength(1);
  });

  it('answers 503 when Kafka does not acknowledge, and never logs the query-string API key', async () => {
    const deadRoot = await listen(
      new Publisher(
        createKafka({
          client: testKafkaClient,
          brokers: ['127.0.0.1:1'],
          clientId: 'dead',
          logger: createLogger({ service: 'kafka', level: 'silent' }),
        }),
        names,
      ),
    );
    const response = (await dashbotClient(KEY, deadRoot).slack.logIncoming(slackBot, slackTeam, {
      type: 'message',
      channel: 'C0DEAD',
      user: 'U0ANN',
      text: 'lost?',
      ts: '1764065100.000100',
    })) as FetchResponse;
    expect(response.status).toBe(503);
    expect(logged.some((line) => line.includes('kafka unavailable'))).toBe(true);
    expect(logged.filter((line) => line.includes(KEY))).toEqual([]);
  });
});
