// The notifier's settings, read once from the environment by main.ts.
import { ConfigError, budgetsSetting, commonSpec, env, readConfig, type Env, type Setting } from '@switchboard/core';
import { MAX_DIGEST_SIZE } from './limits';
import { isChannel, routesSetting } from './route-setting';

function channelSetting(variable: string, fallback: string): Setting<string> {
  const base = env.string(variable, fallback);
  return {
    variable,
    parse(text) {
      const channel = base.parse(text);
      if (!isChannel(channel)) throw new ConfigError(variable, `"${channel}" is not a channel name (#name) or id (C…)`);
      return channel;
    },
  };
}

export const notifierSpec = {
  ...commonSpec,
  port: env.int('NOTIFIER_PORT', 9102, { min: 0, max: 65535 }),
  groupId: env.string('NOTIFIER_GROUP_ID', 'switchboard-notifier'),
  slackToken: env.string('SLACK_BOT_TOKEN'),
  slackApiUrl: env.url('SLACK_API_URL', 'https://slack.com/api/'),
  /** The default channel for new conversations. */
  triageChannel: channelSetting('SLACK_TRIAGE_CHANNEL', '#triage'),
  /** Channels by priority, team or platform (see routes.ts); first match wins, else the triage channel. */
  routes: routesSetting('NOTIFIER_ROUTES'),
  threadMinimum: env.oneOf('NOTIFIER_THREAD_MIN_PRIORITY', ['low', 'normal', 'high', 'urgent'] as const, 'normal'),
  /** The bot's replies go into the conversation's thread, as the user's messages do. */
  threadBotMessages: env.bool('NOTIFIER_THREAD_BOT_MESSAGES', true),
  consoleBaseUrl: env.url('CONSOLE_BASE_URL', 'http://localhost:8081/'),
  /**
   * At most one post per channel this often, across all replicas. Slack allows about one a second; the
   * margin absorbs the network and scheduling jitter between the replicas' clocks and Slack's.
   */
  /** SWITCHBOARD_BUDGETS=off: no posting or update budget at all (benchmarks; refused outside bench/development). */
  budgets: budgetsSetting,
  postIntervalMs: env.int('NOTIFIER_POST_INTERVAL_MS', 1200, { min: 100, max: 60000 }),
  /** Posts a channel may send at once after a quiet period. */
  postBurst: env.int('NOTIFIER_POST_BURST', 1, { min: 1, max: 20 }),
  /** chat.update budget (Slack Tier 3, about 50 a minute), shared by all replicas and channels. */
  updatesPerMinute: env.int('NOTIFIER_UPDATES_PER_MINUTE', 45, { min: 1, max: 1000 }),
  /** A new conversation whose own post would wait longer than this joins the channel's next digest. */
  digestAfterMs: env.int('NOTIFIER_DIGEST_AFTER_MS', 3000, { min: 0, max: 600000 }),
  /** Most conversations in one digest message. */
  digestMaxSize: env.int('NOTIFIER_DIGEST_MAX', 100, { min: 2, max: MAX_DIGEST_SIZE }),
  /**
   * How long a crashed replica's conversation and channel locks block the others. A live holder renews its
   * locks while it works, however long it waits for Slack.
   */
  lockTtlMs: env.int('NOTIFIER_LOCK_TTL_MS', 15000, { min: 300, max: 300000 }),
  /** How often each replica looks for pending digests. */
  digestPollMs: env.int('NOTIFIER_DIGEST_POLL_MS', 500, { min: 50, max: 60000 }),
};

export const readNotifierConfig = (source: Env) => readConfig(notifierSpec, source);
export type NotifierConfig = ReturnType<typeof readNotifierConfig>;
