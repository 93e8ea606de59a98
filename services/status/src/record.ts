// conv.classified → the conversation's transcript.
import { Direction, EventKind, Priority, timestampDate, timestampMs, type ClassifiedEvent, type ClassifiedEventSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import { secondsSince, type Metrics } from '@switchboard/core';
import type { TranscriptEntry, TranscriptStore } from './transcript';

const FROM: Record<Direction, string> = {
  [Direction.UNSPECIFIED]: 'user',
  [Direction.USER]: 'user',
  [Direction.BOT]: 'bot',
  [Direction.OPERATOR]: 'operator',
};

/** Pure: the transcript line for a classified event. */
export function transcriptEntry(event: ClassifiedEvent): TranscriptEntry {
  const m = event.message!;
  const at = m.sentAt ?? m.receivedAt;
  return {
    eventId: m.eventId,
    from: FROM[m.direction],
    author: m.direction === Direction.BOT ? 'bot' : m.user?.name || m.user?.id || '',
    text: m.text,
    at: at ? timestampDate(at).toISOString() : new Date().toISOString(),
    kind: EventKind[event.kind]?.toLowerCase(),
    priority: Priority[event.priority]?.toLowerCase(),
    tags: event.tags,
  };
}

export function transcriptRecorder(store: TranscriptStore, metrics: Metrics) {
  return async ({ event }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    if (!event.message) return;
    const added = await store.append(event.message.conversationId, transcriptEntry(event));
    if (added && event.message.receivedAt) {
      metrics.endToEndSeconds.observe({ stage: 'transcript' }, secondsSince(timestampMs(event.message.receivedAt)));
    }
  };
}
