// The notifier service: Slack notifications for classified events and status changes, and the digests.
// Reads the config, builds the parts, and hands each handler the parts it uses.
import { Topics } from '@switchboard/bus';
import { Priority } from '@switchboard/proto';
import { taskUrl, transcriptUrl } from '@switchboard/agreements';
import { Runtime } from '@switchboard/runtime';
import { DoneMarks, Locks } from '@switchboard/store';
import { readNotifierConfig } from './config';
import { DigestStore } from './digest-store';
import { DigestFlusher } from './flusher';
import { notifierKeys } from './keys';
import { createNotifierMetrics } from './metrics';
import { outboundHandler } from './outbound';
import { ReplyDrain } from './reply-drain';
import { ReplyStore } from './reply-store';
import { notifierHandler } from './notify';
import { LOCK_SCOPES } from './post-markers';
import { channelFor } from './routes';
import { SlackPacing } from './pacing';
import { slaNotifyHandler } from './sla-notify';
import { UnpacedSlack } from './unpaced';
import { SLACK_TIMEOUT_MS, webApiSlack } from './slack';
import { ConversationStore } from './state';
import { statusHandler } from './status';

const PRIORITIES = {
  low: Priority.LOW,
  normal: Priority.NORMAL,
  high: Priority.HIGH,
  urgent: Priority.URGENT,
} as const;
/** The notifier's done-marks (DoneMarks scope) for conv.classified events. */
const DONE_SCOPE = 'notifier';

async function main(): Promise<void> {
  const config = readNotifierConfig(process.env);
  const runtime = new Runtime({ service: 'notifier', config, httpPort: config.port });
  const { redis } = runtime;
  const keys = notifierKeys(runtime.keys);
  const slack = webApiSlack({ token: config.slackToken, apiUrl: config.slackApiUrl, metrics: runtime.metrics });
  const store = new ConversationStore(redis, keys, DONE_SCOPE);
  const digests = new DigestStore(redis, keys);
  const replies = new ReplyStore(redis, keys, DONE_SCOPE);
  const Pacing = config.budgets === 'off' ? UnpacedSlack : SlackPacing;
  const pacing = new Pacing(redis, keys, runtime.metrics, { ...config, callLeaseMs: SLACK_TIMEOUT_MS + 1000 });
  const metrics = createNotifierMetrics(runtime.metrics);
  const locks = new Locks(redis, keys, LOCK_SCOPES.conversation, { ttlMs: config.lockTtlMs });
  const links = {
    transcriptUrl: (id: string) => transcriptUrl(config.consoleBaseUrl, id),
    taskUrl: (id: string) => taskUrl(config.consoleBaseUrl, id),
  };
  const refreshing = { slack, store, digests, pacing, metrics, ...links };
  const drain = new ReplyDrain({ ...refreshing, replies }, runtime.logger.child({ component: 'grouped-replies' }));

  // In lanes: many conversations of a partition at once, each in order (KAFKA_CONVERSATIONS_CONCURRENTLY).
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.classified,
    inLanes: true,
    handler: notifierHandler({
      ...refreshing,
      replies,
      drain,
      locks,
      digestAfterMs: config.digestAfterMs,
      threadMinimum: PRIORITIES[config.threadMinimum],
      threadBotMessages: config.threadBotMessages,
      channelOf: (summary) => channelFor(config.routes, config.triageChannel, summary),
    }),
  });
  const lines = { ...refreshing, replies, drain, locks, digestAfterMs: config.digestAfterMs };
  runtime.consume({
    groupId: `${config.groupId}-status`,
    topic: Topics.status,
    inLanes: true,
    handler: statusHandler(lines, new DoneMarks(redis, keys, 'notifier-status')),
  });
  runtime.consume({
    groupId: `${config.groupId}-sla`,
    topic: Topics.status,
    inLanes: true,
    handler: slaNotifyHandler({ ...refreshing, locks, done: new DoneMarks(redis, keys, 'notifier-sla') }),
  });
  runtime.consume({
    groupId: `${config.groupId}-outbound`,
    topic: Topics.outbound,
    inLanes: true,
    handler: outboundHandler(lines),
  });
  const flusher = new DigestFlusher(
    { slack, store, digests, replies, pacing, metrics, ...links },
    {
      pollMs: config.digestPollMs,
      maxSize: config.digestMaxSize,
      locks: new Locks(redis, keys, LOCK_SCOPES.digest, { ttlMs: config.lockTtlMs }),
      conversationLocks: locks,
      log: runtime.logger.child({ component: 'digest' }),
    },
  );
  runtime.onClose('digests', () => flusher.stop());
  await runtime.start();
  flusher.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
