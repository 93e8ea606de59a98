// A user writing again on a closed conversation reopens it on every surface at once: the status service
// publishes REOPENED itself (the console, the Slack root and the task follow conv.status), without waiting for
// a task's change to come back through the Asana webhook. One event per message, whatever the redeliveries.
import {
  create,
  Direction,
  OperatorSchema,
  StatusChange,
  timestampMs,
  type ClassifiedEvent,
  type ClassifiedEventSchema,
} from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import type { DoneMarks } from '@switchboard/store';
import type { OperatorActions } from './actions';
import type { ConversationSummary } from './conversation-state';
import type { ConversationIndex } from './conversations';

/** The REOPENED event's note: every surface says why the conversation is open again. */
export const REOPEN_NOTE = 'the user wrote again';

/** Derived from the message's event id: replicas and redeliveries make one REOPENED per message. */
export const reopenEventId = (messageEventId: string) => `${messageEventId}:reopened`;

/** Who reopens it: the system, on the user's behalf (the surfaces show the note). */
export const REOPENER = create(OperatorSchema, { id: 'system', name: 'the user writing again', source: 'system' });

/**
 * Pure: whether this message reopens its conversation: a user's message (not one the rules deny) on a
 * conversation that is closed and not spam (a spammer writing again reopens nothing), received after the
 * close (a message already on its way when the operator closed it was there before the close).
 */
export function reopensConversation(event: ClassifiedEvent, summary: ConversationSummary | null): boolean {
  const m = event.message;
  if (!m || event.denied || !summary?.closed || summary.spam) return false;
  if (m.direction !== Direction.USER && m.direction !== Direction.UNSPECIFIED) return false;
  const closedMs = summary.closedAt ? Date.parse(summary.closedAt) : NaN;
  return !(m.receivedAt && Number.isFinite(closedMs) && timestampMs(m.receivedAt) < closedMs);
}

export interface ReopenDeps {
  conversations: ConversationIndex;
  actions: OperatorActions;
  /** The decision, taken once per message: a crash after the summary says open still publishes the event. */
  decided: DoneMarks;
  done: DoneMarks;
}

/** conv.classified → REOPENED for a user's message on a closed conversation. */
export function reopenOnUserMessage({ conversations, actions, decided, done }: ReopenDeps) {
  return async ({ event, log }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const m = event.message;
    if (!m?.conversationId || !m.eventId) return;
    // Independent reads, so one round trip's wait: nearly every message is on an open conversation and ends here.
    const [finished, wasDecided, summary] = await Promise.all([
      done.isDone(m.eventId),
      decided.isDone(m.eventId),
      conversations.get(m.conversationId),
    ]);
    if (finished) return;
    if (!wasDecided) {
      if (!reopensConversation(event, summary)) return;
      await decided.markDone(m.eventId);
    }
    await actions.act({
      conversationId: m.conversationId,
      change: StatusChange.REOPENED,
      actor: REOPENER,
      eventId: reopenEventId(m.eventId),
      note: REOPEN_NOTE,
    });
    await done.markDone(m.eventId);
    log.info({ conversationId: m.conversationId }, 'closed conversation reopened: the user wrote again');
  };
}
