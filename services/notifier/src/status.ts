// conv.status → Slack: an operator's action (reviewed, spam, take over, hand back, closed, reopened) is
// recorded with the conversation and its message is re-rendered in place (chat.update) with the buttons
// the new state allows and who acted, and the change (or note) gets a short line in the thread. The spam marks
// that silence later events are the status service's (packages/store SpamMarks): this handler only shows the change.
import { StatusChange, timestampMs, type StatusEvent, type StatusEventSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import type { Logger } from '@switchboard/core';
import type { DoneMarks } from '@switchboard/store';
import { actorName, applyStatus, isVisibleChange } from './conversation';
import { withConversationLock } from './post-markers';
import { threadLine, type LineParts } from './outbound';
import { openThread } from './promote';
import { refreshMessage, type RefreshParts } from './refresh';
import { statusLine } from './thread-lines';

export function statusHandler(parts: RefreshParts & LineParts, done: DoneMarks) {
  const { store } = parts;
  // The change's line in the thread (thread-lines.ts), once, after the message shows the new state.
  const threadIt = async (event: StatusEvent, log: Logger) => {
    const line = statusLine(event);
    if (line) await threadLine(parts, line, event.teamId, log);
  };
  return async ({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    const { conversationId, eventId, change } = event;
    if (!conversationId || (await done.isDone(eventId))) return;
    if (change === StatusChange.THREAD_OPENED) {
      await openThread(parts, event, log);
      await done.markDone(eventId);
      return;
    }
    if (!isVisibleChange(change)) {
      await threadIt(event, log);
      await done.markDone(eventId);
      return;
    }
    await withConversationLock(parts.locks, conversationId, async () => {
      const state = await store.state(conversationId);
      const by = actorName(event.actor);
      const status = applyStatus(state.status ?? {}, change, by, event.at ? timestampMs(event.at) : Date.now());
      await store.update(conversationId, { status: JSON.stringify(status) });
      await refreshMessage(parts, conversationId, { ...state, status }, 'soon', log);
    });
    await threadIt(event, log);
    await done.markDone(eventId);
  };
}
