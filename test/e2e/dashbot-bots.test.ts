// A Slack bot and a Messenger bot that log with Dashbot's real Node SDK reach Switchboard unchanged but
// for the SDK's server root: the whole system (five services as processes, real Kafka and Redis, the
// sandbox for Slack and Asana) turns their logs into a triage root, thread lines, one task each, and a
// transcript holding the bot's own replies (bot lines are not threaded in Slack nor commented on tasks).
import { hashPassword, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { TestSystem, eventually } from '../support/services';
import {
  dashbotClient,
  messengerSend,
  messengerSendResponse,
  messengerWebhook,
  slackBot,
  slackBotReply,
  slackTeam,
  slackThreadMessage,
  type Dashbot,
} from '../../services/ingress/test/dashbot/scenarios';
import { signInToConsole } from '../support/console';

const API_KEY = 'dashbot-e2e-key-0123456789';
const PASSWORD = 'dashbot-e2e-operator-password';

interface SandboxMessage {
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}
interface SandboxTask {
  name: string;
  notes: string;
  stories: { text: string }[];
}

describe('bots logging with the Dashbot SDK, through the whole system', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let dashbot: Dashbot;
  let cookie: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_TRIAGE_CHANNEL: '#triage-dashbot',
      ASANA_TOKEN: 'asana-e2e',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      INGRESS_API_KEYS: `dashbot-bot:${API_KEY}`,
      CONSOLE_BASE_URL: 'http://console.test/',
      // Each new conversation gets a root of its own here, never a burst digest.
      NOTIFIER_DIGEST_AFTER_MS: '600000',
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-dashbot-e2e-session-secret-0123456789',
    });
    await Promise.all(
      (['ingress', 'classifier', 'notifier', 'ticketer', 'status'] as const).map((name) => system.start(name)),
    );
    // The only change a Dashbot user makes: the SDK's server root (DASHBOT_SERVER_ROOT or serverRoot).
    dashbot = dashbotClient(API_KEY, system.url('ingress', ''));
    const login = await signInToConsole(system.url('status', '/console/login'), {
      login: 'olivia',
      password: PASSWORD,
    });
    expect(login.status).toBe(303);
    cookie = login.cookie!;
  }, 120000);

  afterAll(async () => {
    await system?.stopAll();
    await sandbox?.close();
  });

  const slackMessages = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as SandboxMessage[];
  const asanaTasks = async () => (await (await fetch(`${sandbox.url}/_sandbox/asana/tasks`)).json()) as SandboxTask[];
  /** Switchboard's id of the bot's conversation: scoped by the bot (its API key's name). */
  const scoped = (conversationId: string) => scopeId('dashbot-bot', conversationId);
  /** The triage root of a conversation: its buttons carry the (scoped) conversation id. */
  const rootOf = (messages: SandboxMessage[], conversationId: string) =>
    messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(`"${scoped(conversationId)}"`));
  const taskOf = (tasks: SandboxTask[], conversationId: string) =>
    tasks.filter(
      (t) =>
        t.notes.includes(`Switchboard conversation: ${scoped(conversationId)}\n`) ||
        t.notes.endsWith(`Switchboard conversation: ${scoped(conversationId)}`),
    );
  /** The conversation's transcript page in the operators' console. */
  const transcript = async (conversationId: string) =>
    (
      await fetch(system.url('status', `/console/conversations/${encodeURIComponent(scoped(conversationId))}`), {
        headers: { cookie },
      })
    ).text();
  const status = async (sent: Promise<unknown>) => ((await sent) as { status: number }).status;

  it("a Slack bot: the thread's first message is the root, the user's follow-up a thread line and a task comment, the bot's reply in the transcript", async () => {
    const conversation = 'C0SUPPORT:1764064800.000200';
    expect(await status(dashbot.slack.logIncoming(slackBot, slackTeam, slackThreadMessage))).toBe(202);
    const root = rootOf(
      await eventually(slackMessages, (m) => rootOf(m, conversation) !== undefined, 30000, 'the Slack root'),
      conversation,
    )!;
    expect(root.text).toContain('still waiting for the refund');
    expect(root.text).toContain('Acme');

    expect(await status(dashbot.slack.logOutgoing(slackBot, slackTeam, slackBotReply))).toBe(202);
    const followUp = { ...slackThreadMessage, text: 'I need the refund today', ts: '1764064920.000400' };
    expect(await status(dashbot.slack.logIncoming(slackBot, slackTeam, followUp))).toBe(202);

    const messages = await eventually(
      slackMessages,
      (m) => m.some((x) => x.thread_ts === root.ts && x.text.includes('I need the refund today')),
      30000,
      'the thread line',
    );
    expect(messages.filter((m) => rootOf([m], conversation))).toHaveLength(1);
    const [task] = await eventually(
      async () => taskOf(await asanaTasks(), conversation),
      (t) => t.length === 1 && t[0].stories.some((s) => s.text === 'U0ANN: I need the refund today'),
      30000,
      'the follow-up on the task',
    );
    expect(task.name).toBe('U0ANN (Acme): still waiting for the refund');
    const page = await eventually(
      () => transcript(conversation),
      (html) => html.includes('I need the refund today'),
      30000,
      'the transcript',
    );
    expect(page).toContain('Sorry about that! A person will look at the refund.');
  });

  it('a Messenger bot: one webhook body with two users makes two roots and tasks, the later message a thread line, the Send API reply in the transcript', async () => {
    expect(await status(dashbot.facebook.logIncoming(messengerWebhook))).toBe(202);
    const ann = '6543210987654321';
    const bob = '7777000011112222';
    const messages = await eventually(
      slackMessages,
      (m) => rootOf(m, ann) !== undefined && rootOf(m, bob) !== undefined,
      30000,
      'the two Messenger roots',
    );
    const annRoot = rootOf(messages, ann)!;
    expect(annRoot.text).toContain('My order never arrived');
    expect(rootOf(messages, bob)!.text).toContain('Talk to a human');
    await eventually(
      slackMessages,
      (m) => m.some((x) => x.thread_ts === annRoot.ts && x.text.includes('Refund')),
      30000,
      "Ann's quick reply in her thread",
    );

    expect(await status(dashbot.facebook.logOutgoing(messengerSend, messengerSendResponse))).toBe(202);
    const [task] = await eventually(
      async () => taskOf(await asanaTasks(), ann),
      // The quick reply's line, then its attachment's (the receipt image) as a link.
      (t) => t.length === 1 && t[0].stories.some((s) => s.text.startsWith(`${ann}: Refund\nAttachment: `)),
      30000,
      "the quick reply on Ann's task",
    );
    expect(task.name).toBe(`${ann} (unknown team): My order never arrived`);
    expect(
      (
        await eventually(
          async () => taskOf(await asanaTasks(), bob),
          (t) => t.length === 1,
          30000,
          "Bob's task",
        )
      )[0].name,
    ).toContain('Talk to a human');
    await eventually(
      () => transcript(ann),
      (html) => html.includes('Sorry! Do you want a refund or a replacement?'),
      30000,
      "the bot's reply in Ann's transcript",
    );
  });

  it("never writes the API key the SDK puts in the query string to any service's log", () => {
    const lines = [...system.services.values()].flatMap((service) => service.output);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(API_KEY))).toEqual([]);
  });
});
