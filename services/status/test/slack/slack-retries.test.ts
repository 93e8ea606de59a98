// Slack redelivering an event while the first delivery is still working (real Kafka and Redis, the sandbox's
// Slack delivery with its retries): Kafka's acknowledgements are held back, so the first attempt is slow; the
// redeliveries are answered 503 (not "duplicate") until the action is durably in Kafka, and it lands once.
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { WebClient } from '@slack/web-api';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { ConversationRefs, connectRedis, createRedis } from '@switchboard/store';
import { startSandbox } from '@switchboard/sandbox';
import { OperatorActions } from '../../src/conversation/actions';
import { ConversationIndex } from '../../src/conversation/conversations';
import { HandoffStore } from '../../src/conversation/handoff';
import { TakeoverStore } from '../../src/conversation/takeover';
import { OwnerStore } from '../../src/conversation/owner';
import { InboundOnce } from '../../src/inbound-once';
import { Identities } from '../../src/operators/identities';
import { OperatorDirectory } from '../../src/operators/operators';
import { parseAllowedOperators } from '../../src/slack/operator-policy';
import { SlackMembers } from '../../src/slack/slack-members';
import { registerSlackRoutes } from '../../src/slack/slack-routes';
import { SlackEphemeral } from '../../src/slack/slack-ephemeral';
import { ThreadReplies } from '../../src/slack/reply-mode';
import { statusKeys } from '../../src/status-keys';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'slack-retries-test', level: 'silent' });
const SECRET = 'slack-retries-signing-secret';

jest.setTimeout(120000);

/**
 * The status service's connections to the broker, with a switch that holds back everything the broker says:
 * requests still reach Kafka, acknowledgements do not come back until released (a broker or network that
 * is slow to acknowledge).
 */
class HeldAcks {
  private readonly sockets = new Set<Socket>();
  private holding = false;

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60000);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    if (this.holding) socket.pause();
    return socket;
  };

  hold(): void {
    this.holding = true;
    for (const socket of this.sockets) socket.pause();
  }

  release(): void {
    this.holding = false;
    for (const socket of this.sockets) socket.resume();
  }
}

describe('Slack redelivering while the first delivery is still working', () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`slack-retries-${id}.`);
  const keys = statusKeys(`slack-retries-${id}:`);
  const acks = new HeldAcks();
  const kafka = new Kafka({
    clientId: 'slack-retries',
    brokers,
    socketFactory: acks.factory,
    logLevel: logLevel.NOTHING,
  });
  const observer = createKafka({ brokers, clientId: 'slack-retries-observer', logger: quiet });
  const admin = observer.admin();
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(observer, names, { partitions: 1, replicationFactor: 1 });
    await admin.connect();
    await publisher.connect();
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    const metrics = createMetrics('slack-retries');
    const conversations = new ConversationIndex(redis, keys, 3600);
    const actions = new OperatorActions({
      publisher,
      takeovers: new TakeoverStore(redis, keys, 60000, 3600),
      handoffs: new HandoffStore(redis, keys, 30000, 3600),
      conversations,
      owners: new OwnerStore(redis, keys, 3600),
      logger: quiet,
    });
    const identities = new Identities({
      redis,
      keys,
      directory: new OperatorDirectory([]),
      logger: quiet,
      metrics,
      slack: { token: 'xoxb-retries', apiUrl: sandbox.slackApiUrl },
    });
    const members = new SlackMembers({
      token: 'xoxb-retries',
      apiUrl: sandbox.slackApiUrl,
      allowed: parseAllowedOperators([]),
      logger: quiet,
      metrics,
    });
    // Answers within 300 ms, well inside the sandbox's delivery timeout, as 2.5 s is inside Slack's 3 s.
    const once = new InboundOnce(redis, keys, { answerWithinMs: 300, logger: quiet });
    app = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 64 * 1024 });
    const ephemeral = new SlackEphemeral({ token: 'xoxb-retries', apiUrl: sandbox.slackApiUrl, metrics });
    const threadReplies = new ThreadReplies({ mode: 'send', actions, ephemeral, redis, keys, logger: quiet });
    await registerSlackRoutes(app, {
      signingSecret: SECRET,
      members,
      notePrefix: 'note:',
      actions,
      threadReplies,
      ephemeral,
      identities,
      refs: new ConversationRefs(redis, keys),
      redis,
      keys,
      once,
      logger: quiet,
      metrics,
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // Slack's redeliveries, quicker than Slack's own (at once, 1 min, 5 min).
    await fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        slack: {
          eventsUrl: `${url}/slack/events`,
          signingSecret: SECRET,
          eventRetryDelaysMs: [100, 100, 3000],
          deliveryTimeoutMs: 2000,
        },
      }),
    });
  });

  afterAll(async () => {
    acks.release();
    await app?.close();
    await publisher.disconnect();
    await admin.disconnect();
    await sandbox?.close();
    const found = await redis.keys(`slack-retries-${id}:*`);
    if (found.length) await redis.del(...found);
    redis.disconnect();
  });

  /** Everything on conv.status (a topic of this test's own). */
  const statusEvents = async () =>
    (await admin.fetchTopicOffsets(names.name(Topics.status))).reduce((sum, p) => sum + Number(p.high), 0);

  it('answers the redeliveries 503 until the note is in Kafka, then 200, and records it once', async () => {
    const slack = new WebClient('xoxb-retries', { slackApiUrl: sandbox.slackApiUrl });
    const root = await slack.chat.postMessage({ channel: '#triage-retries', text: 'a new conversation' });
    const conversationId = `retries-${id}`;
    await new ConversationRefs(redis, keys).setSlackRoot(conversationId, { channel: root.channel!, ts: root.ts! });
    expect(await statusEvents()).toBe(0);

    acks.hold();
    const replied = fetch(`${sandbox.url}/_sandbox/slack/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: root.channel, threadTs: root.ts, text: 'note: refund checked' }),
    });
    // Two deliveries answered while Kafka has not acknowledged: the first, and a redelivery that found it working.
    const delivery = await waitFor(() => sandbox.state.slack.deliveries.find((d) => d.attempts.length >= 2));
    acks.release();

    const answer = (await (await replied).json()) as { ok: boolean; attempts: (number | string)[]; event_id: string };
    expect(answer.ok).toBe(true);
    expect(answer.attempts.length).toBeGreaterThanOrEqual(3);
    expect(answer.attempts.slice(0, -1).every((a) => a === 503)).toBe(true); // never "duplicate" while not done
    expect(answer.attempts[answer.attempts.length - 1]).toBe(200);
    expect(delivery.ok).toBe(true);
    // Acknowledged by Kafka before the 200: the note is there, once.
    expect(await statusEvents()).toBe(1);
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting for the sandbox to redeliver');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
