// The notifier service: Slack notifications for classified events and status changes, and the digests.
import { Topics } from '@switchboard/bus';
import { Priority } from '@switchboard/proto';
import { transcriptUrl } from '@switchboard/core';
import { Runtime } from '@switchboard/runtime';
import { DoneMarks, Locks } from '@switchboard/store';
import { readNotifierConfig } from './config';
import { LOCK_SCOPES, type NotifierContext } from './context';
import { DigestStore } from './digest-store';
import { DigestFlusher } from './flusher';
import { createNotifierMetrics } from './metrics';
import { ReplyStore } from './reply-store';
import { notifierHandler } from './notify';
import { SlackPacing } from './pacing';
import { SLACK_TIMEOUT_MS, webApiSlack } from './slack';
import { ConversationStore } from './state';
import { statusHandler } from './status';

const PRIORITIES = { low: Priority.LOW, normal: Priority.NORMAL, high: Priority.HIGH, urgent: Priority.URGENT } as const;
/** The notifier's done-marks (DoneMarks scope) for conv.classified events. */
const DONE_SCOPE = 'notifier';

async function main(): Promise<void> {
  const config = readNotifierConfig(process.env);
  const runtime = new Runtime({ service: 'notifier', config, httpPort: config.port });
  const { redis, keys } = runtime;
  const ctx: NotifierContext = {
    slack: webApiSlack({ token: config.slackToken, apiUrl: config.slackApiUrl, metrics: runtime.metrics }),
    store: new ConversationStore(redis, keys, DONE_SCOPE),
    digests: new DigestStore(redis, keys),
    replies: new ReplyStore(redis, keys, DONE_SCOPE),
    pacing: new SlackPacing(redis, keys, runtime.metrics, { ...config, callLeaseMs: SLACK_TIMEOUT_MS + 1000 }),
    metrics: createNotifierMetrics(runtime.metrics),
    locks: new Locks(redis, keys, LOCK_SCOPES.conversation, { ttlMs: config.lockTtlMs }),
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
    locks: new Locks(redis, keys, LOCK_SCOPES.digest, { ttlMs: config.lockTtlMs }),
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
