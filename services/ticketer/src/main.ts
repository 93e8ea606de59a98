// The ticketer service: one Asana task per conversation.
import { hostname } from 'node:os';
import { Topics } from '@switchboard/bus';
import { transcriptUrl } from '@switchboard/core';
import { Runtime } from '@switchboard/runtime';
import { ConversationLock, ConversationRefs, DoneMarks } from '@switchboard/store';
import { asanaTasks } from './asana';
import { readTicketerConfig } from './config';
import { ticketerHandler } from './ticket';

async function main(): Promise<void> {
  const config = readTicketerConfig(process.env);
  const runtime = new Runtime({ service: 'ticketer', config, httpPort: config.port });
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.classified,
    handler: ticketerHandler({
      tasks: asanaTasks({ token: config.asanaToken, baseUrl: config.asanaBaseUrl, projectGid: config.asanaProjectGid, metrics: runtime.metrics }),
      refs: new ConversationRefs(runtime.redis, runtime.keys),
      done: new DoneMarks(runtime.redis, runtime.keys, 'ticketer'),
      lock: new ConversationLock(runtime.redis, runtime.keys, 'ticketer-task'),
      metrics: runtime.metrics,
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
