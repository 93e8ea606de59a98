// The bot's handoff through the whole system (real Kafka and Redis, the services as processes, the sandbox
// for Slack, the example bot on its webhook): a handoff makes control "waiting", the Slack root shows the
// request with Take over first, a signed Take over click makes it "human", the console shows the request and
// a hand-back's note reaches the bot; without a click the bot receives one signed `handoff_timeout` and ingress says "bot"
// again; a status replica killed with -9, a second replica, and a replica that died holding a claim neither
// lose nor double the timeout.
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { createLogger, hashPassword, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { connectRedis, createRedis } from '@switchboard/store';
import { ExampleBot, type ConversationUser } from '@switchboard/example-bot';
import { HandoffStore } from '../../services/status/src/conversation/handoff';
import { statusKeys } from '../../services/status/src/status-keys';
import { TestSystem, eventually } from '../support/services';
import { postSignedClick } from '../support/slack';
import { signInToConsole } from '../support/console';

const API_KEY = 'handoff-key-0123456789abcdef';
const BOT = 'handoff-bot';
const SIGNING_SECRET = 'handoff-test-signing-secret';
const WEBHOOK_SECRET = 'handoff-test-bot-webhook-secret';
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(180000);

/** The short timeout the tests of the timeout run with. */
const FAST = { HANDOFF_TIMEOUT_SECONDS: '2' };

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Earlier versions, oldest first (one per chat.update). */
  history?: { text: string; blocks?: unknown[] }[];
}

describe('a handoff the bot asks for', () => {
  const quiet = createLogger({ service: 'handoff-e2e', level: 'silent' });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  /** A second status replica: the same topics, keys and consumer groups, started as another process. */
  let replica: TestSystem;
  let bot: ExampleBot;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    bot = new ExampleBot({
      ingressUrl: 'http://127.0.0.1:1',
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      log: () => undefined,
    });
    const botUrl = await bot.start();
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-handoff',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_TRIAGE_CHANNEL: '#triage-handoff',
      INGRESS_API_KEYS: `${BOT}:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: 'http://console.test/',
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
      BOT_WEBHOOK_URL: botUrl,
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFIER_DIGEST_AFTER_MS: '60000',
      // Long enough that the Take over test clicks before any deadline; the timeout tests restart status with FAST.
      HANDOFF_TIMEOUT_SECONDS: '120',
      HANDOFF_CLAIM_LEASE_SECONDS: '3',
    });
    replica = new TestSystem({ ...system.env });
    await Promise.all((['status', 'ingress', 'classifier', 'notifier'] as const).map((name) => system.start(name)));
    (bot as unknown as { options: { ingressUrl: string } }).options.ingressUrl = system.url('ingress');
  });

  afterAll(async () => {
    await replica?.stopAll();
    await system?.stopAll();
    await bot?.stop();
    await sandbox?.close();
    redis.disconnect();
  });

  const keys = () => statusKeys(system.env.REDIS_KEY_PREFIX);
  const who = (conversationId: string): ConversationUser => ({
    conversationId,
    user: { id: `u-${conversationId}`, name: 'Uma' },
    team: { id: 't-acme', name: 'Acme' },
  });
  const control = async (conversationId: string) => {
    const statusUrl = (replica.services.has('status') ? replica : system).url(
      'status',
      `/v1/conversations/${conversationId}/control`,
    );
    return (await (await fetch(statusUrl, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as {
      control: string;
      handoff?: { reason: string };
    };
  };
  const timeouts = (conversationId: string) =>
    bot.notices.filter((n) => n.type === 'handoff_timeout' && n.conversationId === conversationId);
  const deliveriesOf = (eventId: string) => bot.deliveries.filter((id) => id === eventId).length;
  const slackMessages = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as SandboxMessage[];
  const rootOf = (conversationId: string) =>
    eventually(
      async () =>
        (await slackMessages()).find(
          (m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(scopeId(BOT, conversationId)),
        ),
      Boolean,
      30000,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;

  const firstButton = (m: { blocks?: unknown[] }) =>
    (m.blocks as { type: string; elements?: { action_id: string }[] }[]).find((b) => b.type === 'actions')
      ?.elements?.[0]?.action_id;

  const signedClick = (conversationId: string, actionId: string) =>
    postSignedClick({
      url: system.url('status', '/slack/interactions'),
      signingSecret: SIGNING_SECRET,
      actionId,
      value: scopeId(BOT, conversationId),
    });

  /**
   * Asks for a handoff again in the same conversation and waits for its timeout: bot.outbound is keyed by
   * conversation, so any copy of an earlier timeout was delivered before this one.
   */
  async function afterAnotherTimeout(conversationId: string) {
    const before = timeouts(conversationId).length;
    await eventually(
      () => redis.zscore(keys().handoffDeadlines(), scopeId(BOT, conversationId)),
      (score) => score === null,
      30000,
      'the first handoff settled',
    );
    expect(await bot.userSays(who(conversationId), '/human')).toBe('waiting');
    await eventually(
      async () => timeouts(conversationId).length,
      (n) => n > before,
      60000,
      'the second timeout',
    );
  }

  it('makes control "waiting" for a handoff, "human" after a signed Take over click, and gives the bot the hand-back note', async () => {
    const id = 'conv-taken';
    expect(await bot.userSays(who(id), 'I want to change my plan')).toBe('bot');
    expect(await bot.userSays(who(id), '/human')).toBe('waiting');
    // Ingress set it before answering; the request's details follow once the status service has the event.
    expect((await control(id)).control).toBe('waiting');
    expect(
      await eventually(
        () => control(id),
        (c) => c.handoff !== undefined,
        30000,
        'the request in the control API',
      ),
    ).toMatchObject({
      control: 'waiting',
      handoff: { reason: 'The user asked for a person' },
    });
    // While waiting, the bot holds; ingress says so on every event.
    expect(await bot.userSays(who(id), 'hello?')).toBe('waiting');

    // The existing conversation's root is updated: the request, and Take over first.
    const root = await eventually(
      () => rootOf(id),
      (m) => JSON.stringify(m.blocks).includes('The bot asks for a human'),
      30000,
      'the root showing the handoff',
    );
    expect(JSON.stringify(root.blocks)).toContain('*The bot asks for a human:* The user asked for a person');
    expect(firstButton(root)).toBe(SLACK_ACTION_IDS.takeover);
    expect((await signedClick(id, SLACK_ACTION_IDS.takeover)).status).toBe(200);
    await eventually(
      () => control(id),
      (c) => c.control === 'human',
      30000,
      'control human after the click',
    );
    expect(await bot.userSays(who(id), 'anyone there?')).toBe('human');
    // The clock stopped: no deadline is left to time out.
    expect(await redis.zscore(keys().handoffDeadlines(), scopeId(BOT, id))).toBeNull();
    expect(await redis.hget(keys().handoff(scopeId(BOT, id)), 'outcome')).toBe('taken');

    // The console shows the request; handing back with a note gives the bot the note.
    const page = `/console/conversations/${encodeURIComponent(scopeId(BOT, id))}`;
    const login = await signInToConsole(system.url('status', '/console/login'), {
      login: 'olivia',
      password: PASSWORD,
      next: page,
    });
    expect(login.status).toBe(303);
    const cookie = login.cookie!;
    const html = await (await fetch(system.url('status', page), { headers: { cookie } })).text();
    expect(html).toContain('The bot asks for a human: The user asked for a person');
    expect(html).toContain('<dt>platform</dt><dd>web</dd>');
    const form = /<form[^>]*data-action="handback"[\s\S]*?<\/form>/.exec(html)![0];
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)![1];
    const handBack = await fetch(system.url('status', `${page}/actions`), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: field('_csrf'),
        _form: field('_form'),
        action: 'handback',
        note: 'Plan changed to Pro; offer the survey',
      }).toString(),
      redirect: 'manual',
    });
    expect(handBack.status).toBe(303);
    const [back] = await eventually(
      async () => bot.notices.filter((n) => n.type === 'handed_back' && n.conversationId === id),
      (n) => n.length === 1,
      30000,
      'handed_back at the bot',
    );
    expect(back.note).toBe('Plan changed to Pro; offer the survey');
    expect(await bot.userSays(who(id), 'thanks')).toBe('bot');
  });

  it('gives control back to the bot when no operator takes over, with one signed handoff_timeout', async () => {
    await system.stop('status');
    await system.start('status', FAST);
    const id = 'conv-timeout';
    // The conversation starts with the handoff itself (no message before it).
    expect(await bot.askForHuman(who(id), 'The user asked for a person', 'Wants to <b>cancel</b>')).toBe('waiting');
    // A conversation that starts with the handoff: its new root shows the request (as posted; the timeout
    // may have updated it since).
    const root = await rootOf(id);
    const [posted] = [...(root.history ?? []), root];
    expect(JSON.stringify(posted.blocks)).toContain('*The bot asks for a human:* The user asked for a person');
    expect(JSON.stringify(posted.blocks)).toContain('>Wants to &lt;b&gt;cancel&lt;/b&gt;');
    expect(firstButton(posted)).toBe(SLACK_ACTION_IDS.takeover);
    const [notice] = await eventually(
      async () => timeouts(id),
      (n) => n.length === 1,
      60000,
      'handoff_timeout at the bot',
    );
    // The example bot only keeps what passed its signature check (a wrong signature is a 401).
    expect(notice).toMatchObject({
      type: 'handoff_timeout',
      botId: BOT,
      conversationId: id,
      reason: 'The user asked for a person',
    });
    expect(await bot.userSays(who(id), 'ok, thanks')).toBe('bot');
    expect((await control(id)).control).toBe('bot');

    await afterAnotherTimeout(id);
    expect(deliveriesOf(notice.eventId)).toBe(1);
  });

  it('neither loses nor doubles the timeout when a status replica is killed with -9 and another runs', async () => {
    await replica.start('status', FAST);
    const id = 'conv-crash';
    expect(await bot.userSays(who(id), '/human')).toBe('waiting');
    await eventually(
      () => redis.zscore(keys().handoffDeadlines(), scopeId(BOT, id)),
      (score) => score !== null,
      30000,
      'the deadline scheduled',
    );
    await system.stop('status', 'SIGKILL');

    const [notice] = await eventually(
      async () => timeouts(id),
      (n) => n.length === 1,
      90000,
      'handoff_timeout from the surviving replica',
    );
    expect(await bot.userSays(who(id), 'still there?')).toBe('bot');
    await afterAnotherTimeout(id);
    expect(deliveriesOf(notice.eventId)).toBe(1);
  });

  it('times out a handoff whose claimer died before publishing, once, after the claim lease', async () => {
    const id = 'conv-dead-claim';
    const scoped = scopeId(BOT, id);
    // A replica that claims the due deadline (control goes back to the bot) and dies before publishing.
    const dead = new HandoffStore(redis, keys(), 3000, 3600);
    const now = Date.now();
    await dead.schedule(
      scoped,
      {
        requestId: `${BOT}:dead-claim-request`,
        reason: 'claimed, then died',
        summary: '',
        team: '',
        metadata: {},
        requestedAt: new Date(now).toISOString(),
        until: new Date(now).toISOString(),
      },
      now,
    );
    expect(await dead.claim(scoped, now)).toBe(`${BOT}:dead-claim-request`);

    const [notice] = await eventually(
      async () => timeouts(id),
      (n) => n.length === 1,
      60000,
      'handoff_timeout after the lease',
    );
    expect(notice.reason).toBe('claimed, then died');
    await afterAnotherTimeout(id);
    expect(deliveriesOf(notice.eventId)).toBe(1);
  });
});
