// Redis side of digests. A conversation is queued once per channel (a sorted set, idempotent by conversation
// id); a flusher takes up to N of them atomically into the channel's one open batch, which stays until the
// digest is posted and recorded, so a crash in between is recovered by whoever flushes next. Every queued
// conversation therefore ends in exactly one digest (or, alone, in a root of its own).
import type { Redis } from 'ioredis';
import { ConversationRefs, DigestListings, OpenBatches, type OpenBatch } from '@switchboard/store';
import type { NotifierKeys } from './keys';
import type { ConversationSummary } from './conversation';
import type { PostedMessage } from './slack';
import { placementFields } from './state';

const RETENTION_SECONDS = 90 * 24 * 60 * 60;

export interface DigestBatch {
  id: string;
  conversationIds: string[];
  createdAtMs: number;
  /** The fencing number of the channel lock holder that took or resumed it. */
  fence: number;
  /** Taken over from an earlier attempt (a crash, a holder whose lock ran out): it may be on its way to Slack. */
  resumed: boolean;
}

const digestBatch = (b: OpenBatch): DigestBatch => ({
  id: b.id,
  conversationIds: b.items,
  createdAtMs: b.createdAtMs,
  fence: b.fence,
  resumed: b.resumed,
});

export class DigestStore {
  private readonly batches: OpenBatches;
  private readonly refs: ConversationRefs;
  private readonly listings: DigestListings;

  constructor(
    private readonly redis: Redis,
    private readonly keys: NotifierKeys,
  ) {
    this.batches = new OpenBatches(redis);
    this.refs = new ConversationRefs(redis, keys);
    this.listings = new DigestListings(redis, keys);
  }

  /** Queues a new conversation for its channel's next digest; queuing it again changes nothing. */
  async enqueue(channel: string, summary: ConversationSummary, nowMs = Date.now()): Promise<void> {
    const key = this.keys.notifierConversation(summary.conversationId);
    await this.redis
      .multi()
      .hset(key, placementFields('pending', summary, channel))
      .expire(key, RETENTION_SECONDS)
      .zadd(this.keys.digestPending(channel), 'NX', nowMs, summary.conversationId)
      .sadd(this.keys.digestChannels(), channel)
      .exec();
  }

  /** Channels that have (or had) conversations waiting. */
  async channels(): Promise<string[]> {
    return this.redis.smembers(this.keys.digestChannels());
  }

  /** Waiting conversations, and whether a taken batch is not recorded yet. */
  async backlog(channel: string): Promise<{ pending: number; openBatch: boolean }> {
    const [[e1, pending], [e2, open]] = (await this.redis
      .pipeline()
      .zcard(this.keys.digestPending(channel))
      .exists(this.keys.digestBatch(channel))
      .exec())!;
    if (e1 || e2) throw e1 ?? e2;
    return { pending: pending as number, openBatch: open === 1 };
  }

  async openBatch(channel: string): Promise<DigestBatch | null> {
    const open = await this.batches.peek(this.keys.digestBatch(channel));
    return open && digestBatch(open);
  }

  /**
   * The open batch if there is one, else up to `max` of the longest-waiting conversations as a new one; claimed
   * for the channel lock's `fence` (StaleFenceError when a newer holder has claimed it).
   */
  async takeBatch(
    channel: string,
    max: number,
    batchId: string,
    fence: number,
    nowMs = Date.now(),
  ): Promise<DigestBatch | null> {
    const taken = await this.batches.takeOrResume(
      this.keys.digestBatch(channel),
      { kind: 'zset', key: this.keys.digestPending(channel), max },
      { batchId, fence, nowMs },
    );
    return taken && digestBatch(taken);
  }

  /** True while the open batch is still claimed by this fence: checked right before it is posted and recorded. */
  async stillHolds(channel: string, batch: DigestBatch): Promise<boolean> {
    return this.batches.holds(this.keys.digestBatch(channel), batch.fence);
  }

  /**
   * Records where the batch's conversations now are and closes the batch, in one transaction: each one's
   * thread is the posted message (a digest, or its own root when the batch had one conversation).
   */
  async recordPosted(
    channel: string,
    batch: DigestBatch,
    place: 'root' | 'digest',
    posted: PostedMessage,
  ): Promise<void> {
    const multi = this.redis.multi();
    for (const id of batch.conversationIds) {
      const key = this.keys.notifierConversation(id);
      multi.hset(key, { place, channel_id: posted.channel, ts: posted.ts }).expire(key, RETENTION_SECONDS);
      // A root of its own: a reply in its thread is this conversation's (a digest's thread is shared).
      this.refs.addSlackRoot(multi, id, { channel: posted.channel, ts: posted.ts }, place === 'root');
    }
    if (place === 'digest') this.listings.add(multi, posted.channel, posted.ts, batch.conversationIds);
    multi.set(this.keys.slackChannelId(channel), posted.channel, 'EX', RETENTION_SECONDS);
    multi.del(this.keys.digestBatch(channel));
    await multi.exec();
  }

  /** The digest's permalink, for each conversation it lists (the ticketer links it from the task). */
  async recordPermalink(conversationIds: string[], posted: PostedMessage, permalink: string): Promise<void> {
    const multi = this.redis.multi();
    for (const id of conversationIds) {
      multi.hset(this.keys.notifierConversation(id), 'permalink', permalink);
      this.refs.addSlackRoot(multi, id, { channel: posted.channel, ts: posted.ts, permalink }, false);
    }
    await multi.exec();
  }

  /** Closes a batch without posting it: its conversations are no longer placed anywhere. */
  async release(channel: string, batch: DigestBatch): Promise<void> {
    const multi = this.redis.multi();
    for (const id of batch.conversationIds) multi.hdel(this.keys.notifierConversation(id), 'place');
    await multi.del(this.keys.digestBatch(channel)).exec();
  }

  /** Closes a batch that has nothing to post (its conversations' records are gone). */
  async dropBatch(channel: string): Promise<void> {
    await this.redis.del(this.keys.digestBatch(channel));
  }

  /** The conversations a posted digest lists. */
  members(channelId: string, ts: string): Promise<string[]> {
    return this.listings.conversationsOf(channelId, ts);
  }
}
