// The status service's settings, read once from the environment by main.ts.
import { isChannel, parseRoutes, RoutesError, type Route } from '@switchboard/agreements';
import { ConfigError, apiKeyEntries, commonSpec, env, readConfig, type Env, type Setting } from '@switchboard/core';
import { AddressList, parseTrustProxy } from './addresses';
import { parseAllowedOperators } from './slack/operator-policy';
import { THREAD_REPLY_MODES } from './slack/reply-mode';

/** NOTIFIER_ROUTES, read as the notifier reads it, so an SLA policy can match the channel a conversation goes to. */
const routesSetting: Setting<Route[]> = {
  variable: 'NOTIFIER_ROUTES',
  parse(text) {
    try {
      return text === undefined ? [] : parseRoutes(text);
    } catch (err) {
      if (err instanceof RoutesError) throw new ConfigError('NOTIFIER_ROUTES', err.message);
      throw err;
    }
  },
};

const triageChannelSetting: Setting<string> = {
  variable: 'SLACK_TRIAGE_CHANNEL',
  parse(text) {
    const channel = env.string('SLACK_TRIAGE_CHANNEL', '#triage').parse(text);
    if (!isChannel(channel))
      throw new ConfigError('SLACK_TRIAGE_CHANNEL', `"${channel}" is not a channel name (#name) or id (C…)`);
    return channel;
  },
};

export const statusSpec = {
  ...commonSpec,
  port: env.int('STATUS_PORT', 8081, { min: 0, max: 65535 }),
  /**
   * Behind a proxy (an Ingress): the proxies' addresses (CIDRs, comma-separated) or a hop count; client
   * addresses (for the sign-in limit) then come from X-Forwarded-For as far back as those proxies.
   */
  trustProxy: env.optionalString('STATUS_TRUST_PROXY'),
  groupId: env.string('STATUS_GROUP_ID', 'switchboard-status'),
  transcriptMaxEntries: env.int('TRANSCRIPT_MAX_ENTRIES', 1000, { min: 10 }),
  transcriptRetentionDays: env.int('TRANSCRIPT_RETENTION_DAYS', 30, { min: 1 }),
  /** Bots ask who is in control with the same keys they post events with. */
  apiKeys: env.list('INGRESS_API_KEYS', []),
  apiKeysFile: env.optionalString('INGRESS_API_KEYS_FILE'),

  slackSigningSecret: env.optionalString('SLACK_SIGNING_SECRET'),
  slackBotToken: env.optionalString('SLACK_BOT_TOKEN'),
  slackApiUrl: env.optionalString('SLACK_API_URL'),
  /** Slack user ids and user-group ids who may act from Slack; empty: every full member (never guests or other workspaces). */
  slackAllowedOperators: env.list('SLACK_ALLOWED_OPERATORS', []),
  /** A thread reply starting with this stays internal: a note on the task, never sent to the user. */
  notePrefix: env.string('STATUS_NOTE_PREFIX', 'note:'),
  /** What a thread reply does: `send` it to the user, keep it as a `note`, or `confirm` with the operator first. */
  threadReplyMode: env.oneOf('STATUS_THREAD_REPLY_MODE', THREAD_REPLY_MODES, 'send'),

  asanaToken: env.optionalString('ASANA_TOKEN'),
  asanaBaseUrl: env.url('ASANA_BASE_URL', 'https://app.asana.com/api/1.0'),
  asanaProjectGid: env.optionalString('ASANA_PROJECT_GID'),
  asanaWorkspaceGid: env.string('ASANA_WORKSPACE_GID', '1100000000000001'),
  /** The public URL of this service's /asana/webhook; when set, the webhook is registered at start-up. */
  asanaWebhookTargetUrl: env.optionalString('ASANA_WEBHOOK_TARGET_URL'),
  /** For a webhook registered by hand: the X-Hook-Secret Asana gave then. */
  asanaWebhookSecret: env.optionalString('ASANA_WEBHOOK_SECRET'),

  consoleBaseUrl: env.url('CONSOLE_BASE_URL', 'http://localhost:8081/'),
  /** Signs console sessions and CSRF tokens; at least 32 characters. */
  consoleSessionSecret: env.optionalString('CONSOLE_SESSION_SECRET'),
  /** `login:scrypt$…` pairs, comma-separated (`switchboard hash-password` makes the hash). */
  consoleOperators: env.list('CONSOLE_OPERATORS', []),
  /** A YAML file of operators with names, emails and Slack user ids. */
  consoleOperatorsFile: env.optionalString('CONSOLE_OPERATORS_FILE'),
  /** Behind an auth proxy: the header carrying the signed-in operator's login or email. */
  consoleTrustedHeader: env.optionalString('CONSOLE_TRUSTED_HEADER'),
  /** The auth proxy's addresses (CIDRs): the trusted header counts only on connections from these. */
  consoleTrustedProxyCidrs: env.list('CONSOLE_TRUSTED_PROXY_CIDRS', []),
  consoleSessionHours: env.int('CONSOLE_SESSION_HOURS', 12, { min: 1, max: 24 * 30 }),
  /** A console session with no request for this long ends. */
  consoleSessionIdleMinutes: env.int('CONSOLE_SESSION_IDLE_MINUTES', 480, { min: 1, max: 24 * 60 * 30 }),
  /** A takeover with no operator message for this long is handed back to the bot. */
  takeoverIdleMinutes: env.int('TAKEOVER_IDLE_MINUTES', 30, { min: 1 }),
  /** How long a bot's request for a human waits for an operator before control goes back to the bot. */
  handoffTimeoutSeconds: env.int('HANDOFF_TIMEOUT_SECONDS', 300, { min: 1 }),
  /** How long a replica's claim on a due handoff holds before another replica may time it out instead. */
  handoffClaimLeaseSeconds: env.int('HANDOFF_CLAIM_LEASE_SECONDS', 30, { min: 1 }),

  botWebhookUrl: env.optionalString('BOT_WEBHOOK_URL'),
  botWebhookSecret: env.optionalString('BOT_WEBHOOK_SECRET'),
  botWebhookMaxAttempts: env.int('BOT_WEBHOOK_MAX_ATTEMPTS', 8, { min: 1 }),
  botWebhookTimeoutMs: env.int('BOT_WEBHOOK_TIMEOUT_MS', 5000, { min: 100 }),
  /** The SLA policy (YAML): review and reply deadlines, reminders, escalation; none when unset. */
  slaPolicyFile: env.optionalString('SLA_POLICY_FILE'),
  /** The notifier's routes and default channel: an SLA policy's `match.route` is matched on the channel they give. */
  notifierRoutes: routesSetting,
  triageChannel: triageChannelSetting,
  /** How long a replica's claim on a due SLA step holds before another replica may publish it instead. */
  slaClaimLeaseSeconds: env.int('SLA_CLAIM_LEASE_SECONDS', 30, { min: 1 }),
  /** Signs the SLA escalation webhooks (as BOT_WEBHOOK_SECRET signs the bot's); BOT_WEBHOOK_SECRET when unset. */
  slaWebhookSecret: env.optionalString('SLA_WEBHOOK_SECRET'),
  slaWebhookMaxAttempts: env.int('SLA_WEBHOOK_MAX_ATTEMPTS', 8, { min: 1 }),
  /** How long a request waits for its action to be in Kafka before a 503 (the work goes on; Slack gives 3 s). */
  publishTimeoutMs: env.int('STATUS_PUBLISH_TIMEOUT_MS', 2500, { min: 100 }),
};

export function readStatusConfig(source: Env) {
  const config = readConfig(statusSpec, source);
  if (config.consoleSessionSecret !== undefined && config.consoleSessionSecret.length < 32) {
    throw new ConfigError('CONSOLE_SESSION_SECRET', 'must be at least 32 characters');
  }
  if (config.botWebhookUrl && !config.botWebhookSecret) {
    throw new ConfigError(
      'BOT_WEBHOOK_SECRET',
      'is required with BOT_WEBHOOK_URL: every delivery to the bot is signed',
    );
  }
  if (config.botWebhookSecret !== undefined && config.botWebhookSecret.length < 16) {
    throw new ConfigError('BOT_WEBHOOK_SECRET', 'must be at least 16 characters');
  }
  if (config.asanaWebhookTargetUrl && !(config.asanaToken && config.asanaProjectGid)) {
    throw new ConfigError(
      'ASANA_WEBHOOK_TARGET_URL',
      'needs ASANA_TOKEN and ASANA_PROJECT_GID to register the webhook',
    );
  }
  if (config.slackSigningSecret && !config.slackBotToken) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN',
      'is required with SLACK_SIGNING_SECRET: it checks who may act from Slack (users.info)',
    );
  }
  if (config.consoleTrustedHeader && config.consoleTrustedProxyCidrs.length === 0) {
    throw new ConfigError(
      'CONSOLE_TRUSTED_PROXY_CIDRS',
      "is required with CONSOLE_TRUSTED_HEADER: give the auth proxy's addresses (e.g. the ingress controller's pod CIDR), or anyone could send the header",
    );
  }
  return {
    ...config,
    apiKeys: apiKeyEntries(config.apiKeys, config.apiKeysFile),
    trustProxy: parseTrustProxy(config.trustProxy),
    slackAllowedOperators: parseAllowedOperators(config.slackAllowedOperators),
    consoleTrustedProxies: new AddressList('CONSOLE_TRUSTED_PROXY_CIDRS', config.consoleTrustedProxyCidrs),
  };
}

export type StatusConfig = ReturnType<typeof readStatusConfig>;
