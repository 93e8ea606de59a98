// Whether an event starts, resumes or continues its conversation, from state in Redis shared by every
// classifier replica. The started key holds the id of the event that started the conversation, so a
// redelivery of that same event is still recognised as the start.
import { EventKind } from '@switchboard/proto';
import type { Keys, Redis } from '@switchboard/store';
import { classifierKeys } from './keys';

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
export function kindFrom(
  startedBy: string,
  eventId: string,
  lastSeenMs: number | null,
  atMs: number,
  resumeAfterMs: number,
): EventKind {
  if (startedBy === eventId) return EventKind.CONVERSATION_STARTED;
  if (lastSeenMs !== null && atMs - lastSeenMs >= resumeAfterMs) return EventKind.CONVERSATION_RESUMED;
  return EventKind.MESSAGE;
}

// Per event, in order: claim the start if nobody has (SET NX), read who has, swap in the last-seen time.
// One script call for a whole batch: the per-command cost of four commands per event dominated the
// classifier's CPU (bench/), and in one script the events of one conversation in a batch see each other.
const SIGHT = `
local out = {}
for i = 1, #KEYS, 2 do
  local n = (i + 1) / 2
  local eventId = ARGV[n * 2 - 1]
  redis.call('SET', KEYS[i], eventId, 'EX', ARGV[#ARGV], 'NX')
  local startedBy = redis.call('GET', KEYS[i])
  local lastSeen = redis.call('GETSET', KEYS[i + 1], ARGV[n * 2])
  redis.call('EXPIRE', KEYS[i + 1], ARGV[#ARGV])
  out[n * 2 - 1] = startedBy
  out[n * 2] = lastSeen or ''
end
return out`;

export function redisConversationTracker(redis: Redis, sharedKeys: Keys, resumeAfterMs: number): ConversationTracker {
  const keys = classifierKeys(sharedKeys);
  return {
    async kindsOf(sightings) {
      if (sightings.length === 0) return [];
      const scriptKeys = sightings.flatMap(({ conversationId }) => [
        keys.conversationStarted(conversationId),
        keys.conversationLastSeen(conversationId),
      ]);
      const args = [...sightings.flatMap(({ eventId, atMs }) => [eventId, String(atMs)]), String(RETENTION_SECONDS)];
      const results = (await redis.eval(SIGHT, scriptKeys.length, ...scriptKeys, ...args)) as string[];
      return sightings.map(({ eventId, atMs }, i) => {
        const lastSeen = results[i * 2 + 1];
        return kindFrom(
          String(results[i * 2]),
          eventId,
          lastSeen === '' ? null : Number(lastSeen),
          atMs,
          resumeAfterMs,
        );
      });
    },
  };
}
