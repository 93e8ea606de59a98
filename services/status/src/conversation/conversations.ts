// The console's summaries of conversations: a summary hash per conversation and a sorted set by last activity,
// kept by the status service from conv.classified and conv.status, pruned past the retention time.
import type { ClassifiedEvent, StatusEvent } from '@switchboard/proto';
import { hashFromPairs, type Redis } from '@switchboard/store';
import { TAKE_STEP, runSteps, type ScriptStep } from '../script-steps';
import type { StatusKeys } from '../status-keys';
import {
  summaryAfterMessage,
  summaryAfterStatus,
  summaryFromHash,
  type ConversationSummary,
} from './conversation-state';

/**
 * Lua: the steps on summaries. read_summary — KEYS: the summary; returns it as a flat field/value list.
 * record_status — KEYS: the summary; ARGV: lifetime (s), then field/value pairs (none: nothing is written);
 * writes them and returns the summary after. record_activity — KEYS: the summary, the index by last activity;
 * ARGV: lifetime (s), activity time (ms), conversation id, then field/value pairs. prune_summaries — KEYS:
 * the index; ARGV: the oldest activity kept (ms).
 */
export const SUMMARY_STEPS = `
local function read_summary(k)
  return redis.call('HGETALL', k[1])
end
local function record_status(k, a)
  if #a > 1 then
    redis.call('HSET', k[1], unpack(a, 2))
    redis.call('EXPIRE', k[1], a[1])
  end
  return redis.call('HGETALL', k[1])
end
local function record_activity(k, a)
  redis.call('HSET', k[1], unpack(a, 4))
  redis.call('EXPIRE', k[1], a[1])
  redis.call('ZADD', k[2], a[2], a[3])
end
local function prune_summaries(k, a)
  redis.call('ZREMRANGEBYSCORE', k[1], '-inf', a[1])
end
`;

const RECORD_STATUS = `${SUMMARY_STEPS}${TAKE_STEP}return record_status(take())`;

/** A conversation's summary after some of its messages: the fields they set, and the summary as stored after. */
export interface SummaryAfterMessages {
  fields: Record<string, string>;
  summary: ConversationSummary;
}

/**
 * Pure: each conversation's summary after its messages, folded in order over the summary as read (the hashes
 * by conversation id). `isNew[i]` is false for a message already in the transcript: it is not counted again.
 */
export function summariesAfterMessages(
  hashes: Map<string, Record<string, string>>,
  events: ClassifiedEvent[],
  isNew: boolean[],
): Map<string, SummaryAfterMessages> {
  const fields = new Map<string, Record<string, string>>();
  events.forEach((event, i) => {
    const id = event.message!.conversationId;
    const before = { ...hashes.get(id), ...fields.get(id) };
    fields.set(id, { ...fields.get(id), ...summaryAfterMessage(summaryFromHash(before), event, isNew[i]) });
  });
  return new Map(
    [...fields].map(([id, set]) => [id, { fields: set, summary: summaryFromHash({ ...hashes.get(id), ...set })! }]),
  );
}

export class ConversationIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly retentionSeconds: number,
  ) {}

  /** The read of a summary (read_summary). */
  readStep(conversationId: string): ScriptStep {
    return { keys: [this.keys.consoleConversation(conversationId)], args: [] };
  }

  /**
   * The write of a summary's message fields, with its last activity at `nowMs` (record_activity). One
   * conversation's messages come in order from one partition, handled by one consumer at a time, so their
   * read-then-write is safe; only the fields the messages set are written.
   */
  activityStep(conversationId: string, fields: Record<string, string>, nowMs: number): ScriptStep {
    return {
      keys: [this.keys.consoleConversation(conversationId), this.keys.consoleConversations()],
      args: [String(this.retentionSeconds), String(nowMs), conversationId, ...Object.entries(fields).flat()],
    };
  }

  /** Forgets summaries whose last activity is past the retention time (prune_summaries). */
  pruneStep(nowMs: number): ScriptStep {
    return { keys: [this.keys.consoleConversations()], args: [String(nowMs - this.retentionSeconds * 1000)] };
  }

  /**
   * A status change's fields written, and the summary after read back (record_status). A change for a
   * conversation never seen is kept (its messages may come later).
   */
  statusStep(event: StatusEvent): ScriptStep {
    const fields = summaryAfterStatus(event);
    const pairs = Object.keys(fields).length > 0 ? Object.entries({ id: event.conversationId, ...fields }).flat() : [];
    return {
      keys: [this.keys.consoleConversation(event.conversationId)],
      args: [String(this.retentionSeconds), ...pairs],
    };
  }

  /** Status fields only, in one script call; the summary after (null when none is kept). */
  async recordStatus(event: StatusEvent): Promise<ConversationSummary | null> {
    return summaryFromHash(
      hashFromPairs(await runSteps<string[]>(this.redis, RECORD_STATUS, [this.statusStep(event)])),
    );
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
