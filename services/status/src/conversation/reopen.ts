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
import { inLanes, type BatchHandler, type Delivery } from '@switchboard/bus';
import type { OperatorActions } from './actions';
import type { ConversationSummary } from './conversation-state';
import type { ReopenFacts, ReopenStore } from './reopen-store';

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
  /** The reads, and the marks: one decision per message (a crash after the summary says open still publishes). */
  reopens: ReopenStore;
  actions: OperatorActions;
}

/** Pure: whether a message has work left, by its facts as read: a decision to take, or a decided event to publish. */
const workLeft = (event: ClassifiedEvent, facts: ReopenFacts) =>
  !facts.finished && (facts.decided || reopensConversation(event, facts.summary));

/** conv.classified → REOPENED for a user's message on a closed conversation. */
export function reopenOnUserMessage({ reopens, actions }: ReopenDeps) {
  return async ({ event, log }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const m = event.message;
    if (!m?.conversationId || !m.eventId) return;
    const [facts] = await reopens.read([m]);
    if (!workLeft(event, facts)) return;
    if (!facts.decided) await reopens.markDecided(m.eventId);
    await actions.act({
      conversationId: m.conversationId,
      change: StatusChange.REOPENED,
      actor: REOPENER,
      eventId: reopenEventId(m.eventId),
      note: REOPEN_NOTE,
    });
    await reopens.markDone(m.eventId);
    log.info({ conversationId: m.conversationId }, 'closed conversation reopened: the user wrote again');
  };
}

/**
 * The same for a whole fetch (the consumer's batch handler): every message's marks and summary in one script
 * call, where nearly every message (on an open conversation) ends. A conversation's first message with work
 * left, and every later one of it, go through the one-message handler, many conversations at once, each in
 * order (lanes): it reads again, as a reopen changes what the conversation's next message finds.
 */
export function reopenBatchOnUserMessages(
  deps: ReopenDeps,
  concurrency: number,
): BatchHandler<typeof ClassifiedEventSchema> {
  const inOrder = inLanes(reopenOnUserMessage(deps), { concurrency });
  return async (deliveries, context) => {
    const messages = deliveries.filter((d) => d.event.message?.conversationId && d.event.message.eventId);
    const facts = await deps.reopens.read(messages.map((d) => d.event.message!));
    const working = new Set<string>();
    const left = messages.filter((d, i) => {
      const id = d.event.message!.conversationId;
      if (!working.has(id) && !workLeft(d.event, facts[i])) return false;
      working.add(id);
      return true;
    });
    if (left.length > 0) await inOrder(left, context);
  };
}
