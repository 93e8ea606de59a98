// Transcripts: every classified event and operator message of a conversation, kept in Redis as a capped
// list with a retention time. Appending is idempotent by event id (a Lua step of the recording's scripts,
// record-store.ts: a redelivered event is never shown twice); the seen ids are kept to at most twice the cap.
import type { Redis } from '@switchboard/store';
import type { ScriptStep } from '../script-steps';
import type { StatusKeys } from '../status-keys';

export interface TranscriptEntry {
  eventId: string;
  /** "user", "bot" or "operator". */
  from: string;
  author: string;
  text: string;
  /** ISO time the message was sent. */
  at: string;
  kind?: string;
  priority?: string;
  tags?: string[];
  /** The message's attachments as sent (only http(s) URLs are ever made links when shown). */
  attachments?: { name: string; url: string; type: string }[];
}

/**
 * Lua: appends a line unless its event id was seen; 1 when it was new, 0 when already there. KEYS: the list,
 * the seen ids. ARGV: event id, line, the list's cap, lifetime (s).
 */
export const APPEND_ONCE = `
local function append_once(k, a)
  local cap = tonumber(a[3])
  if redis.call('SADD', k[2], a[1]) == 0 then return 0 end
  redis.call('RPUSH', k[1], a[2])
  redis.call('LTRIM', k[1], -cap, -1)
  redis.call('EXPIRE', k[1], a[4])
  -- The id set is bounded too: past twice the list's cap it is rebuilt from the ids still in the list.
  if redis.call('SCARD', k[2]) > 2 * cap then
    redis.call('DEL', k[2])
    for _, line in ipairs(redis.call('LRANGE', k[1], 0, -1)) do redis.call('SADD', k[2], cjson.decode(line).eventId) end
  end
  redis.call('EXPIRE', k[2], a[4])
  return 1
end
`;

export class TranscriptStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly maxEntries: number,
    private readonly retentionSeconds: number,
  ) {}

  /** The append of a line, for a script that runs APPEND_ONCE. */
  appendStep(conversationId: string, entry: TranscriptEntry): ScriptStep {
    return {
      keys: [this.keys.transcript(conversationId), this.keys.transcriptIds(conversationId)],
      args: [entry.eventId, JSON.stringify(entry), String(this.maxEntries), String(this.retentionSeconds)],
    };
  }

  async read(conversationId: string): Promise<TranscriptEntry[]> {
    const raw = await this.redis.lrange(this.keys.transcript(conversationId), 0, -1);
    return raw.map((line) => JSON.parse(line) as TranscriptEntry);
  }
}
