// The notifier service: Slack notifications for classified events.
import { hostname } from 'node:os';
import { Topics } from '@switchboard/bus';
import { Priority } from '@switchboard/proto';
import { transcriptUrl } from '@switchboard/core';
import { Runtime } from '@switchboard/runtime';
import { ConversationLock, ConversationRefs, DoneMarks } from '@switchboard/store';
import { readNotifierConfig } from './config';
import { notifierHandler } from './notify';
import { webApiSlack } from './slack';

const PRIORITIES = { low: Priority.LOW, normal: Priority.NORMAL, high: Priority.HIGH, urgent: Priority.URGENT } as const;

async function main(): Promise<void> {
  const config = readNotifierConfig(process.env);
  const runtime = new Runtime({ service: 'notifier', config, httpPort: config.port });
  const slack = webApiSlack({ token: config.slackToken, apiUrl: config.slackApiUrl, metrics: runtime.metrics });
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.classified,
    handler: notifierHandler({
      slack,
      refs: new ConversationRefs(runtime.redis, runtime.keys),
      done: new DoneMarks(runtime.redis, runtime.keys, 'notifier'),
      lock: new ConversationLock(runtime.redis, runtime.keys, 'notifier-root'),
      metrics: runtime.metrics,
      triageChannel: config.triageChannel,
      threadMinimum: PRIORITIES[config.threadMinimum],
      transcriptUrl: (id) => transcriptUrl(config.consoleBaseUrl, id),
      owner: `${hostname()}:${process.pid}`,
    }),
  });
  await runtime.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
