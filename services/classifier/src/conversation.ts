// Whether an event starts, resumes or continues its conversation, from state in Redis shared by every
// classifier replica. The started key holds the id of the event that started the conversation, so a
// redelivery of that same event is still recognised as the start.
import { EventKind } from '@switchboard/proto';
import type { Keys, Redis } from '@switchboard/store';

export interface Sighting {
  conversationId: string;
  eventId: string;
  atMs: number;
}

export interface ConversationTracker {
  /** The kind of each event, in order; one Redis round trip for all of them. */
  kindsOf(sightings: Sighting[]): Promise<EventKind[]>;
}

const RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** Pure: the kind, given who started the conversation and when it was last heard from. */
export function kindFrom(startedBy: string, eventId: string, lastSeenMs: number | null, atMs: number, resumeAfterMs: number): EventKind {
  if (startedBy === eventId) return EventKind.CONVERSATION_STARTED;
  if (lastSeenMs !== null && atMs - lastSeenMs >= resumeAfterMs) return EventKind.CONVERSATION_RESUMED;
  return EventKind.MESSAGE;
}

export function redisConversationTracker(redis: Redis, keys: Keys, resumeAfterMs: number): ConversationTracker {
  return {
    async kindsOf(sightings) {
      if (sightings.length === 0) return [];
      // Per event: claim the start if nobody has, read who has, swap in the last-seen time. All in one
      // transaction, in order, so two events of one conversation in the same batch see each other.
      const tx = redis.multi();
      for (const { conversationId, eventId, atMs } of sightings) {
        const startedKey = keys.conversationStarted(conversationId);
        const lastSeenKey = keys.conversationLastSeen(conversationId);
        tx.set(startedKey, eventId, 'EX', RETENTION_SECONDS, 'NX')
          .get(startedKey)
          .getset(lastSeenKey, String(atMs))
          .expire(lastSeenKey, RETENTION_SECONDS);
      }
      const results = await tx.exec();
      if (!results) throw new Error('redis transaction aborted');
      for (const [err] of results) if (err) throw err;
      return sightings.map(({ eventId, atMs }, i) => {
        const startedBy = String(results[i * 4 + 1][1]);
        const lastSeen = results[i * 4 + 2][1] === null ? null : Number(results[i * 4 + 2][1]);
        return kindFrom(startedBy, eventId, lastSeen, atMs, resumeAfterMs);
      });
    },
  };
}
