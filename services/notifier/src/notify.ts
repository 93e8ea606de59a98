// conv.classified → Slack: the first event of a conversation posts its root message in the triage
// channel, later ones reply in its thread. Every event's post happens once: a done-mark per event, and a
// lock so two replicas (during a rebalance) never both post a conversation's root.
import { EventKind, Priority, timestampMs, type ClassifiedEvent, type ClassifiedEventSchema } from '@switchboard/proto';
import { UnavailableError, type Delivery } from '@switchboard/bus';
import { secondsSince, type Metrics } from '@switchboard/core';
import type { ConversationLock, ConversationRefs, DoneMarks } from '@switchboard/store';
import { renderRoot, renderThreadReply, threadWorthy } from './render';
import type { SlackPort } from './slack';

export interface NotifierDeps {
  slack: SlackPort;
  refs: ConversationRefs;
  done: DoneMarks;
  lock: ConversationLock;
  metrics: Metrics;
  triageChannel: string;
  threadMinimum: Priority;
  transcriptUrl: (conversationId: string) => string;
  owner: string;
}

export type Decision = 'root' | 'thread' | 'skip';

/** Pure: what to do with an event given whether the conversation already has a root message. */
export function decide(event: ClassifiedEvent, hasRoot: boolean, threadMinimum: Priority): Decision {
  if (!hasRoot) return 'root';
  if (event.kind === EventKind.CONVERSATION_STARTED) return 'skip';
  return threadWorthy(event, threadMinimum) ? 'thread' : 'skip';
}

export function notifierHandler(deps: NotifierDeps) {
  const { slack, refs, done, lock, metrics } = deps;

  return async ({ event, log }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const message = event.message;
    if (!message) return;
    const { conversationId, eventId } = message;
    if (await done.isDone(eventId)) {
      metrics.eventsTotal.inc({ topic: 'slack', outcome: 'duplicate' });
      return;
    }
    if (event.denied) {
      log.info({ reason: event.deniedReason }, 'not notified: denied');
      await done.markDone(eventId);
      return;
    }
    const root = await refs.slackRoot(conversationId);
    const decision = decide(event, root !== null, deps.threadMinimum);
    if (decision === 'root') {
      if (!(await lock.acquire(conversationId, deps.owner))) {
        throw new UnavailableError('another notifier is posting this conversation', 'lock', 500);
      }
      try {
        if ((await refs.slackRoot(conversationId)) === null) {
          const task = await refs.asanaTask(conversationId);
          const rendered = renderRoot(event, { transcriptUrl: deps.transcriptUrl(conversationId), taskUrl: task?.permalinkUrl || undefined });
          const posted = await slack.postMessage({ channel: deps.triageChannel, ...rendered });
          await refs.setSlackRoot(conversationId, posted);
          log.info({ channel: posted.channel, ts: posted.ts }, 'posted root notification');
        }
      } finally {
        await lock.release(conversationId, deps.owner);
      }
    } else if (decision === 'thread' && root) {
      await slack.postMessage({ channel: root.channel, threadTs: root.ts, ...renderThreadReply(event) });
    }
    await done.markDone(eventId);
    if (decision !== 'skip' && message.receivedAt) {
      metrics.endToEndSeconds.observe({ stage: 'slack_post' }, secondsSince(timestampMs(message.receivedAt)));
    }
  };
}
