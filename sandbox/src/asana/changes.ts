// What a change to a task leaves behind in Asana: the system story on the task and the webhook events.
// Shared by the API routes and the page's complete / mark incomplete buttons, so both act alike.
import type { AsanaMembership, AsanaTask, AsanaUser, SandboxState } from '../state';
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

  return { ref, taskRef, event, systemStory, changed, addToProject, setCompleted };
}
