// The Slack thread as the operators' room, through the whole system (real Kafka and Redis, the services as
// processes, the sandbox as Slack with signed clicks and events): a console reply appears once in the thread, a
// Slack-typed one is not echoed; "Open thread" promotes a digested conversation to its own root and its next
// message lands there; a reply in a digest's thread gets a private explanation; confirm mode asks Send / Keep
// as note before anything reaches the user. Needs `npm run build` first.
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { createLogger, hashPassword, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { Locks, connectRedis, createKeys, createRedis } from '@switchboard/store';
import { notifierKeys } from '../../services/notifier/src/keys';
import { LOCK_SCOPES } from '../../services/notifier/src/post-markers';
import { statusKeys } from '../../services/status/src/status-keys';
import { REPLY_CHOICE_IDS } from '../../services/status/src/slack/thread-answers';
import { TestSystem, eventually } from '../support/services';
import { signInToConsole } from '../support/console';

const API_KEY = 'thread-key-0123456789abcdef';
const BOT = 'thread-bot';
const SIGNING_SECRET = 'thread-test-signing-secret';
const PASSWORD = 'correct horse battery staple';
const CHANNEL = '#triage-thread';

jest.setTimeout(180000);

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  user?: string;
  bot_id?: string;
  blocks?: { type: string; text?: { text: string }; accessory?: { action_id: string; value: string } }[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  history?: unknown[];
}

interface Ephemeral {
  channelId: string;
  userId: string;
  text: string;
  ts: string;
  threadTs?: string;
  blocks?: { type: string; elements?: { action_id: string; value: string }[] }[];
}

describe('the Slack thread as the operators’ room', () => {
  const quiet = createLogger({ service: 'thread-e2e', level: 'silent' });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;

  const pointSandboxAtStatus = () =>
    fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        slack: {
          interactivityUrl: system.url('status', '/slack/interactions'),
          eventsUrl: system.url('status', '/slack/events'),
          signingSecret: SIGNING_SECRET,
        },
      }),
    });

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-thread',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_TRIAGE_CHANNEL: CHANNEL,
      INGRESS_API_KEYS: `${BOT}:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: 'http://console.test/',
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
      NOTIFIER_DIGEST_AFTER_MS: '60000',
      NOTIFIER_POST_INTERVAL_MS: '200',
    });
    await Promise.all((['status', 'ingress', 'classifier', 'notifier'] as const).map((name) => system.start(name)));
    await pointSandboxAtStatus();
  });

  afterAll(async () => {
    await system?.stopAll();
    await sandbox?.close();
    redis.disconnect();
  });

  const post = async (conversationId: string, text: string) => {
    const res = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({
        conversation_id: conversationId,
        user: { id: `u-${conversationId}`, name: 'Uma' },
        team: { id: 't-acme', name: 'Acme' },
        text,
      }),
    });
    expect(res.status).toBe(202);
  };
  const messages = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as SandboxMessage[];
  const ephemerals = async () => (await (await fetch(`${sandbox.url}/_sandbox/slack/ephemeral`)).json()) as Ephemeral[];
  const rootOf = (conversationId: string) =>
    eventually(
      async () =>
        (await messages()).find(
          (m) => !m.thread_ts && m.metadata?.event_payload.conversation_id === scopeId(BOT, conversationId),
        ),
      Boolean,
      30000,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;
  const thread = (root: SandboxMessage, atLeast: number, what: string) =>
    eventually(
      async () => (await messages()).filter((m) => m.thread_ts === root.ts),
      (r) => r.length >= atLeast,
      30000,
      what,
    );
  /** The thread once it holds a line containing each of `texts` (state lines come and go around them). */
  const threadWith = (root: SandboxMessage, texts: string[], what: string) =>
    eventually(
      async () => (await messages()).filter((m) => m.thread_ts === root.ts),
      (r) => texts.every((t) => r.some((m) => (m.text ?? '').includes(t))),
      30000,
      what,
    );
  const sandboxPost = async (path: string, body: object) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { ok: boolean | null; status?: number };
    expect(answer).toMatchObject({ ok: true, status: 200 });
    return answer;
  };
  const replyInSlack = (root: SandboxMessage, text: string) =>
    sandboxPost('/_sandbox/slack/reply', { channel: root.channel_id, threadTs: root.ts, text });
  const transcript = async (conversationId: string) =>
    (await redis.lrange(statusKeys(system.env.REDIS_KEY_PREFIX).transcript(scopeId(BOT, conversationId)), 0, -1)).map(
      (line) => JSON.parse(line) as { from: string; text: string; author: string },
    );

  async function consoleReply(conversationId: string, text: string): Promise<void> {
    const page = `/console/conversations/${encodeURIComponent(scopeId(BOT, conversationId))}`;
    const login = await signInToConsole(system.url('status', '/console/login'), {
      login: 'olivia',
      password: PASSWORD,
      next: page,
    });
    expect(login.status).toBe(303);
    const cookie = login.cookie!;
    const html = await (await fetch(system.url('status', page), { headers: { cookie } })).text();
    const form = /<form method="post" action="[^"]*\/messages" class="reply">[\s\S]*?<\/form>/.exec(html)![0];
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)![1];
    const sent = await fetch(system.url('status', `${page}/messages`), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: field('_csrf'), _form: field('_form'), text }).toString(),
      redirect: 'manual',
    });
    expect(sent.status).toBe(303);
  }

  it('shows a console reply once in the thread, and a reply typed in Slack only as typed', async () => {
    await post('c-room', 'my invoice is wrong');
    const root = await rootOf('c-room');
    await replyInSlack(root, 'Looking into it');
    await consoleReply('c-room', 'Fixed: a new invoice is on its way');
    const replies = await thread(root, 2, 'the Slack reply and the console reply');
    // Only the console's reply is posted by the app; the one typed in Slack is the person's own message.
    await eventually(
      () => transcript('c-room'),
      (t) => t.filter((e) => e.from === 'operator').length >= 2,
      30000,
      'both operator messages in the transcript',
    );
    await post('c-room', 'thanks!');
    // The thread also holds the state lines the replies caused ("taken over by olivia", "owner: olivia").
    const all = await threadWith(root, ['a new invoice is on its way', 'thanks!'], 'the console reply and the thanks');
    const texts = all.map((m) => m.text);
    expect(texts.filter((t) => t.includes('Looking into it'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('a new invoice is on its way'))).toEqual([
      ':speech_balloon: *olivia* (operator): Fixed: a new invoice is on its way',
    ]);
    expect(replies.length).toBeGreaterThanOrEqual(2);
  });

  it('promotes a digested conversation with Open thread, explains a reply in the digest’s thread, and threads later messages in the new root', async () => {
    // Hold the channel's digest flush while two conversations queue, so they are listed in one digest.
    const nKeys = notifierKeys(createKeys(system.env.REDIS_KEY_PREFIX));
    const flush = await new Locks(redis, nKeys, LOCK_SCOPES.digest, { ttlMs: 30000 }).acquire(CHANNEL);
    expect(flush).not.toBeNull();
    // Queued as a burst would queue them: the channel's next post slot is far away.
    await system.stop('notifier');
    await system.start('notifier', { NOTIFIER_DIGEST_AFTER_MS: '0' });
    await post('c-dig-a', 'first of the burst');
    await post('c-dig-b', 'second of the burst');
    await eventually(
      () => redis.zcard(nKeys.digestPending(CHANNEL)),
      (n) => n >= 2,
      30000,
      'two conversations queued',
    );
    await flush!.release();
    const digest = (await eventually(
      async () => (await messages()).find((m) => m.metadata?.event_type === 'switchboard_digest'),
      Boolean,
      30000,
      'the digest',
    )) as SandboxMessage;
    const a = scopeId(BOT, 'c-dig-a');
    const openThread = digest.blocks!.map((b) => b.accessory).find((x) => x?.value === a);
    expect(openThread?.action_id).toBe(SLACK_ACTION_IDS.openThread);

    // A reply in the digest's thread names neither: its writer is told so, privately.
    await replyInSlack(digest, 'who is this for?');
    const [explained] = await eventually(
      async () => (await ephemerals()).filter((m) => m.threadTs === digest.ts),
      (e) => e.length >= 1,
      30000,
      'the ephemeral explanation',
    );
    expect(explained.text).toContain('This thread lists 2 conversations');

    await system.stop('notifier');
    await system.start('notifier');
    await sandboxPost('/_sandbox/slack/click', {
      channel: digest.channel_id,
      ts: digest.ts,
      actionId: SLACK_ACTION_IDS.openThread,
      value: a,
    });
    const root = await rootOf('c-dig-a');
    expect(root.text).toContain('first of the burst');
    const moved = await eventually(
      async () => (await messages()).find((m) => m.ts === digest.ts),
      (m) => JSON.stringify(m?.blocks ?? []).includes('moved to its own thread'),
      30000,
      'the digest line marked as moved',
    );
    expect(moved!.blocks!.find((b) => b.text?.text.includes('first of the burst'))?.accessory).toBeUndefined();

    await post('c-dig-a', 'a follow-up');
    const [followUp] = await thread(root, 1, 'the follow-up in its own thread');
    expect(followUp.text).toBe('*User*: a follow-up');
    // An operator's reply in the new thread reaches the conversation.
    await replyInSlack(root, 'On it');
    await eventually(
      () => transcript('c-dig-a'),
      (t) => t.some((e) => e.from === 'operator' && e.text === 'On it'),
      30000,
      'the reply in the transcript',
    );
  });

  it('in confirm mode, asks Send / Keep as note privately and acts on the first choice only', async () => {
    await system.stop('status');
    await system.start('status', { STATUS_THREAD_REPLY_MODE: 'confirm' });
    await pointSandboxAtStatus();
    await post('c-confirm', 'can I get a refund?');
    const root = await rootOf('c-confirm');

    const ask = async (text: string) => {
      await replyInSlack(root, text);
      const [question] = await eventually(
        async () =>
          (await ephemerals()).filter((m) => m.threadTs === root.ts && JSON.stringify(m.blocks).includes(text)),
        (e) => e.length >= 1,
        30000,
        `the question about "${text}"`,
      );
      return question;
    };
    const click = (question: Ephemeral, actionId: string) =>
      sandboxPost('/_sandbox/slack/click', {
        channel: question.channelId,
        ts: question.ts,
        actionId,
      });

    const first = await ask('Yes, refunded');
    // Nothing reaches the user before the choice.
    expect((await transcript('c-confirm')).filter((e) => e.from === 'operator')).toEqual([]);
    await click(first, REPLY_CHOICE_IDS.send);
    await eventually(
      () => transcript('c-confirm'),
      (t) => t.some((e) => e.from === 'operator' && e.text === 'Yes, refunded'),
      30000,
      'the reply sent',
    );
    // A second choice for the same reply is too late.
    await click(first, REPLY_CHOICE_IDS.note);

    const second = await ask('Check their plan first');
    await click(second, REPLY_CHOICE_IDS.note);
    const entries = await eventually(
      () => transcript('c-confirm'),
      (t) => t.some((e) => e.from === 'note' && e.text === 'Check their plan first'),
      30000,
      'the note kept',
    );
    expect(entries.filter((e) => e.from === 'operator').map((e) => e.text)).toEqual(['Yes, refunded']);
    expect(entries.filter((e) => e.from === 'note').map((e) => e.text)).toEqual(['Check their plan first']);
    const told = (await ephemerals()).filter((m) => m.userId === first.userId).map((m) => m.text);
    expect(told).toEqual(
      expect.arrayContaining([
        'Sent to the user.',
        'Kept as an internal note; the user did not see it.',
        expect.stringContaining('already sent or kept as a note'),
      ]),
    );
  });
});
