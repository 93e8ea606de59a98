// The notifier service: Slack notifications for classified events and status changes, and the digests.
import { hostname } from 'node:os';
import { Topics } from '@switchboard/bus';
import { Priority } from '@switchboard/proto';
import { transcriptUrl } from '@switchboard/agreements';
import { Runtime } from '@switchboard/runtime';
import { ConversationLock, DoneMarks } from '@switchboard/store';
import { readNotifierConfig } from './config';
import { LOCK_SCOPES, type NotifierContext } from './context';
import { DigestStore } from './digest-store';
import { DigestFlusher } from './flusher';
import { createNotifierMetrics } from './metrics';
import { ReplyStore } from './reply-store';
import { notifierHandler } from './notify';
import { SlackPacing } from './pacing';
import { webApiSlack } from './slack';
import { ConversationStore } from './state';
import { statusHandler } from './status';

const PRIORITIES = { low: Priority.LOW, normal: Priority.NORMAL, high: Priority.HIGH, urgent: Priority.URGENT } as const;
/** Locks outlive the longest wait for a Slack slot under them, and bound how long a crashed replica blocks. */
const LOCK_TTL_MS = 30000;
/** The notifier's done-marks (DoneMarks scope) for conv.classified events. */
const DONE_SCOPE = 'notifier';

async function main(): Promise<void> {
  const config = readNotifierConfig(process.env);
  const runtime = new Runtime({ service: 'notifier', config, httpPort: config.port });
  const { redis, keys } = runtime;
  const owner = `${hostname()}:${process.pid}`;
  const ctx: NotifierContext = {
    slack: webApiSlack({ token: config.slackToken, apiUrl: config.slackApiUrl, metrics: runtime.metrics }),
    store: new ConversationStore(redis, keys, DONE_SCOPE),
    digests: new DigestStore(redis, keys),
    replies: new ReplyStore(redis, keys, DONE_SCOPE),
    pacing: new SlackPacing(redis, keys, runtime.metrics, config),
    metrics: createNotifierMetrics(runtime.metrics),
    lock: new ConversationLock(redis, keys, LOCK_SCOPES.conversation, LOCK_TTL_MS),
    owner,
    triageChannel: config.triageChannel,
    routes: config.routes,
    threadMinimum: PRIORITIES[config.threadMinimum],
    digestAfterMs: config.digestAfterMs,
    transcriptUrl: (id) => transcriptUrl(config.consoleBaseUrl, id),
  };
  runtime.consume({ groupId: config.groupId, topic: Topics.classified, handler: notifierHandler(ctx) });
  runtime.consume({
    groupId: `${config.groupId}-status`,
    topic: Topics.status,
    handler: statusHandler(ctx, new DoneMarks(redis, keys, 'notifier-status')),
  });
  const flusher = new DigestFlusher(ctx, {
    pollMs: config.digestPollMs,
    maxSize: config.digestMaxSize,
    lock: new ConversationLock(redis, keys, LOCK_SCOPES.digest, LOCK_TTL_MS),
    log: runtime.logger.child({ component: 'digest' }),
  });
  runtime.onClose('digests', () => flusher.stop());
  await runtime.start();
  flusher.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
