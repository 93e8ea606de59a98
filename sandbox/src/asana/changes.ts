// What a change to a task leaves behind in Asana: the system story on the task and the webhook events.
// Shared by the API routes and the page's complete, comment and assign forms, so both act alike.
import type { AsanaMembership, AsanaStory, AsanaTask, AsanaUser, SandboxState } from '../state';
import { notesToHtml } from './model';
import type { AsanaEvent, WebhookDispatcher } from './webhooks';

export function taskChanges(state: SandboxState, dispatcher: WebhookDispatcher) {
  const store = () => state.asana;
  const ref = (gid: string, type: string) => ({ gid, resource_type: type });
  const taskRef = (t: AsanaTask) => ({ gid: t.gid, resource_type: 'task', resource_subtype: 'default_task' });
  const event = (actor: AsanaUser, e: Omit<AsanaEvent, 'user' | 'created_at'>): AsanaEvent => ({
    ...e,
    user: { gid: actor.gid, resource_type: 'user' },
    created_at: new Date().toISOString(),
  });

  const systemStory = (task: AsanaTask, actor: AsanaUser, subtype: string, text: string): void => {
    store().stories.push({
      gid: store().nextGid(),
      taskGid: task.gid,
      type: 'system',
      subtype,
      text,
      htmlText: '',
      isPinned: false,
      createdAt: new Date().toISOString(),
      createdByGid: actor.gid,
    });
  };
  const changed = (task: AsanaTask, actor: AsanaUser, field: string, subtype: string, text: string) => {
    systemStory(task, actor, subtype, text);
    dispatcher.publishForTask(
      task,
      event(actor, { action: 'changed', resource: taskRef(task), parent: null, change: { field, action: 'changed' } }),
    );
  };
  const addToProject = (task: AsanaTask, actor: AsanaUser, membership: AsanaMembership) => {
    task.memberships.push(membership);
    systemStory(
      task,
      actor,
      'added_to_project',
      `added to ${store().projects.get(membership.projectGid)?.name ?? membership.projectGid}`,
    );
    dispatcher.publishForTask(
      task,
      event(actor, { action: 'added', resource: taskRef(task), parent: ref(membership.projectGid, 'project') }),
    );
  };
  /** Marks the task complete or incomplete; nothing happens (no story, no event) when it already is. */
  const setCompleted = (task: AsanaTask, actor: AsanaUser, completed: boolean, now = new Date().toISOString()) => {
    if (completed === task.completed) return;
    task.completed = completed;
    task.completedAt = completed ? now : null;
    task.completedByGid = completed ? actor.gid : null;
    changed(
      task,
      actor,
      'completed',
      completed ? 'marked_complete' : 'marked_incomplete',
      completed ? 'marked this task complete' : 'marked incomplete',
    );
  };

  /** Assigns the task (null: unassigns it); nothing happens when it already is so. */
  const setAssignee = (task: AsanaTask, actor: AsanaUser, assigneeGid: string | null) => {
    if (assigneeGid === task.assigneeGid) return;
    task.assigneeGid = assigneeGid;
    changed(
      task,
      actor,
      'assignee',
      assigneeGid ? 'assigned' : 'unassigned',
      assigneeGid ? 'assigned this task' : 'unassigned this task',
    );
  };
  /** A person's comment: the story, and the webhook event of a story added to the task. */
  const addComment = (
    task: AsanaTask,
    actor: AsanaUser,
    comment: { text: string; htmlText?: string; isPinned?: boolean },
  ): AsanaStory => {
    const story: AsanaStory = {
      gid: store().nextGid(),
      taskGid: task.gid,
      type: 'comment',
      subtype: 'comment_added',
      text: comment.text,
      htmlText: comment.htmlText ?? notesToHtml(comment.text),
      isPinned: comment.isPinned ?? false,
      createdAt: new Date().toISOString(),
      createdByGid: actor.gid,
    };
    store().stories.push(story);
    task.modifiedAt = story.createdAt;
    dispatcher.publishForTask(
      task,
      event(actor, {
        action: 'added',
        resource: { gid: story.gid, resource_type: 'story', resource_subtype: 'comment_added' },
        parent: taskRef(task),
      }),
    );
    return story;
  };

  return { ref, taskRef, event, systemStory, changed, addToProject, setCompleted, setAssignee, addComment };
}
