// The console's summaries of conversations: a summary hash per conversation and a sorted set by last activity,
// kept by the status service from conv.classified and conv.status, pruned past the retention time.
import type { ClassifiedEvent, StatusEvent } from '@switchboard/proto';
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import {
  summaryAfterMessage,
  summaryAfterStatus,
  summaryFromHash,
  type ConversationSummary,
} from './conversation-state';

export class ConversationIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly retentionSeconds: number,
  ) {}

  /** One message; see recordMessages. */
  async recordMessage(event: ClassifiedEvent, isNew = true, nowMs = Date.now()): Promise<ConversationSummary> {
    return (await this.recordMessages([event], [isNew], nowMs)).get(event.message!.conversationId)!;
  }

  /**
   * Many messages in two round trips: read the summaries they touch, fold each conversation's messages in
   * order, write them back. One conversation's events come in order from one partition, handled by one
   * consumer at a time, so read-then-write is safe. The summaries after, by conversation id.
   */
  async recordMessages(
    events: ClassifiedEvent[],
    isNew: boolean[],
    nowMs = Date.now(),
  ): Promise<Map<string, ConversationSummary>> {
    const ids = [...new Set(events.map((e) => e.message!.conversationId))];
    if (ids.length === 0) return new Map();
    const read = this.redis.pipeline();
    for (const id of ids) read.hgetall(this.keys.consoleConversation(id));
    const hashes = new Map<string, Record<string, string>>();
    ((await read.exec()) ?? []).forEach(([err, hash], i) => {
      if (err) throw err;
      hashes.set(ids[i], hash as Record<string, string>);
    });
    events.forEach((event, i) => {
      const id = event.message!.conversationId;
      const current = hashes.get(id)!;
      hashes.set(id, { ...current, ...summaryAfterMessage(summaryFromHash(current), event, isNew[i]) });
    });
    const write = this.redis.multi();
    for (const id of ids) {
      const key = this.keys.consoleConversation(id);
      write
        .hset(key, hashes.get(id)!)
        .expire(key, this.retentionSeconds)
        .zadd(this.keys.consoleConversations(), nowMs, id);
    }
    write.zremrangebyscore(this.keys.consoleConversations(), '-inf', nowMs - this.retentionSeconds * 1000);
    await write.exec();
    return new Map(ids.map((id) => [id, summaryFromHash(hashes.get(id)!)!]));
  }

  /** Status fields only; a change for a conversation never seen is kept (its messages may come later). */
  async recordStatus(event: StatusEvent): Promise<ConversationSummary | null> {
    const fields = summaryAfterStatus(event);
    const key = this.keys.consoleConversation(event.conversationId);
    if (Object.keys(fields).length > 0) {
      await this.redis
        .multi()
        .hset(key, { id: event.conversationId, ...fields })
        .expire(key, this.retentionSeconds)
        .exec();
    }
    return this.get(event.conversationId);
  }

  async get(conversationId: string): Promise<ConversationSummary | null> {
    return summaryFromHash(await this.redis.hgetall(this.keys.consoleConversation(conversationId)));
  }

  /** Many summaries in one round trip, in the order of the ids (null where none is kept). */
  async getMany(ids: string[]): Promise<(ConversationSummary | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.consoleConversation(id));
    return ((await pipeline.exec()) ?? []).map(([err, hash]) => {
      if (err) throw err;
      return summaryFromHash(hash as Record<string, string>);
    });
  }
}
