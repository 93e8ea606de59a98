// The ticketer's Redis records: what it knows of each task, the create intent, the comment buffer with its
// due set and in-flight batch (OpenBatches), the tasks an earlier ticketer left without a Slack link, tag gids, its locks,
// and the mark that says this Redis still holds the ticketer's records (absent after a Redis loss).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  Locks,
  OpenBatches,
  hashFromPairs,
  parseAsanaTaskRef,
  verdictOf,
  type AsanaTaskRef,
  type SpamMarks,
  type SpamSubject,
  type SpamVerdict,
} from '@switchboard/store';
import type { TicketerKeys } from './keys';
import type { TicketState } from './plan';

const RETENTION_SECONDS = 90 * 24 * 60 * 60;
const DAY_SECONDS = 24 * 60 * 60;

/** Deletes KEYS[1] only while it still holds ARGV[1] (another replica may have cached a fresh gid since). */
const DELETE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// Buffer a line once per event id: the done mark, the line and the due time in one step, so a redelivery
// after the offset was not committed adds nothing. The due time is set only when none is (NX): the window
// starts at the first waiting line.
const BUFFER = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) == false then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[3])
return 1
`;

// What a conversation's message needs, in one script call (read for every event; the client's cost is per
// command). KEYS: the conversation's Asana task ref, its ticket (hash), its three spam marks (SpamMarks.keysOf).
// Returns {the task ref or nil, the ticket as a flat field/value list, {spam mark values}}.
const MESSAGE_FACTS = `
return {
  redis.call('GET', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('MGET', KEYS[3], KEYS[4], KEYS[5])
}`;

// Done with a batch: forget it, and drop the conversation from the due set, or start a new window for the
// lines that came meanwhile.
const FINISH = `
redis.call('DEL', KEYS[2])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[3], ARGV[1]) else redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1]) end
return 1
`;

export interface CommentBatch {
  id: string;
  lines: string[];
  /** Left by an earlier attempt that may have written it before it crashed. */
  recovered: boolean;
}

/** A create about to be tried: which event makes the task, and when (the listing looks from there). */
export interface CreateIntent {
  eventId: string;
  atMs: number;
}

export interface StoredTicket extends TicketState {
  /** The notes the task was created with, to add the Slack link to later. */
  notes: string;
  slackLinked: boolean;
  /** The event whose message the task was made from (it is in the notes, not a comment). */
  firstEventId: string;
  createdAtMs: number;
}

/** A conversation's message as the ticketer first sees it: the spam marks that hold, its task, its ticket. */
export interface MessageFacts {
  marks: SpamVerdict;
  task: AsanaTaskRef | null;
  ticket: StoredTicket;
}

function ticketFromHash(h: Record<string, string>): StoredTicket {
  return {
    completed: h.completed === '1',
    spam: h.spam === '1',
    dueAt: h.dueAt ?? '',
    notes: h.notes ?? '',
    slackLinked: h.slackLinked === '1',
    firstEventId: h.firstEventId ?? '',
    createdAtMs: Number(h.createdAtMs ?? 0),
  };
}

export class TicketStore {
  private readonly batches: OpenBatches;

  constructor(
    private readonly redis: Redis,
    private readonly keys: TicketerKeys,
  ) {
    this.batches = new OpenBatches(redis);
  }

  async ticket(conversationId: string): Promise<StoredTicket> {
    return ticketFromHash(await this.redis.hgetall(this.keys.ticketerTask(conversationId)));
  }

  /** The spam marks, the task and the ticket of a message's conversation, in one script call. */
  async messageFacts(subject: SpamSubject, spam: SpamMarks): Promise<MessageFacts> {
    const { conversationId } = subject;
    const [task, ticket, marks] = (await this.redis.eval(
      MESSAGE_FACTS,
      5,
      this.keys.asanaTask(conversationId),
      this.keys.ticketerTask(conversationId),
      ...spam.keysOf(subject),
    )) as [string | null, string[], (string | null)[]];
    return {
      marks: verdictOf(subject, marks),
      task: parseAsanaTaskRef(task),
      ticket: ticketFromHash(hashFromPairs(ticket)),
    };
  }

  async saveTicket(conversationId: string, change: Partial<StoredTicket>): Promise<void> {
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(change))
      fields[name] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (Object.keys(fields).length === 0) return;
    const key = this.keys.ticketerTask(conversationId);
    await this.redis.multi().hset(key, fields).expire(key, RETENTION_SECONDS).exec();
  }

  /** Marks that a create is about to be tried: only then can Asana hold a task Redis does not know of. */
  async markCreateIntent(conversationId: string, intent: CreateIntent): Promise<void> {
    await this.redis.set(
      this.keys.ticketerCreateIntent(conversationId),
      JSON.stringify(intent),
      'EX',
      RETENTION_SECONDS,
    );
  }

  /** The earlier create attempt (its event and when it began), or null when none was tried. */
  async createIntent(conversationId: string): Promise<CreateIntent | null> {
    const raw = await this.redis.get(this.keys.ticketerCreateIntent(conversationId));
    if (raw === null) return null;
    try {
      const parsed = JSON.parse(raw) as Partial<CreateIntent>;
      if (typeof parsed.eventId === 'string' && typeof parsed.atMs === 'number')
        return { eventId: parsed.eventId, atMs: parsed.atMs };
    } catch {
      // written by an earlier version: the bare event id, time unknown
    }
    return { eventId: raw, atMs: 0 };
  }

  /**
   * Whether this Redis still holds what the ticketer wrote: a mark set once the project's tasks were read back
   * into Redis, without expiry, so an empty Redis (first start, FLUSHALL, a failover to a replica without
   * persistence) shows as its absence.
   */
  async rebuilt(projectGid: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.done('ticketer-rebuilt', projectGid))) === 1;
  }

  async markRebuilt(projectGid: string, atMs: number): Promise<void> {
    await this.redis.set(this.keys.done('ticketer-rebuilt', projectGid), String(atMs));
  }

  /** True when the line was added; false when this event's line is already buffered. */
  async bufferLine(conversationId: string, eventId: string, line: string, dueAtMs: number): Promise<boolean> {
    const keys = [
      this.keys.done('ticketer-line', eventId),
      this.keys.ticketerComments(conversationId),
      this.keys.ticketerCommentsDue(),
    ];
    return (
      (await this.redis.eval(
        BUFFER,
        keys.length,
        ...keys,
        line,
        dueAtMs,
        conversationId,
        7 * DAY_SECONDS,
        RETENTION_SECONDS,
      )) === 1
    );
  }

  async dueConversations(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.ticketerCommentsDue(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  async postpone(conversationId: string, untilMs: number): Promise<void> {
    await this.redis.zadd(this.keys.ticketerCommentsDue(), 'XX', untilMs, conversationId);
  }

  /** The waiting lines as one batch, or the batch a crashed flusher left; none waiting: the conversation is no longer due. */
  async takeBatch(conversationId: string): Promise<CommentBatch | null> {
    const batchKey = this.keys.ticketerCommentBatch(conversationId);
    // Asked first rather than caught: a WRONGTYPE answer makes the shared connection reconnect.
    if ((await this.redis.type(batchKey)) === 'hash') await this.upgradeLegacyBatch(batchKey);
    const batch = await this.batches.takeOrResume(
      batchKey,
      { kind: 'list', key: this.keys.ticketerComments(conversationId) },
      {
        batchId: randomUUID().slice(0, 12),
        ttlSeconds: DAY_SECONDS,
        whenEmpty: { index: this.keys.ticketerCommentsDue(), member: conversationId },
      },
    );
    return batch && { id: batch.id, lines: batch.items, recovered: batch.resumed };
  }

  /** A comment batch left open by a ticketer older than OpenBatches (a hash of id and lines), in today's form. */
  private async upgradeLegacyBatch(key: string): Promise<void> {
    const legacy = await this.redis.hgetall(key);
    const ttl = await this.redis.ttl(key);
    const batch = {
      id: legacy.id ?? randomUUID().slice(0, 12),
      items: JSON.parse(legacy.lines ?? '[]') as string[],
      createdAtMs: 0,
      fence: 0,
    };
    await this.redis
      .multi()
      .del(key)
      .set(key, JSON.stringify(batch), 'EX', ttl > 0 ? ttl : DAY_SECONDS)
      .exec();
  }

  async batchWritten(batchId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.done('ticketer-batch', batchId))) === 1;
  }

  async finishBatch(conversationId: string, batchId: string, nextDueMs: number): Promise<void> {
    await this.redis.set(this.keys.done('ticketer-batch', batchId), '1', 'EX', 7 * DAY_SECONDS);
    const keys = [
      this.keys.ticketerComments(conversationId),
      this.keys.ticketerCommentBatch(conversationId),
      this.keys.ticketerCommentsDue(),
    ];
    await this.redis.eval(FINISH, keys.length, ...keys, conversationId, nextDueMs);
  }

  async awaitSlackLink(conversationId: string, checkAtMs: number): Promise<void> {
    await this.redis.zadd(this.keys.ticketerLinkPending(), checkAtMs, conversationId);
  }

  async linksToCheck(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.ticketerLinkPending(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  async stopAwaitingSlackLink(conversationId: string): Promise<void> {
    await this.redis.zrem(this.keys.ticketerLinkPending(), conversationId);
  }

  async tagGid(workspaceGid: string, name: string): Promise<string | null> {
    return this.redis.get(this.keys.asanaTagGid(workspaceGid, name));
  }

  async setTagGid(workspaceGid: string, name: string, gid: string): Promise<void> {
    await this.redis.set(this.keys.asanaTagGid(workspaceGid, name), gid, 'EX', 30 * DAY_SECONDS);
  }

  /** Forgets a cached tag gid that Asana no longer knows (the tag was deleted), if it is still that one. */
  async forgetTagGid(workspaceGid: string, name: string, gid: string): Promise<void> {
    await this.redis.eval(DELETE_IF_SAME, 1, this.keys.asanaTagGid(workspaceGid, name), gid);
  }

  /**
   * Runs `work` holding a short lock on `scope:id`, renewed while it runs, so a crashed holder blocks others
   * for one TTL only. Returns undefined when another holder has it.
   */
  async withLease<T>(
    scope: string,
    id: string,
    work: () => Promise<T>,
    ttlMs = 5000,
  ): Promise<{ value: T } | undefined> {
    return new Locks(this.redis, this.keys, scope, { ttlMs }).withLock(id, () => work());
  }
}
