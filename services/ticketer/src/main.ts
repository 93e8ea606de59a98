// The ticketer service: one Asana task per conversation, following it to the end.
import { Topics } from '@switchboard/bus';
import { slackThreadUrl, transcriptUrl } from '@switchboard/agreements';
import { sleep } from '@switchboard/core';
import { Runtime } from '@switchboard/runtime';
import { ConversationRefs, DoneMarks, RateBudget, SpamMarks } from '@switchboard/store';
import { asanaTasks } from './asana';
import { readTicketerConfig } from './config';
import { CommentFlusher } from './flusher';
import { Ticketer } from './ticket';
import { ticketerKeys } from './keys';
import { TicketStore } from './ticket-store';

async function main(): Promise<void> {
  const config = readTicketerConfig(process.env);
  const runtime = new Runtime({ service: 'ticketer', config, httpPort: config.port });
  const ratePerSecond = config.asanaRequestsPerMinute / 60;
  const budget = new RateBudget(runtime.redis, runtime.keys, 'asana', {
    ratePerSecond,
    burst: Math.max(1, Math.floor(ratePerSecond)),
  });
  const tasks = asanaTasks({
    token: config.asanaToken,
    baseUrl: config.asanaBaseUrl,
    projectGid: config.asanaProjectGid,
    workspaceGid: config.asanaWorkspaceGid,
    sectionGid: config.asanaSectionGid,
    externalIds: config.asanaExternalIds,
    metrics: runtime.metrics,
    onSectionGone: (sectionGid) =>
      runtime.logger.error({ sectionGid }, 'ASANA_SECTION_GID names a deleted section; new tasks go to the project'),
    pace: async () => {
      if (config.budgets === 'off') return;
      const { waitMs } = await budget.reserve();
      if (waitMs > 0) {
        runtime.metrics.rateLimitWaitSeconds.inc({ api: 'asana' }, waitMs / 1000);
        await sleep(waitMs);
      }
    },
  });
  const refs = new ConversationRefs(runtime.redis, runtime.keys);
  const store = new TicketStore(runtime.redis, ticketerKeys(runtime.keys));
  const links = (id: string) => ({
    transcript: transcriptUrl(config.consoleBaseUrl, id),
    slack: slackThreadUrl(config.consoleBaseUrl, id),
  });
  const flusher = new CommentFlusher({
    tasks,
    store,
    refs,
    logger: runtime.logger,
    commentWindowMs: config.commentWindowMs,
    slackUrl: (id) => links(id).slack,
  });
  const ticketer = new Ticketer({
    tasks,
    store,
    refs,
    done: new DoneMarks(runtime.redis, runtime.keys, 'ticketer'),
    spam: new SpamMarks(runtime.redis, runtime.keys),
    metrics: runtime.metrics,
    workspaceGid: config.asanaWorkspaceGid,
    projectGid: config.asanaProjectGid,
    logger: runtime.logger,
    assignees: config.assignees,
    commentWindowMs: config.commentWindowMs,
    links,
    flushComments: async (id) => void (await flusher.flush(id)),
  });
  // Each conversation's events in order, many conversations at once (the waiting is on Asana and Redis).
  runtime.consume({
    groupId: config.groupId,
    topic: Topics.classified,
    inLanes: true,
    handler: (d) => ticketer.onClassified(d),
  });
  runtime.consume({
    groupId: `${config.groupId}-status`,
    topic: Topics.status,
    inLanes: true,
    handler: (d) => ticketer.onStatus(d),
  });
  runtime.onClose('comment-flusher', () => flusher.stop());
  await runtime.start();
  flusher.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
