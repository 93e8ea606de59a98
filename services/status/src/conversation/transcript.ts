// Transcripts: every classified event and operator message of a conversation, kept in Redis as a capped
// list with a retention time. Appending is idempotent by event id (one Lua call: a redelivered event is
// never shown twice); the set of seen ids is kept to at most twice the list's cap.
import type { Redis } from '@switchboard/store';
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

const APPEND_ONCE = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
-- The id set is bounded too: past twice the list's cap it is rebuilt from the ids still in the list.
if redis.call('SCARD', KEYS[2]) > 2 * tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[2])
  for _, line in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do redis.call('SADD', KEYS[2], cjson.decode(line).eventId) end
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;

export class TranscriptStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly maxEntries: number,
    private readonly retentionSeconds: number,
  ) {}

  /** True when the entry was new; false when it was already there. */
  async append(conversationId: string, entry: TranscriptEntry): Promise<boolean> {
    const [added] = await this.appendMany([{ conversationId, entry }]);
    return added;
  }

  /** Many appends in one round trip, in order; for each, true when it was new. */
  async appendMany(items: { conversationId: string; entry: TranscriptEntry }[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const { conversationId, entry } of items) {
      pipeline.eval(
        APPEND_ONCE,
        2,
        this.keys.transcript(conversationId),
        this.keys.transcriptIds(conversationId),
        entry.eventId,
        JSON.stringify(entry),
        String(this.maxEntries),
        String(this.retentionSeconds),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, added]) => {
      if (err) throw err;
      return added === 1;
    });
  }

  async read(conversationId: string): Promise<TranscriptEntry[]> {
    const raw = await this.redis.lrange(this.keys.transcript(conversationId), 0, -1);
    return raw.map((line) => JSON.parse(line) as TranscriptEntry);
  }
}
