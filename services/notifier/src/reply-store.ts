// Redis side of grouped thread replies. A reply that would be late is queued with its conversation (idempotent
// by event id, and done-marked in the same transaction, so a redelivery never queues it twice); the flusher
// takes a conversation's queued replies atomically into its one open batch, posts them as one thread reply,
// and closes the batch. A batch taken and not closed (a crash) is looked up in Slack before it is reposted.
import type { Redis } from 'ioredis';
import type { Keys } from '@switchboard/store';
import type { Priority } from '@switchboard/proto';

const QUEUE_SECONDS = 7 * 24 * 60 * 60;
/** As DoneMarks: how long a done-mark is kept. */
const DONE_SECONDS = 7 * 24 * 60 * 60;

export interface QueuedReply {
  eventId: string;
  /** The reply's line, rendered (escaped mrkdwn). */
  line: string;
  priority: Priority;
  receivedAtMs: number;
}

export interface ReplyBatch {
  id: string;
  conversationId: string;
  items: QueuedReply[];
  createdAtMs: number;
}

// KEYS: replies zset, lines hash, batch key. ARGV: max, batch id, now ms, conversation id.
const TAKE_BATCH = `
local open = redis.call('GET', KEYS[3])
if open then return open end
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return false end
local raw = redis.call('HMGET', KEYS[2], unpack(ids))
local items = {}
for _, item in ipairs(raw) do
  if item then table.insert(items, item) end
end
redis.call('ZREM', KEYS[1], unpack(ids))
redis.call('HDEL', KEYS[2], unpack(ids))
local batch = cjson.encode({id = ARGV[2], conversationId = ARGV[4], items = items, createdAtMs = tonumber(ARGV[3])})
redis.call('SET', KEYS[3], batch)
return batch
`;

// KEYS: batch key, replies zset, channel's pending set. ARGV: conversation id.
const CLOSE_BATCH = `
redis.call('DEL', KEYS[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[3], ARGV[1]) end
return 1
`;

export class ReplyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly doneScope: string,
  ) {}

  /** Queues a reply and marks its event done, in one transaction. Urgent replies put their conversation first. */
  async queue(channel: string, conversationId: string, reply: QueuedReply, urgent: boolean, nowMs = Date.now()): Promise<void> {
    const k = this.keys;
    const pending = k.repliesPending(channel);
    const multi = this.redis
      .multi()
      .zadd(k.notifierReplies(conversationId), 'NX', nowMs, reply.eventId)
      .hset(k.notifierReplyLines(conversationId), reply.eventId, JSON.stringify(reply))
      .expire(k.notifierReplies(conversationId), QUEUE_SECONDS)
      .expire(k.notifierReplyLines(conversationId), QUEUE_SECONDS);
    if (urgent) multi.zadd(pending, 0, conversationId);
    else multi.zadd(pending, 'NX', nowMs, conversationId);
    await multi.sadd(k.digestChannels(), channel).set(k.done(this.doneScope, reply.eventId), '1', 'EX', DONE_SECONDS).exec();
  }

  /** Conversations of the channel with replies waiting, urgent and longest-waiting first. */
  conversations(channel: string, max: number): Promise<string[]> {
    return this.redis.zrange(this.keys.repliesPending(channel), 0, max - 1);
  }

  async pendingCount(channel: string): Promise<number> {
    return this.redis.zcard(this.keys.repliesPending(channel));
  }

  async openBatch(conversationId: string): Promise<ReplyBatch | null> {
    const raw = await this.redis.get(this.keys.notifierReplyBatch(conversationId));
    return raw ? parseBatch(raw) : null;
  }

  async takeBatch(conversationId: string, max: number, batchId: string, nowMs = Date.now()): Promise<ReplyBatch | null> {
    const k = this.keys;
    const raw = (await this.redis.eval(TAKE_BATCH, 3, k.notifierReplies(conversationId), k.notifierReplyLines(conversationId), k.notifierReplyBatch(conversationId), max, batchId, nowMs, conversationId)) as string | null;
    return raw ? parseBatch(raw) : null;
  }

  /** The batch is posted (or given up): close it, and forget the conversation if nothing else waits. */
  async close(channel: string, conversationId: string): Promise<void> {
    const k = this.keys;
    await this.redis.eval(CLOSE_BATCH, 3, k.notifierReplyBatch(conversationId), k.notifierReplies(conversationId), k.repliesPending(channel), conversationId);
  }
}

function parseBatch(raw: string): ReplyBatch {
  const batch = JSON.parse(raw) as Omit<ReplyBatch, 'items'> & { items: string[] | Record<string, never> };
  // cjson encodes an empty list as {}.
  const items = Array.isArray(batch.items) ? batch.items.map((item) => JSON.parse(item) as QueuedReply) : [];
  return { ...batch, items };
}
