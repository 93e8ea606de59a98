// What a change to an Asana task means for its conversation: completed closes it, uncompleted reopens it,
// once per change however often Asana delivers the event; a task that is not a conversation's is ignored, and
// so is a change our own token made (the ticketer's, coming back).
import { StatusChange } from '@switchboard/proto';
import type { Logger, Metrics } from '@switchboard/core';
import { conversationInNotes } from '@switchboard/agreements';
import type { ConversationRefs } from '@switchboard/store';
import type { OperatorActions } from '../conversation/actions';
import type { ConversationIndex } from '../conversation/conversations';
import type { InboundOnce } from '../inbound-once';
import type { Identities } from '../operators/identities';
import type { AsanaApi, TaskState } from './asana-client';
import { actorGid, type AsanaEvent } from './asana-events';

export interface TaskChangeDeps {
  api: AsanaApi;
  actions: OperatorActions;
  identities: Identities;
  conversations: ConversationIndex;
  refs: ConversationRefs;
  once: InboundOnce;
  logger: Logger;
  metrics: Metrics;
}

export async function reactToTaskChange(deps: TaskChangeDeps, taskGid: string, event: AsanaEvent): Promise<void> {
  const { api, refs, conversations, actions, identities, once, logger, metrics } = deps;
  const userGid = actorGid(event);
  // The ticketer's own completing and reopening, coming back. Comparing the task with the conversation is not
  // enough for these: an echo read after a later contrary change (Not spam reopens the task, Close completes it,
  // and the reopening's echo is read once the conversation is closed) would undo that change, and the ticketer's
  // undoing would echo in turn: the task and the conversation would flip back and forth without end.
  if (await api.isOwnUser(userGid)) {
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'own' });
    return;
  }
  let task: TaskState;
  try {
    task = await api.task(taskGid);
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status !== 404 && status !== 403) throw err;
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return; // deleted since, or not ours to read: nothing to close
  }
  const conversationId = (await refs.conversationOfTask(taskGid)) ?? conversationInNotes(task.notes);
  if (!conversationId) {
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return; // a task of the project that is not a conversation's
  }
  const summary = await conversations.get(conversationId);
  const closed = summary?.closed ?? false;
  if (task.completed === closed) return; // already so: our own change coming back, or a repeat
  if (task.completed && summary?.spam) return; // the ticketer completes the task of a spam conversation
  const change = task.completed ? StatusChange.CLOSED : StatusChange.REOPENED;
  const id = `asana-${taskGid}-${typeof event.created_at === 'string' ? event.created_at.slice(0, 40) : ''}-${task.completed ? 'completed' : 'uncompleted'}`;
  const handled = await once.run('asana', id, async () => {
    const actor = await identities.asanaUser(userGid);
    await actions.act({ conversationId, change, actor, eventId: id });
  });
  metrics.eventsTotal.inc({ topic: 'asana', outcome: handled ? 'ok' : 'duplicate' });
  logger.info({ conversationId, taskGid, change: StatusChange[change] }, 'Asana task change');
}
