// Spam everywhere and Asana back to the conversation, through the whole system (real Kafka and Redis, the five
// services as processes, the sandbox for Slack and Asana, the example bot on its webhook). Spam is clicked on the
// sandbox's root and answered on its ephemeral second step: a team or a user marked spam gets no root and no task
// for its next conversation, the spam-completed task is not reopened by the spammer writing again, and Not spam
// restores. In Asana, a person's comment becomes a note in the transcript, `reply: …` reaches the bot as that
// operator's reply, an assignee change publishes ASSIGNED with the operator mapped by email, and our own comments
// coming back (the ticketer's) and a story delivered twice act no more than once. Waits are for outcomes (events,
// counters, records), never for a time.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer } from 'kafkajs';
import { SLACK_ACTION_IDS, SLACK_SPAM_SCOPE_IDS } from '@switchboard/agreements';
import { TopicNames, Topics, createKafka, decode } from '@switchboard/bus';
import { createLogger, hashPassword, scopeId } from '@switchboard/core';
import { StatusChange, StatusEventSchema, type StatusEvent } from '@switchboard/proto';
import { startSandbox } from '@switchboard/sandbox';
import { connectRedis, createRedis } from '@switchboard/store';
import { ExampleBot } from '@switchboard/example-bot';
import { TranscriptStore } from '../../services/status/src/conversation/transcript';
import { statusKeys } from '../../services/status/src/status-keys';
import { TestSystem, eventually, freePort } from '../support/services';

const API_KEY = 'spam-asana-key-0123456789abcdef';
const BOT = 'spam-bot';
const SIGNING_SECRET = 'spam-asana-signing-secret';
const WEBHOOK_SECRET = 'spam-asana-bot-webhook-secret';
const OLIVIA = 'U0SANDBOXOP1';
const OSCAR = 'U0SANDBOXOP2';

/** How long to wait for an outcome on a busy machine before giving up (each wait ends as soon as it is there). */
const PATIENCE = 60000;

jest.setTimeout(300000);

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  history: unknown[];
}
interface SandboxTask {
  gid: string;
  notes: string;
  completed: boolean;
  tags: { name: string }[];
  stories: { gid: string; text: string; type: string }[];
}
interface Ephemeral {
  channelId: string;
  userId: string;
  ts: string;
  blocks?: unknown[];
}

describe('spam everywhere, and Asana back to the conversation', () => {
  const quiet = createLogger({ service: 'spam-asana-e2e', level: 'silent' });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const dir = mkdtempSync(join(tmpdir(), 'spam-asana-'));
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let bot: ExampleBot;
  let consumer: Consumer;
  let transcripts: TranscriptStore;
  /** Every conv.status event, in the order this test's consumer read them. */
  const statusEvents: StatusEvent[] = [];

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    const statusPort = await freePort();
    sandbox = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      slack: { interactivityUrl: `http://127.0.0.1:${statusPort}/slack/interactions`, signingSecret: SIGNING_SECRET },
    });
    bot = new ExampleBot({
      ingressUrl: 'http://127.0.0.1:1',
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      log: () => undefined,
    });
    const botUrl = await bot.start();
    const operators = join(dir, 'operators.yaml');
    const hash = await hashPassword('a password nobody types here', { N: 1024 });
    writeFileSync(
      operators,
      [
        'operators:',
        `  - { login: olivia, name: Olivia from the file, email: olivia@example.test, passwordHash: "${hash}" }`,
        '  - { login: oscar, name: Oscar from the file, email: oscar@example.test }',
      ].join('\n'),
    );
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-spam-asana',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_TRIAGE_CHANNEL: '#triage-spam',
      ASANA_TOKEN: 'asana-spam-asana',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      ASANA_WORKSPACE_GID: '1100000000000001',
      ASANA_WEBHOOK_TARGET_URL: `http://127.0.0.1:${statusPort}/asana/webhook`,
      INGRESS_API_KEYS: `${BOT}:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: `http://127.0.0.1:${statusPort}/`,
      CONSOLE_OPERATORS_FILE: operators,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
      BOT_WEBHOOK_URL: botUrl,
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFIER_DIGEST_AFTER_MS: '60000',
      TICKETER_COMMENT_WINDOW_MS: '200',
    });
    transcripts = new TranscriptStore(redis, statusKeys(system.env.REDIS_KEY_PREFIX), 1000, 3600);
    await system.start('status', { STATUS_PORT: String(statusPort) });
    await Promise.all((['ingress', 'classifier', 'notifier', 'ticketer'] as const).map((name) => system.start(name)));
    (bot as unknown as { options: { ingressUrl: string } }).options.ingressUrl = system.url('ingress');

    const kafka = createKafka({
      brokers: system.env.KAFKA_BROKERS.split(','),
      clientId: 'spam-asana-e2e',
      logger: quiet,
    });
    consumer = kafka.consumer({ groupId: `spam-asana-e2e-${system.env.KAFKA_TOPIC_PREFIX}` });
    await consumer.connect();
    await consumer.subscribe({
      topic: new TopicNames(system.env.KAFKA_TOPIC_PREFIX).name(Topics.status),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ message }) => void statusEvents.push(decode(StatusEventSchema, message.value)),
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await system?.stopAll();
    await bot?.stop();
    await sandbox?.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const scoped = (conversationId: string) => scopeId(BOT, conversationId);
  const json = async <T>(path: string) => (await (await fetch(`${sandbox.url}${path}`)).json()) as T;
  const sandboxPost = async (path: string, body: unknown) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return res;
  };
  const rootsOf = async (conversationId: string) =>
    (await json<SandboxMessage[]>('/_sandbox/slack/messages')).filter(
      (m) => !m.thread_ts && JSON.stringify(m).includes(`"${scoped(conversationId)}"`),
    );
  const rootOf = (conversationId: string) =>
    eventually(
      async () => (await rootsOf(conversationId))[0],
      Boolean,
      PATIENCE,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;
  const tasksOf = async (conversationId: string) =>
    (await json<SandboxTask[]>('/_sandbox/asana/tasks')).filter((t) =>
      t.notes.split('\n').includes(`Switchboard conversation: ${scoped(conversationId)}`),
    );
  const taskOf = (conversationId: string, done: (t: SandboxTask | undefined) => boolean = Boolean, what = 'task') =>
    eventually(
      async () => (await tasksOf(conversationId))[0],
      done,
      PATIENCE,
      `the ${what} of ${conversationId}`,
    ) as Promise<SandboxTask>;

  /** A counter of a service's /metrics, summed over the series with these labels. */
  async function counter(service: 'notifier' | 'ticketer' | 'status', name: string, labels: Record<string, string>) {
    const text = await (await fetch(system.url(service, '/metrics'))).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
    }
    return sum;
  }
  const counterReaches = (
    service: 'notifier' | 'ticketer' | 'status',
    name: string,
    labels: Record<string, string>,
    at: number,
  ) =>
    eventually(
      () => counter(service, name, labels),
      (n) => n >= at,
      PATIENCE,
      `${name} ${JSON.stringify(labels)} ≥ ${at}`,
    );

  async function start(conversationId: string, user: string, team: string, text: string) {
    await bot.userSays(
      { conversationId, user: { id: user, name: `User ${user}` }, team: { id: team, name: `Team ${team}` } },
      text,
    );
  }

  /**
   * A conversation started by `begin` gets no root and no task: both services counted it as spam of that kind
   * (they count after deciding), and then neither a root nor a task is there.
   */
  async function expectSilenced(reason: 'spam_team' | 'spam_user', conversationId: string, begin: () => Promise<void>) {
    const suppressed = { reason };
    const ignored = { topic: 'asana', outcome: reason };
    const notified = await counter('notifier', 'switchboard_notifier_suppressed_total', suppressed);
    const ticketed = await counter('ticketer', 'switchboard_events_total', ignored);
    await begin();
    await counterReaches('notifier', 'switchboard_notifier_suppressed_total', suppressed, notified + 1);
    await counterReaches('ticketer', 'switchboard_events_total', ignored, ticketed + 1);
    expect(await rootsOf(conversationId)).toHaveLength(0);
    expect(await tasksOf(conversationId)).toHaveLength(0);
  }

  /** Spam clicked on the root, then the scope chosen on the ephemeral second step, both through the sandbox. */
  async function markSpam(conversationId: string, scope: keyof typeof SLACK_SPAM_SCOPE_IDS) {
    const root = await rootOf(conversationId);
    await sandboxPost('/_sandbox/slack/click', {
      channel: root.channel_id,
      ts: root.ts,
      actionId: SLACK_ACTION_IDS.spam,
    });
    const choice = await eventually(
      async () =>
        (await json<Ephemeral[]>('/_sandbox/slack/ephemeral')).find((m) =>
          JSON.stringify(m.blocks ?? []).includes(`"${scoped(conversationId)}"`),
        ),
      Boolean,
      PATIENCE,
      'the ephemeral choice',
    );
    expect(choice!.userId).toBe(OLIVIA);
    expect(JSON.stringify(choice!.blocks)).toContain(SLACK_SPAM_SCOPE_IDS[scope]);
    await sandboxPost('/_sandbox/slack/click', {
      channel: choice!.channelId,
      ts: choice!.ts,
      actionId: SLACK_SPAM_SCOPE_IDS[scope],
    });
    await eventually(
      () => rootOf(conversationId),
      (m) =>
        /spam/i.test(JSON.stringify(m.blocks ?? m.text)) &&
        JSON.stringify(m.blocks ?? []).includes(SLACK_ACTION_IDS.notSpam),
      PATIENCE,
      'the root marked spam',
    );
    return taskOf(
      conversationId,
      (t) => Boolean(t?.completed && t.tags.some((tag) => tag.name === 'spam')),
      'spam task',
    );
  }

  it('stops roots and tasks for the next conversation of a team marked spam, keeps its task completed, and Not spam restores', async () => {
    await start('team-1', 'u-t1', 't-spamco', 'BUY CHEAP WATCHES');
    await rootOf('team-1');
    await taskOf('team-1');
    await markSpam('team-1', 'team');
    const spam = statusEvents.find((e) => e.conversationId === scoped('team-1') && e.change === StatusChange.SPAM)!;
    expect(spam).toMatchObject({ wholeTeam: true, teamId: 't-spamco', wholeUser: false });
    expect(spam.actor?.source).toBe('slack');

    // The spammer writes again: the task completed as spam stays completed, with nothing added. Its state before
    // is the settled one: completed, with the spam comment.
    await taskOf(
      'team-1',
      (t) => !!t?.completed && t.stories.some((story) => story.text.startsWith('Marked as spam')),
      'completed task with its spam comment',
    );
    const before = await tasksOf('team-1');
    const quietAgain = await counter('ticketer', 'switchboard_events_total', {
      topic: 'asana',
      outcome: 'spam_conversation',
    });
    await start('team-1', 'u-t1', 't-spamco', 'still selling watches');
    await counterReaches(
      'ticketer',
      'switchboard_events_total',
      { topic: 'asana', outcome: 'spam_conversation' },
      quietAgain + 1,
    );
    expect(await tasksOf('team-1')).toEqual(before);

    // Another member of the team starts a conversation: no root, no task.
    await expectSilenced('spam_team', 'team-2', () => start('team-2', 'u-t2', 't-spamco', 'cheap watches here too'));

    // Not spam on the first conversation undoes the same scope: the team's next conversation is handled again.
    const root = await rootOf('team-1');
    await sandboxPost('/_sandbox/slack/click', {
      channel: root.channel_id,
      ts: root.ts,
      actionId: SLACK_ACTION_IDS.notSpam,
    });
    const notSpam = await eventually(
      async () => statusEvents.find((e) => e.conversationId === scoped('team-1') && e.change === StatusChange.NOT_SPAM),
      Boolean,
      PATIENCE,
      'the Not spam event',
    );
    expect(notSpam).toMatchObject({ wholeTeam: true, teamId: 't-spamco' });
    await start('team-3', 'u-t3', 't-spamco', 'a real question about my invoice');
    await rootOf('team-3');
    await taskOf('team-3');
  });

  it("stops roots and tasks for a user marked spam, in any team, and not for the user's team", async () => {
    await start('user-1', 'u-spammer', 't-fine', 'click this link');
    await markSpam('user-1', 'user');
    const spam = statusEvents.find((e) => e.conversationId === scoped('user-1') && e.change === StatusChange.SPAM)!;
    expect(spam).toMatchObject({ wholeUser: true, userId: 'u-spammer', wholeTeam: false });

    await expectSilenced('spam_user', 'user-2', () => start('user-2', 'u-spammer', 't-other', 'click this other link'));

    // A colleague in the spammer's team is not a spammer.
    await start('user-3', 'u-colleague', 't-fine', 'where is my order?');
    await rootOf('user-3');
    await taskOf('user-3');
  });

  it('turns Asana comments into notes and replies, and an assignee change into ASSIGNED; ours and repeats act once', async () => {
    const id = scoped('asana-1');
    await start('asana-1', 'u-asana', 't-asana', 'my refund never came');
    const task = await taskOf('asana-1');
    const notes = async () => statusEvents.filter((e) => e.conversationId === id && e.change === StatusChange.NOTE);

    // A person's comment: an internal note by the operator with that email in the operators file.
    const first = (await (
      await sandboxPost(`/_sandbox/asana/tasks/${task.gid}/comment`, {
        text: 'Called them, refund approved',
        userId: OLIVIA,
      })
    ).json()) as { gid: string; author: string };
    const [note] = await eventually(notes, (n) => n.length === 1, PATIENCE, 'the note');
    expect(note).toMatchObject({ note: 'Called them, refund approved', eventId: `asana-story-${first.gid}` });
    expect(note.actor).toMatchObject({ name: 'Olivia from the file', email: 'olivia@example.test', source: 'asana' });
    const line = await eventually(
      async () => (await transcripts.read(id)).find((e) => e.from === 'note'),
      Boolean,
      PATIENCE,
      'the note in the transcript',
    );
    expect(line).toMatchObject({ author: 'Olivia from the file', text: 'Called them, refund approved' });

    // Asana delivers the same story again: it acts once.
    const webhook = [...sandbox.state.asana.webhooks.values()].find((w) => w.active)!;
    const again = JSON.stringify({
      events: [
        {
          action: 'added',
          resource: { gid: first.gid, resource_type: 'story', resource_subtype: 'comment_added' },
          parent: { gid: task.gid, resource_type: 'task' },
          user: { gid: first.author, resource_type: 'user' },
          created_at: new Date().toISOString(),
        },
      ],
    });
    const redelivered = await fetch(webhook.target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hook-signature': createHmac('sha256', webhook.secret).update(again).digest('hex'),
      },
      body: again,
    });
    expect(redelivered.status).toBe(200);

    // The user writes again: the ticketer comments on the task, and that comment of ours comes back through the
    // webhook. (The note itself is not written back: it is on the task already.)
    await start('asana-1', 'u-asana', 't-asana', 'any news about my refund?');
    const ours = await taskOf(
      'asana-1',
      (t) => Boolean(t?.stories.some((s) => s.text.includes('any news about my refund?'))),
      'comment of ours',
    );
    expect(ours.stories.filter((s) => s.text.includes('Called them'))).toHaveLength(1);

    // A later comment is delivered after those: by the time its note is out, ours and the repeat were handled.
    await sandboxPost(`/_sandbox/asana/tasks/${task.gid}/comment`, { text: 'Customer is a VIP', userId: OSCAR });
    await eventually(notes, (n) => n.length >= 2, PATIENCE, 'the second note');
    expect((await notes()).map((n) => [n.note, n.actor?.name])).toEqual([
      ['Called them, refund approved', 'Olivia from the file'],
      ['Customer is a VIP', 'Oscar from the file'],
    ]);
    expect(await counter('status', 'switchboard_events_total', { topic: 'asana', outcome: 'own' })).toBeGreaterThan(0);

    // reply: goes to the user as that operator's reply, and takes the conversation over.
    await sandboxPost(`/_sandbox/asana/tasks/${task.gid}/comment`, {
      text: 'reply: Your refund is on its way',
      userId: OLIVIA,
    });
    const [reply] = await eventually(
      async () => bot.received.filter((m) => m.conversationId === 'asana-1'),
      (m) => m.length >= 1,
      PATIENCE,
      'the reply at the bot',
    );
    expect(reply.text).toBe('Your refund is on its way');
    expect(reply.operator).toMatchObject({ name: 'Olivia from the file', source: 'asana' });
    await eventually(
      async () => statusEvents.find((e) => e.conversationId === id && e.change === StatusChange.TAKEOVER_STARTED),
      Boolean,
      PATIENCE,
      'the takeover',
    );

    // An assignee change: ASSIGNED with the operator of that email. (Olivia's reply: above made her the owner
    // first, an ASSIGNED of source `reply`; the one looked for here is Asana's.)
    await sandboxPost(`/_sandbox/asana/tasks/${task.gid}/assign`, { assignee: OSCAR });
    const assigned = await eventually(
      async () =>
        statusEvents.find(
          (e) => e.conversationId === id && e.change === StatusChange.ASSIGNED && e.actor?.source === 'asana',
        ),
      Boolean,
      PATIENCE,
      'ASSIGNED',
    );
    expect(assigned!.actor).toMatchObject({
      name: 'Oscar from the file',
      email: 'oscar@example.test',
      source: 'asana',
    });
    expect(await notes()).toHaveLength(2);
  });
});
