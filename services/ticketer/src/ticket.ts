// conv.classified and conv.status → Asana: exactly one task per conversation, then what happens to it.
// The Redis mapping says which task a conversation has; a lease keeps two replicas from creating at once;
// a create intent recorded before the create call says when Asana may hold a task Redis does not know of (a
// crash or a timeout between creating and recording): then the project's tasks modified since the intent are
// listed and the marker line finds it. When Redis itself was lost, every marked task is read back first.
import {
  timestampMs,
  type ClassifiedEventSchema,
  type ClassifiedEvent,
  type StatusEventSchema,
} from '@switchboard/proto';
import { CONTENTION, PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { secondsSince, type Logger, type Metrics } from '@switchboard/core';
import {
  spamSubjectOf,
  type AsanaTaskRef,
  type ConversationRefs,
  type DoneMarks,
  type SpamMarks,
} from '@switchboard/store';
import type { TaskPort } from './asana';
import type { PriorityName } from './config';
import { SPAM_TAG, nextState, planTicketOps, taskFor, type TaskLinks, type TicketOp, type TicketState } from './plan';
import { spamHandling } from './spam';
import type { TicketStore } from './ticket-store';

/** The listing looks this far before the create intent: Asana's clock and ours may disagree a little. */
const CLOCK_SKEW_MS = 10 * 60_000;
/** After a Redis loss, tasks modified within this time are read back: the mapping's own retention. */
const RECORDS_KEPT_MS = 90 * 24 * 60 * 60_000;

export interface TicketerDeps {
  tasks: TaskPort;
  store: TicketStore;
  refs: ConversationRefs;
  /** Per-event marks: status events handled, and each op of an event done. */
  done: DoneMarks;
  /** The shared spam marks: a marked conversation, user or team gets no task, and no reopening (spam.ts). */
  spam: SpamMarks;
  metrics: Metrics;
  workspaceGid: string;
  projectGid: string;
  logger: Logger;
  assignees: Partial<Record<PriorityName, string>>;
  commentWindowMs: number;
  /** The task's links for a conversation (the console's transcript and its redirect to Slack). */
  links: (conversationId: string) => TaskLinks;
  now?: () => number;
  /** Writes a conversation's buffered comment lines now (before a status comment, to keep the order). */
  flushComments?: (conversationId: string) => Promise<void>;
}

const busy = (what: string) => new UnavailableError(`another ticketer is ${what}`, CONTENTION, 300);

export class Ticketer {
  private readonly now: () => number;

  constructor(private readonly deps: TicketerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The tag's gid, found or created once per workspace and remembered in Redis. */
  async tagGid(name: string): Promise<string> {
    const { store, tasks, workspaceGid } = this.deps;
    const cached = await store.tagGid(workspaceGid, name);
    if (cached) return cached;
    const leased = await store.withLease('ticketer-tag', name, async () => {
      const again = await store.tagGid(workspaceGid, name);
      if (again) return again;
      const gid = (await tasks.findTag(name)) ?? (await tasks.createTag(name));
      await store.setTagGid(workspaceGid, name, gid);
      return gid;
    });
    if (!leased) throw busy(`finding the tag "${name}"`);
    return leased.value;
  }

  /**
   * Runs an Asana call with the gids of these tags. When Asana refuses it and a cached gid is stale (the tag was
   * deleted since), the stale gids are forgotten, found or made again, and the call is tried once more.
   */
  async withTags<T>(names: string[], run: (gids: string[]) => Promise<T>): Promise<T> {
    const { store, workspaceGid } = this.deps;
    const gids = await Promise.all(names.map((name) => this.tagGid(name)));
    try {
      return await run(gids);
    } catch (err) {
      if (!(err instanceof PermanentError) || gids.length === 0) throw err;
      await Promise.all(names.map((name, i) => store.forgetTagGid(workspaceGid, name, gids[i])));
      const fresh = await Promise.all(names.map((name) => this.tagGid(name)));
      if (fresh.every((gid, i) => gid === gids[i])) throw err;
      this.deps.logger.warn({ tags: names }, 'ticketer: a cached Asana tag was gone; found or made it again');
      return run(fresh);
    }
  }

  /**
   * After a Redis loss (the rebuilt mark is gone with everything else), reads every marked task of the project
   * back into Redis before any task is created, so a conversation handled before the loss keeps its task.
   */
  async ensureRebuilt(): Promise<void> {
    const { store, tasks, refs, projectGid, logger } = this.deps;
    if (await store.rebuilt(projectGid)) return;
    const leased = await store.withLease('ticketer-rebuild', projectGid, async () => {
      if (await store.rebuilt(projectGid)) return;
      const startedAt = this.now();
      let restored = 0;
      for (const marked of await tasks.markedTasks(startedAt - RECORDS_KEPT_MS)) {
        // Oldest first: a conversation's first task wins, and what was recorded since the loss stays.
        if (await refs.asanaTask(marked.conversationId)) continue;
        await store.saveTicket(marked.conversationId, {
          completed: marked.completed,
          spam: marked.tagNames.includes(SPAM_TAG),
          notes: marked.notes,
          slackLinked: marked.notes.includes('\nSlack thread: '),
          createdAtMs: marked.createdAtMs,
        });
        await refs.setAsanaTask(marked.conversationId, marked.task);
        restored++;
      }
      await store.markRebuilt(projectGid, startedAt);
      logger.warn({ restored }, "ticketer: Redis held none of its records; read the project's tasks back from Asana");
    });
    if (!leased) throw busy('reading the project back from Asana');
  }

  /** The conversation's task, creating it from this event when there is none. */
  async ensureTask(event: ClassifiedEvent): Promise<{ task: AsanaTaskRef; created: boolean }> {
    const { refs, store, tasks } = this.deps;
    const m = event.message!;
    const conversationId = m.conversationId;
    const known = await refs.asanaTask(conversationId);
    if (known) return { task: known, created: false };
    const leased = await store.withLease('ticketer-task', conversationId, async () => {
      const again = await refs.asanaTask(conversationId);
      if (again) return { task: again, created: false };
      const intent = await store.createIntent(conversationId);
      if (!intent) {
        await this.ensureRebuilt();
        const restored = await refs.asanaTask(conversationId);
        if (restored) return { task: restored, created: false };
      }
      const draft = taskFor(event, this.deps.links(conversationId));
      let task = intent ? await tasks.findTask(conversationId, intent.atMs - CLOCK_SKEW_MS) : null;
      const firstEventId = task && intent ? intent.eventId : m.eventId;
      if (!task) {
        const assignee = this.deps.assignees[draft.priority];
        // The intent is marked once the tags are known, right before the create: a tag another lane is finding
        // (a retry on contention) then leaves no intent behind, and no search of the project on the next try.
        task = await this.withTags(draft.tags, async (tagGids) => {
          await store.markCreateIntent(conversationId, { eventId: m.eventId, atMs: this.now() });
          return tasks.createTask({ name: draft.name, notes: draft.notes, conversationId, tagGids, assignee });
        });
      }
      await store.saveTicket(conversationId, {
        notes: draft.notes,
        slackLinked: true,
        firstEventId,
        createdAtMs: this.now(),
      });
      await refs.setAsanaTask(conversationId, task);
      return { task, created: true };
    });
    if (!leased) throw busy('creating this task');
    return leased.value;
  }

  /** Carries out planned ops on the task: each op once per event, lines into the comment buffer. */
  async apply(
    conversationId: string,
    task: AsanaTaskRef | null,
    eventId: string,
    state: TicketState,
    ops: TicketOp[],
  ): Promise<void> {
    const { tasks, store, done } = this.deps;
    for (const [i, op] of ops.entries()) {
      if (op.op === 'buffer') {
        await store.bufferLine(conversationId, eventId, op.line, this.now() + this.deps.commentWindowMs);
        continue;
      }
      if (!task) continue;
      const mark = `${eventId}:${i}`;
      if (await done.isDone(mark)) continue;
      if (op.op === 'comment') await tasks.addComment(task.gid, op.text);
      else if (op.op === 'complete' || op.op === 'uncomplete')
        await tasks.updateTask(task.gid, { completed: op.op === 'complete' });
      else if (op.op === 'assign') await this.assign(task.gid, op);
      else if (op.op === 'due') await tasks.updateTask(task.gid, { due_at: op.at });
      else if (op.op === 'addTag') await this.withTags([op.name], ([tag]) => tasks.addTag(task.gid, tag));
      else await this.withTags([op.name], ([tag]) => tasks.removeTag(task.gid, tag));
      await done.markDone(mark);
    }
    const next = nextState(state, ops);
    if (next.completed !== state.completed || next.spam !== state.spam || (next.dueAt ?? '') !== (state.dueAt ?? ''))
      await store.saveTicket(conversationId, next);
  }

  /**
   * The owner as the task's assignee. An owner Asana does not know by that email (400) is said in a comment
   * instead: retrying cannot fix it, and the owner is still the owner everywhere else.
   */
  private async assign(taskGid: string, op: { email: string; name: string }): Promise<void> {
    const { tasks } = this.deps;
    try {
      await tasks.updateTask(taskGid, { assignee: op.email });
    } catch (err) {
      if (!(err instanceof PermanentError) || err.reason !== 'asana_http_400') throw err;
      await tasks.addComment(
        taskGid,
        `${op.name} is the owner, but no Asana user has the email ${op.email}: the assignee is unchanged.`,
      );
    }
  }

  /** conv.classified: the first event makes the task; later user messages become batched comments. */
  async onClassified({ event, log }: Delivery<typeof ClassifiedEventSchema>): Promise<void> {
    const m = event.message;
    if (!m || event.denied) return;
    // One script call for the three reads: most events are a known task's later messages, and need nothing else.
    const {
      marks,
      task: known,
      ticket: knownTicket,
    } = await this.deps.store.messageFacts(spamSubjectOf(m), this.deps.spam);
    const handling = spamHandling(marks);
    if (handling.act === 'ignore') {
      this.deps.metrics.eventsTotal.inc({ topic: 'asana', outcome: handling.why });
      log.debug({ why: handling.why }, 'spam: no task made, reopened or commented');
      return;
    }
    const { task, created } = known ? { task: known, created: false } : await this.ensureTask(event);
    // A task made just now (or by another replica meanwhile) has a record the first read did not see.
    const ticket = known ? knownTicket : await this.deps.store.ticket(m.conversationId);
    if (created) {
      log.info({ task: task.gid }, 'created asana task');
      if (m.receivedAt)
        this.deps.metrics.endToEndSeconds.observe({ stage: 'asana_task' }, secondsSince(timestampMs(m.receivedAt)));
      // Status changes that came before the task existed (spam, closed) are carried over now.
      const carried: TicketOp[] = [
        ...(ticket.spam ? [{ op: 'addTag', name: 'spam' } as const] : []),
        ...(ticket.completed ? [{ op: 'complete' } as const] : []),
        ...(ticket.dueAt ? [{ op: 'due', at: ticket.dueAt } as const] : []),
      ];
      await this.apply(m.conversationId, task, `${m.eventId}:created`, { completed: false, spam: false }, carried);
      return;
    }
    if (ticket.firstEventId === m.eventId) return;
    await this.apply(m.conversationId, task, m.eventId, ticket, planTicketOps(ticket, { type: 'message', event }));
  }

  /** conv.status: comments, tags and completion as the conversation changes. */
  async onStatus({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> {
    const { refs, store, done } = this.deps;
    const conversationId = event.conversationId;
    if (!conversationId || (await done.isDone(event.eventId))) return;
    let task = await refs.asanaTask(conversationId);
    if (!task && !(await store.rebuilt(this.deps.projectGid))) {
      await this.ensureRebuilt();
      task = await refs.asanaTask(conversationId);
    }
    // A task being created right now will carry this change over only if it is saved first: wait for it.
    if (!task && (await store.createIntent(conversationId))) throw busy('creating this task');
    const ticket = await store.ticket(conversationId);
    const ops = planTicketOps(ticket, { type: 'status', event });
    if (task) await this.deps.flushComments?.(conversationId);
    else log.info({ change: event.change }, 'no task yet; remembering the state for when it is created');
    await this.apply(conversationId, task, event.eventId, ticket, ops);
    await done.markDone(event.eventId);
  }
}
