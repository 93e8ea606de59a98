// Spam's second step at the status service's Slack routes (real Kafka and Redis, the sandbox's Slack and its
// signed clicks): Spam asks the clicking operator ephemerally, once however often Slack delivers the click;
// the chosen scope publishes SPAM with it and writes the shared mark before publishing; Not spam undoes that
// scope; a Spam click that names no channel is refused with the reason.
import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import type { FastifyInstance } from 'fastify';
import type { Consumer } from 'kafkajs';
import { SLACK_ACTION_IDS, SLACK_SPAM_SCOPE_IDS } from '@switchboard/agreements';
import { createHttpServer, createLogger, createMetrics } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, decode, ensureTopics } from '@switchboard/bus';
import { ClassifiedEventSchema, StatusChange, StatusEventSchema, create, type StatusEvent } from '@switchboard/proto';
import { ConversationRefs, SpamMarks, connectRedis, createRedis } from '@switchboard/store';
import { startSandbox } from '@switchboard/sandbox';
import { OperatorActions } from '../../src/conversation/actions';
import { summaryAfterMessage } from '../../src/conversation/conversation-state';
import { ConversationIndex } from '../../src/conversation/conversations';
import { HandoffStore } from '../../src/conversation/handoff';
import { TakeoverStore } from '../../src/conversation/takeover';
import { InboundOnce } from '../../src/inbound-once';
import { Identities } from '../../src/operators/identities';
import { OperatorDirectory } from '../../src/operators/operators';
import { slackSignature } from '../../src/signatures';
import { parseAllowedOperators } from '../../src/slack/operator-policy';
import { SlackMembers } from '../../src/slack/slack-members';
import { registerSlackRoutes } from '../../src/slack/slack-routes';
import { SpamChoice } from '../../src/slack/spam-choice';
import { statusKeys } from '../../src/status-keys';
import { SlackEphemeral } from '../../src/slack/slack-ephemeral';
import { ThreadReplies } from '../../src/slack/reply-mode';
import { OwnerStore } from '../../src/conversation/owner';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'spam-step-test', level: 'silent' });
const SECRET = 'spam-step-signing-secret';

jest.setTimeout(120000);

interface Ephemeral {
  channelId: string;
  userId: string;
  ts: string;
  blocks?: unknown[];
}

describe("Spam's second step in Slack", () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`spam-step-${id}.`);
  const keys = statusKeys(`spam-step-${id}:`);
  const kafka = createKafka({ brokers, clientId: 'spam-step', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const marks = new SpamMarks(redis, keys);
  const events: StatusEvent[] = [];
  let consumer: Consumer;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let app: FastifyInstance;
  let url = '';
  const conversationId = `spam-bot:conv-${id}`;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(kafka, names, { partitions: 1, replicationFactor: 1 });
    await publisher.connect();
    consumer = kafka.consumer({ groupId: `spam-step-${id}` });
    await consumer.connect();
    await consumer.subscribe({ topic: names.name(Topics.status), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void events.push(decode(StatusEventSchema, message.value)),
    });
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    const metrics = createMetrics('spam-step');
    const conversations = new ConversationIndex(redis, keys, 3600);
    // The summary a first message leaves (who wrote, from which team: the scopes the question offers).
    const first = create(ClassifiedEventSchema, {
      message: {
        eventId: `spam-bot:e-${id}`,
        conversationId,
        botId: 'spam-bot',
        text: 'cheap watches',
        user: { id: 'u-spammer', name: 'Mallory' },
        team: { id: 't-spamco', name: 'Spamco' },
      },
    });
    await redis.hset(keys.consoleConversation(conversationId), summaryAfterMessage(null, first));
    const actions = new OperatorActions({
      publisher,
      takeovers: new TakeoverStore(redis, keys, 60000, 3600),
      handoffs: new HandoffStore(redis, keys, 30000, 3600),
      conversations,
      owners: new OwnerStore(redis, keys, 3600),
      logger: quiet,
      spam: marks,
    });
    const ephemeral = new SlackEphemeral({ token: 'xoxb-spam-step', apiUrl: sandbox.slackApiUrl, metrics });
    const threadReplies = new ThreadReplies({ mode: 'send', actions, ephemeral, redis, keys, logger: quiet });
    const members = new SlackMembers({
      token: 'xoxb-spam-step',
      apiUrl: sandbox.slackApiUrl,
      allowed: parseAllowedOperators([]),
      logger: quiet,
      metrics,
    });
    app = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 64 * 1024 });
    await registerSlackRoutes(app, {
      signingSecret: SECRET,
      members,
      notePrefix: 'note:',
      actions,
      threadReplies,
      ephemeral,
      identities: new Identities({
        redis,
        keys,
        directory: new OperatorDirectory([]),
        logger: quiet,
        metrics,
        slack: { token: 'xoxb-spam-step', apiUrl: sandbox.slackApiUrl },
      }),
      refs: new ConversationRefs(redis, keys),
      redis,
      keys,
      once: new InboundOnce(redis, keys, { answerWithinMs: 5000, logger: quiet }),
      spamChoice: new SpamChoice({ slack: members, conversations, logger: quiet }),
      logger: quiet,
      metrics,
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    await fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slack: { interactivityUrl: `${url}/slack/interactions`, signingSecret: SECRET } }),
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await app?.close();
    await publisher.disconnect();
    await sandbox?.close();
    const found = await redis.keys(`spam-step-${id}:*`);
    if (found.length) await redis.del(...found);
    redis.disconnect();
  });

  const ephemerals = async () =>
    ((await (await fetch(`${sandbox.url}/_sandbox/slack/ephemeral`)).json()) as Ephemeral[]).filter((m) =>
      JSON.stringify(m.blocks ?? []).includes(conversationId),
    );
  const click = async (channel: string, ts: string, actionId: string) => {
    const res = await fetch(`${sandbox.url}/_sandbox/slack/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel, ts, actionId }),
    });
    return (await res.json()) as { ok: boolean; status: number };
  };
  /** A block_actions payload as Slack signs it, posted straight to the route (for redeliveries and odd ones). */
  const signedClick = (actionId: string, actionTs: string, channel?: string) => {
    const payload = {
      type: 'block_actions',
      user: { id: 'U0SANDBOXOP1', name: 'olivia' },
      ...(channel ? { channel: { id: channel } } : {}),
      actions: [{ action_id: actionId, value: conversationId, action_ts: actionTs, type: 'button' }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const at = Math.floor(Date.now() / 1000);
    return fetch(`${url}/slack/interactions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(at),
        'x-slack-signature': slackSignature(SECRET, at, body),
      },
      body,
    });
  };
  const eventually = async <T>(probe: () => T | undefined, what: string): Promise<T> => {
    for (let i = 0; i < 300; i += 1) {
      const value = probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`never saw ${what}`);
  };

  it('asks once, publishes the chosen scope after marking it, and Not spam undoes that scope', async () => {
    const slack = new WebClient('xoxb-spam-step', { slackApiUrl: sandbox.slackApiUrl });
    const root = await slack.chat.postMessage({
      channel: '#triage-spam-step',
      text: 'a new conversation',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: SLACK_ACTION_IDS.spam,
              value: conversationId,
              text: { type: 'plain_text', text: 'Spam' },
            },
            {
              type: 'button',
              action_id: SLACK_ACTION_IDS.notSpam,
              value: conversationId,
              text: { type: 'plain_text', text: 'Not spam' },
            },
          ],
        },
      ],
    });
    expect(await click(root.channel!, root.ts!, SLACK_ACTION_IDS.spam)).toMatchObject({ ok: true, status: 200 });
    const [question] = await ephemerals();
    expect(question.userId).toBe('U0SANDBOXOP1');
    expect(JSON.stringify(question.blocks)).toContain('The whole team (Spamco)');
    expect(JSON.stringify(question.blocks)).toContain('This user (Mallory)');
    expect(events).toHaveLength(0); // asking publishes nothing

    // The same click delivered again (same action_ts): asked once.
    const repeat = await signedClick(SLACK_ACTION_IDS.spam, '1700000000.000200', root.channel!);
    const again = await signedClick(SLACK_ACTION_IDS.spam, '1700000000.000200', root.channel!);
    expect([repeat.status, again.status]).toEqual([200, 200]);
    expect(await ephemerals()).toHaveLength(2);

    expect(await click(question.channelId, question.ts, SLACK_SPAM_SCOPE_IDS.team)).toMatchObject({ status: 200 });
    // Answered 200 only once in Kafka, and marked before it was published.
    const subject = {
      conversationId: `spam-bot:other-${id}`,
      bot: 'spam-bot',
      userId: 'u-someone',
      teamId: 't-spamco',
    };
    expect((await marks.check(subject)).team).toBe(true);
    const spam = await eventually(() => events.find((e) => e.change === StatusChange.SPAM), 'SPAM');
    expect(spam).toMatchObject({ conversationId, wholeTeam: true, teamId: 't-spamco', wholeUser: false });

    expect(await click(root.channel!, root.ts!, SLACK_ACTION_IDS.notSpam)).toMatchObject({ status: 200 });
    expect((await marks.check(subject)).team).toBe(false);
    const notSpam = await eventually(() => events.find((e) => e.change === StatusChange.NOT_SPAM), 'NOT_SPAM');
    expect(notSpam).toMatchObject({ conversationId, wholeTeam: true, teamId: 't-spamco' });
    expect(events).toHaveLength(2);
  });

  it('refuses a Spam click that says no channel to ask in, with the reason', async () => {
    const res = await signedClick(SLACK_ACTION_IDS.spam, '1700000000.000300');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('without a channel');
  });
});
