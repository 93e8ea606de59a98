// The console's list of conversations: a summary hash per conversation and a sorted set by last activity,
// kept by the status service from conv.classified and conv.status, pruned past the retention time.
import type { ClassifiedEvent, StatusEvent } from '@switchboard/proto';
import type { Keys, Redis } from '@switchboard/store';
import { matchesFilter, summaryAfterMessage, summaryAfterStatus, summaryFromHash, type ConversationSummary, type ListFilter } from './conversation-state';

/** The newest conversations the list looks through; older ones are reached by their link. */
const LIST_WINDOW = 2000;

export class ConversationIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retentionSeconds: number,
  ) {}

  /** One conversation's events come in order from one partition, so read-then-write is safe here. */
  async recordMessage(event: ClassifiedEvent, nowMs = Date.now()): Promise<ConversationSummary> {
    const id = event.message!.conversationId;
    const key = this.keys.consoleConversation(id);
    const current = summaryFromHash(await this.redis.hgetall(key));
    const fields = summaryAfterMessage(current, event);
    await this.redis
      .multi()
      .hset(key, fields)
      .expire(key, this.retentionSeconds)
      .zadd(this.keys.consoleConversations(), nowMs, id)
      .zremrangebyscore(this.keys.consoleConversations(), '-inf', nowMs - this.retentionSeconds * 1000)
      .exec();
    return summaryFromHash({ ...(await this.redis.hgetall(key)) })!;
  }

  /** Status fields only; a change for a conversation never seen is kept (its messages may come later). */
  async recordStatus(event: StatusEvent): Promise<ConversationSummary | null> {
    const fields = summaryAfterStatus(event);
    const key = this.keys.consoleConversation(event.conversationId);
    if (Object.keys(fields).length > 0) {
      await this.redis.multi().hset(key, { id: event.conversationId, ...fields }).expire(key, this.retentionSeconds).exec();
    }
    return this.get(event.conversationId);
  }

  async get(conversationId: string): Promise<ConversationSummary | null> {
    return summaryFromHash(await this.redis.hgetall(this.keys.consoleConversation(conversationId)));
  }

  async list(filter: ListFilter, limit = 200): Promise<ConversationSummary[]> {
    const ids = await this.redis.zrevrange(this.keys.consoleConversations(), 0, LIST_WINDOW - 1);
    const out: ConversationSummary[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i += 100) {
      const pipeline = this.redis.pipeline();
      for (const id of ids.slice(i, i + 100)) pipeline.hgetall(this.keys.consoleConversation(id));
      for (const [err, hash] of (await pipeline.exec()) ?? []) {
        const summary = err ? null : summaryFromHash(hash as Record<string, string>);
        if (summary && matchesFilter(summary, filter)) out.push(summary);
        if (out.length >= limit) break;
      }
    }
    return out;
  }
}
