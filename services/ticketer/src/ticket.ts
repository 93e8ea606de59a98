// conv.classified → Asana: exactly one task per conversation, and later user messages as comments.
// The Redis mapping says which task a conversation has; a lock keeps two replicas from creating at once;
// and before creating, the task is looked up in Asana by its external id, so a crash between creating
// and recording never makes a second task.
import { Direction, Priority, timestampMs, type ClassifiedEvent, type ClassifiedEventSchema } from '@switchboard/proto';
import { UnavailableError, type Delivery } from '@switchboard/bus';
import { secondsSince, type Metrics } from '@switchboard/core';
import type { ConversationLock, ConversationRefs, DoneMarks } from '@switchboard/store';
import type { NewTask, TaskPort, TaskRef } from './asana';

export interface TicketerDeps {
  tasks: TaskPort;
  refs: ConversationRefs;
  done: DoneMarks;
  lock: ConversationLock;
  metrics: Metrics;
  transcriptUrl: (conversationId: string) => string;
  owner: string;
}

const MAX_NAME = 120;

/** Pure: the task for a conversation's first event. */
export function taskFor(event: ClassifiedEvent, transcriptUrl: string): NewTask {
  const m = event.message!;
  const user = m.user?.name || m.user?.id || 'unknown user';
  const team = m.team?.name || m.team?.id || 'unknown team';
  const first = m.text.replace(/\s+/g, ' ').trim();
  const name = `${user} (${team}): ${first || '(no text)'}`;
  const notes = [
    `Conversation ${m.conversationId} on ${m.platform || 'an unknown platform'}`,
    `User: ${user}${m.user?.id ? ` [${m.user.id}]` : ''}`,
    `Team: ${team}${m.team?.id ? ` [${m.team.id}]` : ''}`,
    `Priority: ${Priority[event.priority].toLowerCase()}`,
    event.tags.length > 0 ? `Tags: ${event.tags.join(', ')}` : '',
    '',
    `First message: ${m.text}`,
    '',
    `Live transcript: ${transcriptUrl}`,
  ].filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''));
  return { name: Array.from(name).length > MAX_NAME ? Array.from(name).slice(0, MAX_NAME - 1).join('') + '…' : name, notes: notes.join('\n'), externalId: m.conversationId };
}

/** Pure: the comment a later message adds to the task. */
export function commentFor(event: ClassifiedEvent): string {
  const m = event.message!;
  const who = m.direction === Direction.BOT ? 'Bot' : m.user?.name || m.user?.id || 'User';
  return `${who}: ${m.text}`;
}

export function ticketerHandler(deps: TicketerDeps) {
  const { tasks, refs, done, lock, metrics } = deps;
  const recorded = (conversationId: string) => refs.asanaTask(conversationId);

  async function ensureTask(event: ClassifiedEvent): Promise<{ task: TaskRef; created: boolean }> {
    const conversationId = event.message!.conversationId;
    const known = await recorded(conversationId);
    if (known) return { task: known, created: false };
    if (!(await lock.acquire(conversationId, deps.owner))) {
      throw new UnavailableError('another ticketer is creating this task', 'lock', 500);
    }
    try {
      const again = await recorded(conversationId);
      if (again) return { task: again, created: false };
      const found = await tasks.findByExternalId(conversationId);
      const task = found ?? (await tasks.createTask(taskFor(event, deps.transcriptUrl(conversationId))));
      await refs.setAsanaTask(conversationId, task);
      return { task, created: found === null };
    } finally {
      await lock.release(conversationId, deps.owner);
    }
  }

  return async ({ event, log }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const m = event.message;
    if (!m) return;
    if (await done.isDone(m.eventId)) return;
    if (event.denied) {
      await done.markDone(m.eventId);
      return;
    }
    const { task, created } = await ensureTask(event);
    if (created) {
      log.info({ task: task.gid }, 'created asana task');
      if (m.receivedAt) metrics.endToEndSeconds.observe({ stage: 'asana_task' }, secondsSince(timestampMs(m.receivedAt)));
    } else if (m.direction === Direction.USER || m.direction === Direction.UNSPECIFIED) {
      await tasks.addComment(task.gid, commentFor(event));
    }
    await done.markDone(m.eventId);
  };
}
