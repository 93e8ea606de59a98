// The status service: where operators act. Slack buttons and thread replies, Asana task completion and the
// console become conv.status and bot.outbound events; transcripts, conversation summaries and takeovers
// are kept in Redis; operator messages reach the bot on Kafka or through a signed webhook.
import { ConfigError, parseApiKeys } from '@switchboard/core';
import { Topics } from '@switchboard/bus';
import { Runtime } from '@switchboard/runtime';
import { ConversationRefs, DoneMarks, RateBudget, SpamMarks } from '@switchboard/store';
import { AsanaApi } from './asana/asana-client';
import { keepAsanaWebhookRegistered } from './asana/asana-registration';
import { warnIfOwnAsanaUserIsAnOperator } from './asana/own-user-check';
import { registerAsanaRoutes } from './asana/asana-routes';
import { AsanaWebhookSecrets } from './asana/asana-webhook-secrets';
import { botWebhookHandler } from './bot/bot-webhook';
import { readStatusConfig } from './config';
import { ConsoleAuth } from './console/console-auth';
import { registerConsoleRoutes } from './console/console-routes';
import { ConsoleSessions } from './console/console-sessions';
import { registerControlApi } from './control/control-routes';
import { OperatorActions } from './conversation/actions';
import { ConversationIndex } from './conversation/conversations';
import { DeliveryLog } from './conversation/delivery-log';
import { LiveHub } from './conversation/live';
import { HandoffStore } from './conversation/handoff';
import { OwnerStore } from './conversation/owner';
import { startHandoffSweep } from './conversation/handoff-sweep';
import {
  classifiedBatchRecorder,
  classifiedRecorder,
  handoffRecorder,
  outboundRecorder,
  statusRecorder,
} from './conversation/record';
import { RecordStore } from './conversation/record-store';
import { reopenBatchOnUserMessages, reopenOnUserMessage } from './conversation/reopen';
import { ReopenStore } from './conversation/reopen-store';
import { spamMarkRecorder } from './conversation/spam-record';
import { TakeoverStore } from './conversation/takeover';
import { startTakeoverSweep } from './conversation/takeover-sweep';
import { TimelineList } from './conversation/timeline-list';
import { TimelineStore } from './conversation/timeline-store';
import { TranscriptStore } from './conversation/transcript';
import { createTriageMetrics } from './conversation/triage-metrics';
import { InboundOnce } from './inbound-once';
import { Identities } from './operators/identities';
import { OperatorDirectory, loadOperators } from './operators/operators';
import { watchOperators } from './operators/operators-reload';
import { wireSla } from './sla/sla-wiring';
import { SlackMembers } from './slack/slack-members';
import { registerSlackRoutes } from './slack/slack-routes';
import { SlackEphemeral } from './slack/slack-ephemeral';
import { ThreadReplies } from './slack/reply-mode';
import { SpamChoice } from './slack/spam-choice';
import { statusKeys } from './status-keys';

async function main(): Promise<void> {
  const config = readStatusConfig(process.env);
  const apiKeys = parseApiKeys(config.apiKeys);
  const directory = new OperatorDirectory(loadOperators(config.consoleOperators, config.consoleOperatorsFile));
  const consoleEnabled = directory.accounts.length > 0 || config.consoleTrustedHeader !== undefined;
  if (consoleEnabled && !config.consoleSessionSecret) {
    throw new ConfigError(
      'CONSOLE_SESSION_SECRET',
      'is required when console operators or CONSOLE_TRUSTED_HEADER are configured (it signs sessions and CSRF tokens)',
    );
  }

  const runtime = new Runtime({ service: 'status', config, httpPort: config.port, trustProxy: config.trustProxy });
  const { redis, logger, metrics } = runtime;
  const keys = statusKeys(config.redisKeyPrefix);
  const retentionSeconds = config.transcriptRetentionDays * 86400;
  const transcripts = new TranscriptStore(redis, keys, config.transcriptMaxEntries, retentionSeconds);
  const conversations = new ConversationIndex(redis, keys, retentionSeconds);
  const takeovers = new TakeoverStore(redis, keys, config.takeoverIdleMinutes * 60000, retentionSeconds);
  const handoffs = new HandoffStore(redis, keys, config.handoffClaimLeaseSeconds * 1000, retentionSeconds);
  const refs = new ConversationRefs(redis, keys);
  const live = new LiveHub(redis, keys, logger);
  const deliveries = new DeliveryLog(redis, keys, live, retentionSeconds);
  const once = new InboundOnce(redis, keys, { answerWithinMs: config.publishTimeoutMs, logger });
  const owners = new OwnerStore(redis, keys, retentionSeconds);
  const spam = new SpamMarks(redis, keys);
  const actions = new OperatorActions({
    publisher: runtime.publisher,
    takeovers,
    handoffs,
    conversations,
    owners,
    logger,
    spam,
  });
  const asana =
    config.asanaToken && config.asanaProjectGid
      ? new AsanaApi(
          {
            token: config.asanaToken,
            baseUrl: config.asanaBaseUrl,
            workspaceGid: config.asanaWorkspaceGid,
            projectGid: config.asanaProjectGid,
          },
          metrics,
        )
      : undefined;
  const identities = new Identities({
    redis,
    keys,
    directory,
    logger,
    metrics,
    slack: config.slackBotToken ? { token: config.slackBotToken, apiUrl: config.slackApiUrl } : undefined,
    asana,
  });

  // The bus: transcripts and summaries, and the bot's webhook when there is one.
  const timelines = new TimelineStore(redis, keys, retentionSeconds);
  const triage = createTriageMetrics(metrics, timelines, logger);
  const recorders = {
    records: new RecordStore(redis, { transcripts, conversations, timelines, deliveries, live }),
    metrics,
    webhook: Boolean(config.botWebhookUrl),
    triage,
  };
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.classified,
    handler: classifiedRecorder(recorders),
    batchHandler: classifiedBatchRecorder(recorders),
  });
  runtime.consume({
    groupId: `${config.groupId}-handoff`,
    topic: Topics.classified,
    handler: handoffRecorder({ handoffs, timeoutMs: config.handoffTimeoutSeconds * 1000 }),
  });
  const reopenDeps = { reopens: new ReopenStore(redis, keys, conversations), actions };
  runtime.consume({
    groupId: `${config.groupId}-reopen`,
    topic: Topics.classified,
    // A fetch's reads in one call; the few messages with work left in lanes (idempotent per message: done-marks).
    handler: reopenOnUserMessage(reopenDeps),
    batchHandler: reopenBatchOnUserMessages(reopenDeps, config.conversationsConcurrently),
  });
  runtime.consume({ groupId: `${config.groupId}-status`, topic: Topics.status, handler: statusRecorder(recorders) });
  // Operators' own marks are written before their events are published: this catch-up must not hold the HTTP side.
  runtime.consume({
    groupId: `${config.groupId}-spam-marks`,
    topic: Topics.status,
    affectsReadiness: false,
    handler: spamMarkRecorder(spam),
  });
  runtime.consume({
    groupId: `${config.groupId}-outbound`,
    topic: Topics.outbound,
    handler: outboundRecorder(recorders),
  });
  if (config.botWebhookUrl && config.botWebhookSecret) {
    runtime.consume({
      groupId: `${config.groupId}-bot-webhook`,
      topic: Topics.outbound,
      affectsReadiness: false,
      handler: botWebhookHandler({
        url: config.botWebhookUrl,
        secret: config.botWebhookSecret,
        maxAttempts: config.botWebhookMaxAttempts,
        timeoutMs: config.botWebhookTimeoutMs,
        deliveries,
        done: new DoneMarks(redis, keys, 'status-bot-webhook'),
        metrics,
      }),
    });
  }

  // Deadlines: review and reply clocks, reminders and escalation (SLA_POLICY_FILE).
  const sla = wireSla(runtime, keys, {
    policyFile: config.slaPolicyFile,
    groupId: config.groupId,
    claimLeaseSeconds: config.slaClaimLeaseSeconds,
    retentionSeconds,
    webhookSecret: config.slaWebhookSecret ?? config.botWebhookSecret,
    webhookMaxAttempts: config.slaWebhookMaxAttempts,
    webhookTimeoutMs: config.botWebhookTimeoutMs,
    consoleBaseUrl: config.consoleBaseUrl,
    routes: config.notifierRoutes,
    triageChannel: config.triageChannel,
  });

  // HTTP: Slack, Asana, the console and the bots' control API.
  if (config.slackSigningSecret && config.slackBotToken) {
    const members = new SlackMembers({
      token: config.slackBotToken,
      apiUrl: config.slackApiUrl,
      allowed: config.slackAllowedOperators,
      logger,
      metrics,
    });
    const ephemeral = new SlackEphemeral({ token: config.slackBotToken, apiUrl: config.slackApiUrl, metrics });
    const threadReplies = new ThreadReplies({
      mode: config.threadReplyMode,
      actions,
      ephemeral,
      redis,
      keys,
      logger,
    });
    await registerSlackRoutes(runtime.http, {
      signingSecret: config.slackSigningSecret,
      members,
      notePrefix: config.notePrefix,
      actions,
      threadReplies,
      ephemeral,
      identities,
      refs,
      redis,
      keys,
      once,
      spamChoice: new SpamChoice({ slack: members, conversations, logger }),
      logger,
      metrics,
    });
  } else {
    logger.warn('SLACK_SIGNING_SECRET is not set: /slack/interactions and /slack/events are off');
  }
  const asanaSecrets = new AsanaWebhookSecrets(redis, keys);
  if (asana) {
    const taskChange = { api: asana, actions, identities, conversations, refs, once, logger, metrics };
    await registerAsanaRoutes(runtime.http, {
      configuredSecret: config.asanaWebhookSecret,
      secrets: asanaSecrets,
      taskChange,
      logger,
      metrics,
    });
  }
  if (consoleEnabled) {
    const sessions = new ConsoleSessions(redis, keys, live, {
      idleSeconds: config.consoleSessionIdleMinutes * 60,
      maxSeconds: config.consoleSessionHours * 3600,
    });
    if (config.consoleOperatorsFile) {
      const reload = {
        directory,
        entries: config.consoleOperators,
        file: config.consoleOperatorsFile,
        removed: (login: string) => sessions.endAllOf(login),
        logger,
      };
      runtime.onClose('operators-reload', watchOperators(reload));
    }
    await registerConsoleRoutes(runtime.http, {
      auth: new ConsoleAuth(
        config.consoleSessionSecret!,
        config.consoleSessionHours * 3600,
        config.consoleTrustedHeader,
      ),
      sessions,
      once,
      directory,
      actions,
      conversations,
      transcripts,
      timelineList: new TimelineList(redis, keys),
      deliveries,
      takeovers,
      handoffs,
      refs,
      live,
      trustedProxies: config.consoleTrustedProxies,
      loginBudget: new RateBudget(redis, keys, 'console-login', { ratePerSecond: 0.2, burst: 10 }),
      loginNameBudget: new RateBudget(redis, keys, 'console-login-name', { ratePerSecond: 0.1, burst: 10 }),
      secureCookies: config.consoleBaseUrl.startsWith('https:'),
      slaClocks: sla.clocks,
      logger,
    });
  } else {
    logger.warn(
      'no console operators configured (CONSOLE_OPERATORS, CONSOLE_OPERATORS_FILE or CONSOLE_TRUSTED_HEADER): the console is off',
    );
    runtime.http.all('/console*', async (_request, reply) =>
      reply.code(503).send({
        error:
          'the console is not configured: set CONSOLE_OPERATORS (or CONSOLE_OPERATORS_FILE, or CONSOLE_TRUSTED_HEADER) and CONSOLE_SESSION_SECRET',
      }),
    );
  }
  registerControlApi(runtime.http, apiKeys, takeovers, handoffs);

  runtime.onClose('live-updates', () => live.stop());
  await runtime.start();
  await live.start();

  runtime.onClose(
    'takeover-sweep',
    startTakeoverSweep({ takeovers, actions, idleMinutes: config.takeoverIdleMinutes, logger }),
  );
  runtime.onClose(
    'handoff-sweep',
    startHandoffSweep({ handoffs, actions, timeoutSeconds: config.handoffTimeoutSeconds, logger }),
  );
  sla.startSweep();
  // Not awaited: a word in the log, never a reason to wait or to stop.
  if (asana) void warnIfOwnAsanaUserIsAnOperator(asana, directory, logger);
  if (asana && config.asanaWebhookTargetUrl) {
    const stop = keepAsanaWebhookRegistered(
      { api: asana, secrets: asanaSecrets, redis, keys, logger },
      config.asanaWebhookTargetUrl,
    );
    runtime.onClose('asana-webhook-registration', stop);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
