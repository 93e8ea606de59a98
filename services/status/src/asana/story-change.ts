// Asana back to the conversation, the part that acts: a person's comment on a conversation's task becomes an
// internal note, or (starting `reply:`) that operator's reply to the user; an assignee change makes the assignee
// the owner (StatusEvent ASSIGNED, the operator mapped by email through the operators file). Each story and each
// change acts once however often Asana delivers it (event ids from the story gid / the change); ours are ignored.
import { StatusChange } from '@switchboard/proto';
import { conversationInNotes } from '@switchboard/agreements';
import type { StoryState } from './asana-client';
import { commentIntent, type AssigneeChanged, type StoryAdded } from './stories';
import type { TaskChangeDeps } from './task-change';

/** Asana's answer when the story or task is gone, or not ours to read: nothing to do. */
const gone = (err: unknown) => {
  const status = (err as { status?: number }).status;
  return status === 404 || status === 403;
};

async function conversationOfTask(deps: TaskChangeDeps, taskGid: string, notes?: string): Promise<string | undefined> {
  const known = await deps.refs.conversationOfTask(taskGid);
  if (known) return known;
  return conversationInNotes(notes ?? (await deps.api.task(taskGid)).notes);
}

export async function reactToComment(deps: TaskChangeDeps, added: StoryAdded): Promise<void> {
  const { api, actions, identities, once, logger, metrics } = deps;
  const id = `asana-story-${added.storyGid}`;
  let outcome = 'ok';
  const handled = await once.run('asana', id, async () => {
    let story: StoryState;
    try {
      story = await api.story(added.storyGid);
    } catch (err) {
      if (!gone(err)) throw err;
      outcome = 'ignored';
      return;
    }
    const intent = commentIntent(story, await api.ownUserGid());
    const taskGid = story.taskGid ?? added.taskGid;
    if (intent.act === 'ignore' || !taskGid) {
      outcome = intent.act === 'ignore' && intent.why === 'ours' ? 'own' : 'ignored';
      return;
    }
    const conversationId = await conversationOfTask(deps, taskGid);
    if (!conversationId) {
      outcome = 'ignored'; // a comment on a task of the project that is not a conversation's
      return;
    }
    const actor = await identities.asanaUser(story.authorGid);
    if (intent.act === 'reply') await actions.reply({ conversationId, text: intent.text, actor, eventId: id });
    else await actions.act({ conversationId, change: StatusChange.NOTE, actor, eventId: id, note: intent.text });
    logger.info({ conversationId, taskGid, storyGid: story.gid, as: intent.act }, 'Asana comment');
  });
  metrics.eventsTotal.inc({ topic: 'asana', outcome: handled ? outcome : 'duplicate' });
}

export async function reactToAssignee(deps: TaskChangeDeps, change: AssigneeChanged): Promise<void> {
  const { api, actions, identities, once, logger, metrics } = deps;
  if (await api.isOwnUser(change.userGid)) {
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'own' });
    return; // our own assignment coming back
  }
  let task: { assigneeGid?: string; notes: string };
  try {
    task = await api.taskAssignee(change.taskGid);
  } catch (err) {
    if (!gone(err)) throw err;
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return;
  }
  const conversationId = task.assigneeGid ? await conversationOfTask(deps, change.taskGid, task.notes) : undefined;
  if (!task.assigneeGid || !conversationId) {
    // Unassigned (the owner stays who it was), or a task that is not a conversation's.
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return;
  }
  const assigneeGid = task.assigneeGid;
  const id = `asana-assignee-${change.taskGid}-${assigneeGid}-${change.createdAt}`;
  const handled = await once.run('asana', id, async () => {
    const actor = await identities.asanaUser(assigneeGid);
    await actions.act({ conversationId, change: StatusChange.ASSIGNED, actor, eventId: id });
  });
  metrics.eventsTotal.inc({ topic: 'asana', outcome: handled ? 'ok' : 'duplicate' });
  logger.info({ conversationId, taskGid: change.taskGid }, 'Asana assignee is the owner');
}
