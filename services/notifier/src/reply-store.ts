// Redis side of grouped thread replies. A reply that would be late is queued with its conversation (idempotent
// by event id, and done-marked in the same transaction, so a redelivery never queues it twice); under the
// conversation's lock, the flusher or the conversation's next line on time takes its queued replies atomically
// into its one open batch, posts them as one thread reply, and closes the batch. A batch taken and not closed
// (a crash) is looked up in Slack before it is reposted.
import type { Redis } from 'ioredis';
import { OpenBatches, type OpenBatch } from '@switchboard/store';
import type { NotifierKeys } from './keys';
import { LOCK_SCOPES } from './post-markers';
import type { Priority } from '@switchboard/proto';

const QUEUE_SECONDS = 7 * 24 * 60 * 60;
/**
 * A reply batch is taken under its conversation's lock (its fence numbers; a batch left by a notifier that took
 * them under the channel's flush lock is taken over as resumed, and looked up in Slack before it is reposted).
 */
const REPLY_FENCE_SCOPE = LOCK_SCOPES.conversation;
/** As DoneMarks: how long a done-mark is kept. */
const DONE_SECONDS = 7 * 24 * 60 * 60;

export interface QueuedReply {
  eventId: string;
  /** The reply's line, rendered (escaped mrkdwn). */
  line: string;
  priority: Priority;
  receivedAtMs: number;
  /** An operator's state line: posted even if the conversation is marked spam before the flush. */
  evenIfSpam?: boolean;
}

export interface ReplyBatch {
  id: string;
  conversationId: string;
  items: QueuedReply[];
  createdAtMs: number;
  /** Taken over from an earlier attempt (a crash, a holder whose lock ran out): it may be on its way to Slack. */
  resumed: boolean;
  /** The fencing number of the conversation lock holder that took or resumed it. */
  fence: number;
}

// One reply queued, in one script call (it runs for every late line; the client's cost is per command).
// KEYS: the conversation's replies (zset by arrival), their lines (hash), the channel's pending conversations
// (zset), the channels with something pending (set), the event's done mark.
// ARGV: now ms, event id, the reply (JSON), the queue's TTL (s), '1' if urgent, conversation id, channel, mark TTL (s).
const QUEUE = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], 0, ARGV[6])
else
  redis.call('ZADD', KEYS[3], 'NX', ARGV[1], ARGV[6])
end
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('SET', KEYS[5], '1', 'EX', ARGV[8])
return 1
`;

// KEYS: batch key, replies zset, channel's pending set. ARGV: conversation id.
const CLOSE_BATCH = `
redis.call('DEL', KEYS[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[3], ARGV[1]) end
return 1
`;

export class ReplyStore {
  private readonly batches: OpenBatches;

  constructor(
    private readonly redis: Redis,
    private readonly keys: NotifierKeys,
    private readonly doneScope: string,
  ) {
    this.batches = new OpenBatches(redis);
  }

  /** Queues a reply and marks its event done, in one step. Urgent replies put their conversation first. */
  async queue(
    channel: string,
    conversationId: string,
    reply: QueuedReply,
    urgent: boolean,
    nowMs = Date.now(),
  ): Promise<void> {
    const k = this.keys;
    await this.redis.eval(
      QUEUE,
      5,
      k.notifierReplies(conversationId),
      k.notifierReplyLines(conversationId),
      k.repliesPending(channel),
      k.digestChannels(),
      k.done(this.doneScope, reply.eventId),
      nowMs,
      reply.eventId,
      JSON.stringify(reply),
      QUEUE_SECONDS,
      urgent ? '1' : '0',
      conversationId,
      channel,
      DONE_SECONDS,
    );
  }

  /** Conversations of the channel with replies waiting, urgent and longest-waiting first. */
  conversations(channel: string, max: number): Promise<string[]> {
    return this.redis.zrange(this.keys.repliesPending(channel), 0, max - 1);
  }

  async pendingCount(channel: string): Promise<number> {
    return this.redis.zcard(this.keys.repliesPending(channel));
  }

  async openBatch(conversationId: string): Promise<ReplyBatch | null> {
    const open = await this.batches.peek(this.keys.notifierReplyBatch(conversationId));
    return open && replyBatch(conversationId, open);
  }

  /** The conversation's open batch, else up to `max` of its queued replies as a new one. */
  async takeBatch(
    conversationId: string,
    max: number,
    batchId: string,
    fence: number,
    nowMs = Date.now(),
  ): Promise<ReplyBatch | null> {
    const k = this.keys;
    const source = {
      kind: 'zset-values' as const,
      key: k.notifierReplies(conversationId),
      values: k.notifierReplyLines(conversationId),
      max,
    };
    const taken = await this.batches.takeOrResume(k.notifierReplyBatch(conversationId), source, {
      batchId,
      fence,
      fenceScope: REPLY_FENCE_SCOPE,
      nowMs,
    });
    return taken && replyBatch(conversationId, taken);
  }

  /** True while the conversation's open batch is still claimed by this fence: checked right before it is posted. */
  async stillHolds(batch: ReplyBatch): Promise<boolean> {
    return this.batches.holds(this.keys.notifierReplyBatch(batch.conversationId), batch.fence, REPLY_FENCE_SCOPE);
  }

  /** The batch is posted (or given up): close it, and forget the conversation if nothing else waits. */
  async close(channel: string, conversationId: string): Promise<void> {
    const k = this.keys;
    await this.redis.eval(
      CLOSE_BATCH,
      3,
      k.notifierReplyBatch(conversationId),
      k.notifierReplies(conversationId),
      k.repliesPending(channel),
      conversationId,
    );
  }
}

function replyBatch(conversationId: string, batch: OpenBatch): ReplyBatch {
  return {
    id: batch.id,
    conversationId,
    createdAtMs: batch.createdAtMs,
    resumed: batch.resumed,
    fence: batch.fence,
    items: batch.items.map((item) => JSON.parse(item) as QueuedReply),
  };
}
