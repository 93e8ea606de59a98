// What the status service records from the bus, for the console: conv.classified and bot.outbound become
// transcript lines, conv.status becomes a line too and changes the conversation's summary. Each is pushed
// to open consoles. Appends are idempotent by event id, so a redelivered event changes nothing. Each event
// also moves the conversation's triage timeline, whose facts feed the triage metrics. The Redis side, in as
// few script calls as it allows, is record-store.ts.
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
import type { HandoffStore } from './handoff';
import type { RecordStore } from './record-store';
import { fromClassified, fromOperatorMessage, fromStatus } from './timeline';
import type { TranscriptEntry } from './transcript';
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
  records: RecordStore;
  metrics: Metrics;
  /** True when BOT_WEBHOOK_URL is set: operator messages also go to the bot over HTTP. */
  webhook: boolean;
  triage: TriageMetrics;
}

/**
 * conv.classified, a whole fetch at once (the consumer's batch handler): two script calls for the batch. If it
 * throws, the consumer handles the messages one by one (the same, for a fetch of one).
 */
export function classifiedBatchRecorder({ records, metrics, triage }: RecorderDeps) {
  return async (deliveries: Delivery<typeof ClassifiedEventSchema>[]): Promise<void> => {
    const messages = deliveries.flatMap(({ event }) =>
      event.message ? [{ event, entry: transcriptEntry(event), timeline: fromClassified(event)! }] : [],
    );
    const { added, facts } = await records.recordMessages(messages);
    triage.observe(facts);
    for (const [i, { event }] of messages.entries()) {
      if (added[i] && event.message!.receivedAt)
        metrics.endToEndSeconds.observe({ stage: 'transcript' }, secondsSince(timestampMs(event.message!.receivedAt)));
    }
  };
}

export function classifiedRecorder(deps: RecorderDeps) {
  const batch = classifiedBatchRecorder(deps);
  return (delivery: Delivery<typeof ClassifiedEventSchema>): Promise<void> => batch([delivery]);
}

export function statusRecorder({ records, triage }: RecorderDeps) {
  return async ({ event }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    if (!event.conversationId) return;
    triage.observe(await records.recordStatus(event, statusEntry(event), fromStatus(event)));
  };
}

export function outboundRecorder({ records, triage, webhook }: RecorderDeps) {
  return async ({ event }: Delivery<typeof OperatorMessageSchema>): Promise<void> => {
    if (!event.conversationId) return;
    const delivery = webhook ? 'pending' : 'on_kafka';
    triage.observe(
      await records.recordOperatorMessage(event, operatorEntry(event), fromOperatorMessage(event), delivery),
    );
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
