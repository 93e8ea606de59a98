// conv.status → Slack: an operator's action (reviewed, spam, take over, hand back, closed, reopened) is
// recorded with the conversation and its message is re-rendered in place (chat.update) with the buttons
// the new state allows and who acted. The spam marks that silence later events are the status service's
// (packages/store SpamMarks): this handler only shows the change.
import { timestampMs, type StatusEventSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import type { DoneMarks, Locks } from '@switchboard/store';
import { actorName, applyStatus, isVisibleChange } from './conversation';
import { withConversationLock } from './post-markers';
import { refreshMessage, type RefreshParts } from './refresh';

export function statusHandler(parts: RefreshParts & { locks: Locks }, done: DoneMarks) {
  const { store } = parts;
  return async ({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    const { conversationId, eventId, change } = event;
    if (!conversationId || (await done.isDone(eventId))) return;
    if (!isVisibleChange(change)) {
      await done.markDone(eventId);
      return;
    }
    await withConversationLock(parts.locks, conversationId, async () => {
      const state = await store.state(conversationId);
      const by = actorName(event.actor);
      const status = applyStatus(state.status ?? {}, change, by, event.at ? timestampMs(event.at) : Date.now());
      await store.update(conversationId, { status: JSON.stringify(status) });
      const task = await store.refs.asanaTask(conversationId);
      await refreshMessage(parts, conversationId, { ...state, status }, task?.permalinkUrl || undefined, 'soon', log);
    });
    await done.markDone(eventId);
  };
}
