// The whole system as the operator-facing tests run it: the sandbox as Slack and Asana, the example bot on
// its webhook, the five services as processes, a console operator (olivia) with a password; and readers of
// what the sandbox holds (Slack messages, Asana tasks, the task and root of a conversation).
import { hashPassword, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { ExampleBot } from '@switchboard/example-bot';
import { TestSystem, freePort, type ServiceName } from './services';
import { signInToConsole } from './console';

export interface OperatorSystemOptions {
  /** The bot's name (its API key's name): conversation ids are scoped by it. */
  bot: string;
  apiKey: string;
  signingSecret: string;
  webhookSecret: string;
  /** olivia's console password. */
  password: string;
  channel: string;
  /** More settings, or overrides, for every service. */
  env?: Record<string, string>;
}

export interface OperatorSystem {
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  system: TestSystem;
  bot: ExampleBot;
  statusPort: number;
  /** A URL on the status service. */
  status(path: string): string;
  /** Switchboard's id of the bot's conversation. */
  scoped(conversationId: string): string;
  slackMessages<M>(): Promise<M[]>;
  asanaTasks<T>(): Promise<T[]>;
  /** The task whose notes name the conversation. */
  taskOf<T extends { notes: string }>(conversationId: string): Promise<T | undefined>;
  /** The conversation's top-level Slack message (its own root). */
  rootOf<M extends { thread_ts?: string }>(conversationId: string): Promise<M | undefined>;
  /** Signs olivia in to the console; the session cookie. */
  login(): Promise<string>;
  stop(): Promise<void>;
}

export async function startOperatorSystem(options: OperatorSystemOptions): Promise<OperatorSystem> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
  const bot = new ExampleBot({
    ingressUrl: 'http://127.0.0.1:1',
    apiKey: options.apiKey,
    webhookSecret: options.webhookSecret,
    log: () => undefined,
  });
  const botUrl = await bot.start();
  const statusPort = await freePort();
  const system = new TestSystem({
    SLACK_BOT_TOKEN: `xoxb-${options.bot}`,
    SLACK_API_URL: sandbox.slackApiUrl,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_TRIAGE_CHANNEL: options.channel,
    ASANA_TOKEN: `asana-${options.bot}`,
    ASANA_BASE_URL: sandbox.asanaBaseUrl,
    ASANA_PROJECT_GID: '1200000000000001',
    ASANA_WORKSPACE_GID: '1100000000000001',
    ASANA_WEBHOOK_TARGET_URL: `http://127.0.0.1:${statusPort}/asana/webhook`,
    INGRESS_API_KEYS: `${options.bot}:${options.apiKey}`,
    INGRESS_RATE_PER_SECOND: '0',
    CONSOLE_BASE_URL: `http://127.0.0.1:${statusPort}/`,
    CONSOLE_OPERATORS: `olivia:${await hashPassword(options.password, { N: 1024 })}`,
    CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
    BOT_WEBHOOK_URL: botUrl,
    BOT_WEBHOOK_SECRET: options.webhookSecret,
    NOTIFIER_DIGEST_AFTER_MS: '60000',
    TICKETER_COMMENT_WINDOW_MS: '200',
    ...options.env,
  });
  await system.start('status', { STATUS_PORT: String(statusPort) });
  const others: ServiceName[] = ['ingress', 'classifier', 'notifier', 'ticketer'];
  await Promise.all(others.map((name) => system.start(name)));
  (bot as unknown as { options: { ingressUrl: string } }).options.ingressUrl = system.url('ingress');

  const status = (path: string) => system.url('status', path);
  const scoped = (conversationId: string) => scopeId(options.bot, conversationId);
  const read = async <T>(path: string) => (await (await fetch(`${sandbox.url}${path}`)).json()) as T;
  const slackMessages = <M>() => read<M[]>('/_sandbox/slack/messages');
  const asanaTasks = <T>() => read<T[]>('/_sandbox/asana/tasks');
  return {
    sandbox,
    system,
    bot,
    statusPort,
    status,
    scoped,
    slackMessages,
    asanaTasks,
    taskOf: async <T extends { notes: string }>(conversationId: string) =>
      (await asanaTasks<T>()).find((t) =>
        t.notes.split('\n').includes(`Switchboard conversation: ${scoped(conversationId)}`),
      ),
    rootOf: async <M extends { thread_ts?: string }>(conversationId: string) =>
      (await slackMessages<M>()).find((m) => !m.thread_ts && JSON.stringify(m).includes(`"${scoped(conversationId)}"`)),
    login: async () => {
      const res = await signInToConsole(status('/console/login'), {
        login: 'olivia',
        password: options.password,
        next: '/console',
      });
      if (res.status !== 303) throw new Error(`console login answered ${res.status}, not 303`);
      return res.cookie!;
    },
    stop: async () => {
      await system.stopAll();
      await bot.stop();
      await sandbox.close();
    },
  };
}
