// The loop every replica runs: writes each conversation's buffered comment lines as one comment once its
// window has passed, and gives the Slack link to tasks made without one (by a ticketer before 2026-12-01,
// which waited for the notifier's permalink; tasks are now made with the console's link to Slack).
// Each conversation is flushed under a lease, and a batch is recorded as written, so none is written twice.
import { PermanentError, UnavailableError } from '@switchboard/bus';
import { sleep, type Logger } from '@switchboard/core';
import type { ConversationRefs } from '@switchboard/store';
import type { TaskPort } from './asana';
import { batchAlreadyWritten, batchText, notesWithSlack } from './plan';
import type { TicketStore } from './ticket-store';

export interface FlusherDeps {
  tasks: TaskPort;
  store: TicketStore;
  refs: ConversationRefs;
  logger: Logger;
  commentWindowMs: number;
  intervalMs?: number;
  /** The console's link to the conversation in Slack (agreements' slackThreadUrl). */
  slackUrl: (conversationId: string) => string;
  now?: () => number;
}

export class CommentFlusher {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: FlusherDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Writes the conversation's waiting lines now, if any; false when another replica is at it. */
  async flush(conversationId: string): Promise<boolean> {
    const { store, refs, tasks } = this.deps;
    const leased = await store.withLease('ticketer-comments', conversationId, async () => {
      const task = await refs.asanaTask(conversationId);
      if (!task) return;
      const batch = await store.takeBatch(conversationId);
      if (!batch) return;
      const text = batchText(batch.lines);
      const written =
        (await store.batchWritten(batch.id)) ||
        (batch.recovered && batchAlreadyWritten(await tasks.comments(task.gid), text));
      try {
        if (!written) await tasks.addComment(task.gid, text);
      } catch (err) {
        // Asana refuses this comment for good (the task was deleted, say): retrying cannot help.
        if (!(err instanceof PermanentError)) throw err;
        this.deps.logger.error(
          { err: err.message, conversationId, lines: batch.lines.length },
          'ticketer: comment refused, batch dropped',
        );
      }
      await store.finishBatch(conversationId, batch.id, this.now() + this.deps.commentWindowMs);
    });
    return leased !== undefined;
  }

  /**
   * A task an earlier ticketer left waiting for its Slack permalink: its notes get the console's link to Slack,
   * which needs no waiting. Tasks made now have it from the start and are never waiting.
   */
  async linkSlack(conversationId: string): Promise<void> {
    const { store, refs, tasks } = this.deps;
    const [ticket, task] = await Promise.all([store.ticket(conversationId), refs.asanaTask(conversationId)]);
    if (task && !ticket.slackLinked && ticket.notes) {
      await store.withLease('ticketer-notes', conversationId, async () => {
        if ((await store.ticket(conversationId)).slackLinked) return;
        await tasks.updateTask(task.gid, { notes: notesWithSlack(ticket.notes, this.deps.slackUrl(conversationId)) });
        await store.saveTicket(conversationId, { slackLinked: true });
      });
    }
    await store.stopAwaitingSlackLink(conversationId);
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { store, logger } = this.deps;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const now = this.now();
        for (const conversationId of await store.dueConversations(now, 50)) {
          if (signal.aborted) break;
          await this.guarded(
            conversationId,
            'comments',
            () => this.flush(conversationId),
            (until) => store.postpone(conversationId, until),
          );
        }
        for (const conversationId of await store.linksToCheck(now, 50)) {
          if (signal.aborted) break;
          await this.guarded(
            conversationId,
            'slack link',
            () => this.linkSlack(conversationId),
            (until) => store.awaitSlackLink(conversationId, until),
          );
        }
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'ticketer flusher: redis unavailable');
      }
      await sleep(this.deps.intervalMs ?? 250, signal).catch(() => undefined);
    }
  }

  /** One conversation's work; on failure it is tried again later (Retry-After when Asana gave one). */
  private async guarded(
    conversationId: string,
    what: string,
    work: () => Promise<unknown>,
    retryAt: (ms: number) => Promise<unknown>,
  ): Promise<void> {
    try {
      await work();
    } catch (err) {
      const delayMs = err instanceof UnavailableError && err.retryAfterMs !== undefined ? err.retryAfterMs : 2000;
      this.deps.logger.warn(
        { err: (err as Error).message, conversationId, delayMs },
        `ticketer: ${what} failed, trying again later`,
      );
      await retryAt(this.now() + delayMs);
    }
  }
}
