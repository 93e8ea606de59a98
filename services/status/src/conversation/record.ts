// What the status service records from the bus, for the console: conv.classified and bot.outbound become
// transcript lines, conv.status becomes a line too and changes the conversation's summary. Each is pushed
// to open consoles. Appends are idempotent by event id, so a redelivered event changes nothing. Each event
// also moves the conversation's triage timeline, whose facts feed the triage metrics.
import {
  Direction,
  EventKind,
  OperatorMessageKind,
  Priority,
  StatusChange,
  timestampDate,
  timestampMs,
  type ClassifiedEvent,
  type ClassifiedEventSchema,
  type OperatorMessage,
  type OperatorMessageSchema,
  type StatusEvent,
  type StatusEventSchema,
} from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import { secondsSince, type Metrics } from '@switchboard/core';
import { operatorName, statusLine } from './conversation-state';
import type { ConversationIndex } from './conversations';
import type { DeliveryLog } from './delivery-log';
import type { HandoffStore } from './handoff';
import type { LiveHub } from './live';
import { fromClassified, fromOperatorMessage, fromStatus, type TimelineEvent } from './timeline';
import type { TimelineStore } from './timeline-store';
import type { TranscriptEntry, TranscriptStore } from './transcript';
import type { TriageMetrics } from './triage-metrics';

const FROM: Record<Direction, string> = {
  [Direction.UNSPECIFIED]: 'user',
  [Direction.USER]: 'user',
  [Direction.BOT]: 'bot',
  [Direction.OPERATOR]: 'operator',
};

const iso = (ts: Parameters<typeof timestampDate>[0] | undefined) =>
  ts ? timestampDate(ts).toISOString() : new Date().toISOString();

/** Pure: the transcript line for a classified event. */
export function transcriptEntry(event: ClassifiedEvent): TranscriptEntry {
  const m = event.message!;
  return {
    eventId: m.eventId,
    from: FROM[m.direction],
    author: m.direction === Direction.BOT ? 'bot' : m.user?.name || m.user?.id || '',
    // A handoff with no message is the request alone; with one, the request follows the text.
    text: m.handoff ? [m.text, `The bot asks for a human: ${m.handoff.reason}`].filter(Boolean).join('\n') : m.text,
    at: iso(m.sentAt ?? m.receivedAt),
    kind: EventKind[event.kind]?.toLowerCase(),
    priority: Priority[event.priority]?.toLowerCase(),
    tags: event.tags,
    ...(m.attachments.length > 0
      ? { attachments: m.attachments.slice(0, 20).map((a) => ({ name: a.name, url: a.url, type: a.type })) }
      : {}),
  };
}

/** Pure: the line for a status change ("note" lines are internal notes, never sent to the user). */
export function statusEntry(event: StatusEvent): TranscriptEntry {
  return {
    eventId: event.eventId,
    from: event.change === StatusChange.NOTE ? 'note' : 'status',
    author: operatorName(event.actor),
    text: statusLine(event),
    at: iso(event.at),
  };
}

/** Pure: the line for an operator's message to the user. */
export function operatorEntry(m: OperatorMessage): TranscriptEntry {
  if (m.kind === OperatorMessageKind.HANDED_BACK || m.kind === OperatorMessageKind.HANDOFF_TIMEOUT) {
    const what = m.kind === OperatorMessageKind.HANDED_BACK ? 'handed back' : 'handoff timeout';
    return {
      eventId: m.eventId,
      from: 'status',
      author: operatorName(m.operator),
      text: `the bot is told: ${what}${m.text ? ` (${m.text})` : ''}`,
      at: iso(m.sentAt),
    };
  }
  return { eventId: m.eventId, from: 'operator', author: operatorName(m.operator), text: m.text, at: iso(m.sentAt) };
}

export interface RecorderDeps {
  transcripts: TranscriptStore;
  conversations: ConversationIndex;
  live: LiveHub;
  deliveries: DeliveryLog;
  metrics: Metrics;
  /** True when BOT_WEBHOOK_URL is set: operator messages also go to the bot over HTTP. */
  webhook: boolean;
  timelines: TimelineStore;
  triage: TriageMetrics;
}

/** Applies an event to its conversation's timeline; only the write that won measures the facts. */
async function recordTimeline(
  { timelines, triage }: RecorderDeps,
  conversationId: string,
  event: TimelineEvent | null,
): Promise<void> {
  if (!event) return;
  const result = await timelines.apply(conversationId, event);
  if (result.outcome === 'applied') triage.observe(result.facts);
}

export function classifiedRecorder(deps: RecorderDeps) {
  const { transcripts, conversations, live, metrics } = deps;
  return async ({ event }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    if (!event.message) return;
    const entry = transcriptEntry(event);
    const id = event.message.conversationId;
    const added = await transcripts.append(id, entry);
    await recordTimeline(deps, id, fromClassified(event));
    // Also after a redelivery: a crash between the two writes must not leave the summary behind.
    const summary = await conversations.recordMessage(event, added);
    if (!added) return;
    if (event.message.receivedAt)
      metrics.endToEndSeconds.observe({ stage: 'transcript' }, secondsSince(timestampMs(event.message.receivedAt)));
    await live.publishMany([
      { type: 'entry', conversationId: id, entry },
      { type: 'summary', conversationId: id, summary },
    ]);
  };
}

/**
 * The same for a whole fetch of messages (the consumer's batch handler): a few Redis round trips for the
 * batch instead of six for each event. If it throws, the consumer handles the messages one by one.
 */
export function classifiedBatchRecorder(deps: RecorderDeps) {
  const { transcripts, conversations, live, metrics } = deps;
  return async (deliveries: Delivery<typeof ClassifiedEventSchema>[]): Promise<void> => {
    const events = deliveries.map((d) => d.event).filter((e) => e.message);
    const entries = events.map((event) => ({
      conversationId: event.message!.conversationId,
      entry: transcriptEntry(event),
    }));
    const added = await transcripts.appendMany(entries);
    // The timelines: each conversation's messages folded in order, two round trips for the batch.
    const byConversation = new Map<string, TimelineEvent[]>();
    for (const event of events) {
      const id = event.message!.conversationId;
      byConversation.set(id, [...(byConversation.get(id) ?? []), fromClassified(event)!]);
    }
    deps.triage.observe(await deps.timelines.applyMessages(byConversation));
    const summaries = await conversations.recordMessages(events, added);
    const fresh = events.filter((_, i) => added[i]);
    if (fresh.length === 0) return;
    for (const event of fresh) {
      if (event.message!.receivedAt)
        metrics.endToEndSeconds.observe({ stage: 'transcript' }, secondsSince(timestampMs(event.message!.receivedAt)));
    }
    await live.publishMany([
      ...entries
        .filter((_, i) => added[i])
        .map(({ conversationId, entry }) => ({ type: 'entry' as const, conversationId, entry })),
      ...[...summaries].map(([conversationId, summary]) => ({ type: 'summary' as const, conversationId, summary })),
    ]);
  };
}

export function statusRecorder(deps: RecorderDeps) {
  const { transcripts, conversations, live } = deps;
  return async ({ event }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    if (!event.conversationId) return;
    const entry = statusEntry(event);
    await recordTimeline(deps, event.conversationId, fromStatus(event));
    // The summary first: if we crash after it, the redelivery still adds the line (and the summary write is idempotent).
    const summary = await conversations.recordStatus(event);
    const added = await transcripts.append(event.conversationId, entry);
    if (added) await live.publish({ type: 'entry', conversationId: event.conversationId, entry });
    if (summary) await live.publish({ type: 'summary', conversationId: event.conversationId, summary });
  };
}

export function outboundRecorder(deps: RecorderDeps) {
  const { transcripts, live, deliveries, webhook } = deps;
  return async ({ event }: Delivery<typeof OperatorMessageSchema>): Promise<void> => {
    if (!event.conversationId) return;
    await recordTimeline(deps, event.conversationId, fromOperatorMessage(event));
    const entry = operatorEntry(event);
    const added = await transcripts.append(event.conversationId, entry);
    await deliveries.initial(event.conversationId, event.eventId, webhook ? 'pending' : 'on_kafka');
    if (added) await live.publish({ type: 'entry', conversationId: event.conversationId, entry });
  };
}

/** A bot's request for a human starts its deadline: from when ingress accepted it, so a late consumer is not later. */
export function handoffRecorder({ handoffs, timeoutMs }: { handoffs: HandoffStore; timeoutMs: number }) {
  return async ({ event }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const m = event.message;
    if (event.kind !== EventKind.HANDOFF_REQUESTED || !m?.handoff) return;
    const requestedMs = m.receivedAt ? timestampMs(m.receivedAt) : Date.now();
    const { reason, summary, team, metadata } = m.handoff;
    await handoffs.schedule(
      m.conversationId,
      {
        requestId: m.eventId,
        reason,
        summary,
        team,
        metadata: { ...metadata },
        requestedAt: new Date(requestedMs).toISOString(),
        until: new Date(requestedMs + timeoutMs).toISOString(),
      },
      requestedMs + timeoutMs,
    );
  };
}
