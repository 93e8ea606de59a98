// The notifier's Redis records of conversations: where each one's Slack message is, the inputs to re-render
// it, the spam marks that hold for an event, and the markers that make a crash between posting and recording recoverable.
import type { ChainableCommander, Redis } from 'ioredis';
import { ConversationRefs, DoneMarks, SpamMarks, hashFromPairs, verdictOf, type SpamSubject } from '@switchboard/store';
import type { NotifierKeys } from './keys';
import type { ConversationSummary, StatusView } from './conversation';
import type { Place } from './decide';
import type { PostedMessage } from './slack';

const RETENTION_SECONDS = 90 * 24 * 60 * 60;
const INTENT_SECONDS = 7 * 24 * 60 * 60;

// One event's facts in one script call: the client's cost is per command (a call and a reply each), and this is
// read for every event. KEYS: the event's done mark, the conversation's hash, its queued replies, its open reply
// batch, then the three spam marks (SpamMarks.keysOf).
// Returns {done (0/1), the hash as a flat field/value list, queued (0-2), {spam mark values}}.
const FACTS = `
return {
  redis.call('EXISTS', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('EXISTS', KEYS[3], KEYS[4]),
  redis.call('MGET', KEYS[5], KEYS[6], KEYS[7])
}`;

// KEYS: the conversation's hash, an event's post intent. Returns {the hash as a flat list, 0/1}.
const STATE_AND_INTENT = `return {redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2])}`;

// KEYS: done mark, post intent. ARGV: the mark's TTL (s). The mark and the marker's removal in one step.
const FINISH = `
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('DEL', KEYS[2])
return 1`;

export interface ConversationState {
  place?: Place;
  /** The channel as configured (routes, triage channel): the key of its rate budget and digests. */
  channel?: string;
  /** Where the conversation's thread is: its own root, or the digest that lists it. */
  channelId?: string;
  ts?: string;
  firstEventId?: string;
  summary?: ConversationSummary;
  status?: StatusView;
  permalink?: string;
  /** When a post of the root started, to bound the look-up after a crash. */
  postingAtMs?: number;
  /** The digest it was listed in before "Open thread" gave it a root of its own. */
  promotedFrom?: { channelId: string; ts: string };
}

export interface EventFacts {
  done: boolean;
  /** The shared spam marks (written by the status service) that hold for the event's conversation, user, team. */
  spamConversation: boolean;
  spamUser: boolean;
  spamTeam: boolean;
  state: ConversationState;
  /** Thread replies of the conversation are queued for the flusher (later ones must queue behind them). */
  repliesQueued: boolean;
}

function parseJson<T>(raw: string | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function stateFromHash(h: Record<string, string>): ConversationState {
  return {
    place: (h.place as Place) || undefined,
    channel: h.channel || undefined,
    channelId: h.channel_id || undefined,
    ts: h.ts || undefined,
    firstEventId: h.first_event_id || undefined,
    summary: parseJson<ConversationSummary>(h.summary),
    status: parseJson<StatusView>(h.status),
    permalink: h.permalink || undefined,
    postingAtMs: h.posting_at ? Number(h.posting_at) : undefined,
    promotedFrom: parseJson<{ channelId: string; ts: string }>(h.promoted_from),
  };
}

/** The hash fields that place a conversation (a new one: first event, channel, where). */
export function placementFields(place: Place, summary: ConversationSummary, channel: string): Record<string, string> {
  return { place, channel, first_event_id: summary.eventId, summary: JSON.stringify(summary) };
}

export class ConversationStore {
  readonly refs: ConversationRefs;
  readonly done: DoneMarks;
  readonly spam: SpamMarks;

  constructor(
    readonly redis: Redis,
    readonly keys: NotifierKeys,
    doneScope: string,
  ) {
    this.refs = new ConversationRefs(redis, keys);
    this.done = new DoneMarks(redis, keys, doneScope);
    this.spam = new SpamMarks(redis, keys);
  }

  /** Everything one event's decision needs, in one script call. */
  async facts(subject: SpamSubject, eventId: string): Promise<EventFacts> {
    const k = this.keys;
    const { conversationId } = subject;
    const [done, hash, queued, marks] = (await this.redis.eval(
      FACTS,
      7,
      this.done.keyOf(eventId),
      k.notifierConversation(conversationId),
      k.notifierReplies(conversationId),
      k.notifierReplyBatch(conversationId),
      ...this.spam.keysOf(subject),
    )) as [number, string[], number, (string | null)[]];
    const verdict = verdictOf(subject, marks);
    return {
      done: done === 1,
      spamConversation: verdict.conversation,
      spamUser: verdict.user,
      spamTeam: verdict.team,
      state: stateFromHash(hashFromPairs(hash)),
      repliesQueued: queued > 0,
    };
  }

  async state(conversationId: string): Promise<ConversationState> {
    return stateFromHash(await this.redis.hgetall(this.keys.notifierConversation(conversationId)));
  }

  /** The conversation's state and whether an event's post intent is set (a crash may have posted it), in one call. */
  async stateAndIntent(
    conversationId: string,
    eventId: string,
  ): Promise<{ state: ConversationState; intent: boolean }> {
    const [hash, intent] = (await this.redis.eval(
      STATE_AND_INTENT,
      2,
      this.keys.notifierConversation(conversationId),
      this.keys.notifierPostIntent(eventId),
    )) as [string[], number];
    return { state: stateFromHash(hashFromPairs(hash)), intent: intent === 1 };
  }

  /** States of many conversations (for a digest), in one round trip. */
  async states(conversationIds: string[]): Promise<ConversationState[]> {
    if (conversationIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of conversationIds) pipeline.hgetall(this.keys.notifierConversation(id));
    return (await pipeline.exec())!.map(([err, hash]) => {
      if (err) throw err;
      return stateFromHash(hash as Record<string, string>);
    });
  }

  async update(conversationId: string, fields: Record<string, string>): Promise<void> {
    await this.addUpdate(this.redis.multi(), conversationId, fields).exec();
  }

  private addUpdate(multi: ChainableCommander, conversationId: string, fields: Record<string, string>) {
    const key = this.keys.notifierConversation(conversationId);
    return multi.hset(key, fields).expire(key, RETENTION_SECONDS);
  }

  /** The intent marker of a root post: if we crash after Slack took it, the next attempt looks it up first. */
  markPosting(
    conversationId: string,
    summary: ConversationSummary,
    channel: string,
    nowMs = Date.now(),
  ): Promise<void> {
    return this.update(conversationId, { ...placementFields('posting', summary, channel), posting_at: String(nowMs) });
  }

  /**
   * Where the conversation's thread is now, for every replica and for the ticketer (ConversationRefs), in one
   * transaction.
   */
  async recordPlaced(
    conversationId: string,
    place: 'root' | 'digest',
    configured: string,
    posted: PostedMessage,
  ): Promise<void> {
    const multi = this.addUpdate(this.redis.multi(), conversationId, {
      place,
      channel_id: posted.channel,
      ts: posted.ts,
    });
    this.refs.addSlackRoot(multi, conversationId, { channel: posted.channel, ts: posted.ts }, true);
    await multi.set(this.keys.slackChannelId(configured), posted.channel, 'EX', RETENTION_SECONDS).exec();
  }

  async recordPermalink(conversationId: string, posted: PostedMessage, permalink: string): Promise<void> {
    const multi = this.addUpdate(this.redis.multi(), conversationId, { permalink });
    await this.refs
      .addSlackRoot(multi, conversationId, { channel: posted.channel, ts: posted.ts, permalink }, true)
      .exec();
  }

  /** The Slack id of a configured channel, once a post told us; else the configured name (Slack resolves it). */
  async channelId(configured: string): Promise<string> {
    return (await this.redis.get(this.keys.slackChannelId(configured))) ?? configured;
  }

  // ---- after a Redis loss: a mark per channel, without expiry, says its roots are in this Redis

  /** Whether this Redis still holds the channel's records (absent on a new Redis, after FLUSHALL or a failover). */
  async channelRebuilt(configured: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.done('notifier-rebuilt', configured))) === 1;
  }

  async markChannelRebuilt(configured: string, atMs: number): Promise<void> {
    await this.redis.set(this.keys.done('notifier-rebuilt', configured), String(atMs));
  }

  /**
   * A root read back from Slack after a Redis loss, recorded unless the conversation has a record again (one
   * made since the loss wins). True when recorded.
   */
  async restoreRoot(
    conversationId: string,
    configured: string,
    posted: PostedMessage,
    firstEventId: string,
  ): Promise<boolean> {
    const key = this.keys.notifierConversation(conversationId);
    if ((await this.redis.hsetnx(key, 'place', 'root')) === 0) return false;
    await this.update(conversationId, {
      channel: configured,
      channel_id: posted.channel,
      ts: posted.ts,
      ...(firstEventId ? { first_event_id: firstEventId } : {}),
    });
    await this.refs.setSlackRoot(conversationId, { channel: posted.channel, ts: posted.ts });
    await this.redis.set(this.keys.slackChannelId(configured), posted.channel, 'EX', RETENTION_SECONDS);
    return true;
  }

  // ---- thread replies: an intent marker per event, so a crash after posting is found and not repeated

  async hasIntent(eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.notifierPostIntent(eventId))) === 1;
  }

  async setIntent(eventId: string): Promise<void> {
    await this.redis.set(this.keys.notifierPostIntent(eventId), String(Date.now()), 'EX', INTENT_SECONDS);
  }

  async clearIntent(eventId: string): Promise<void> {
    await this.redis.del(this.keys.notifierPostIntent(eventId));
  }

  /** The event's side effect is done: a redelivery does nothing. The mark and the marker's removal in one step. */
  async finish(eventId: string): Promise<void> {
    await this.redis.eval(
      FINISH,
      2,
      this.done.keyOf(eventId),
      this.keys.notifierPostIntent(eventId),
      this.done.ttlSeconds,
    );
  }
}
