// The timelines in Redis: a hash per conversation, an index by start time, a sorted set per open bucket
// (state × priority) for the gauge, and the ids of the events applied. A change is written by one Lua call
// that checks the version read and the event's done-mark, so a redelivery or a second replica applies it once.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import {
  OPEN_STATES,
  PRIORITIES,
  openBucket,
  timelineTransition,
  type Fact,
  type OpenBucket,
  type OpenState,
  type PriorityLabel,
  type Timeline,
  type TimelineEvent,
} from './timeline';

// KEYS: timeline, applied ids, by-start index, old bucket, new bucket.
// ARGV: expected version, event id ('' = not remembered), conversation id, start score ('' = none), old bucket?
//       ('1'/''), new bucket?, seen ids' lifetime (s), then field/value pairs.
// Returns 1 when applied, 0 when the event was already applied, -1 when the timeline changed since it was read.
const APPLY = `
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return 0 end
local v = redis.call('HGET', KEYS[1], 'v') or ''
if v ~= ARGV[1] then return -1 end
local n = tonumber(v) or 0
for i = 8, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('HSET', KEYS[1], 'v', tostring(n + 1), 'id', ARGV[3])
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[7])
end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3]) end
if KEYS[4] ~= KEYS[5] or ARGV[5] ~= ARGV[6] then
  if ARGV[5] == '1' then redis.call('ZREM', KEYS[4], ARGV[3]) end
  if ARGV[6] == '1' then redis.call('ZADD', KEYS[5], ARGV[4] ~= '' and ARGV[4] or redis.call('HGET', KEYS[1], 'startedAt'), ARGV[3]) end
end
return 1
`;

export type ApplyOutcome =
  { outcome: 'applied'; facts: Fact[]; timeline: Timeline } | { outcome: 'duplicate' | 'unchanged' };

const MAX_ATTEMPTS = 20;

export class TimelineStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    /** How long the ids of applied events are kept (their redeliveries come within it). */
    private readonly appliedIdsSeconds: number,
  ) {}

  /**
   * Applies one event: read, transition, conditional write; on a concurrent change, again. Only the call that
   * wrote gets 'applied' with the facts, so only it measures them.
   */
  async apply(conversationId: string, event: TimelineEvent): Promise<ApplyOutcome> {
    const k = this.keys;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [[e1, current], [e2, seen]] = (await this.redis
        .multi()
        .hgetall(k.timeline(conversationId))
        .sismember(k.timelineApplied(conversationId), event.eventId)
        .exec()) as [[Error | null, Timeline], [Error | null, number]];
      if (e1 || e2) throw e1 ?? e2;
      if (seen === 1) return { outcome: 'duplicate' };
      const { set, facts } = timelineTransition(current, event);
      // An event that changes nothing is not written (nor marked): applying it again changes nothing either.
      if (Object.keys(set).length === 0) return { outcome: 'unchanged' };
      const after = { ...current, ...set };
      // Messages are idempotent by themselves (timeline.ts): only status changes and replies are remembered.
      const remembered = event.kind === 'message' ? '' : event.eventId;
      const result = (await this.redis.eval(
        APPLY,
        5,
        ...this.applyKeys(conversationId, current, after),
        ...this.applyArgs(conversationId, current, after, set, remembered),
      )) as number;
      if (result === 1) return { outcome: 'applied', facts, timeline: after };
      if (result === 0) return { outcome: 'duplicate' };
    }
    throw new Error(`timeline of ${conversationId}: still changing under us after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Many conversations' messages at once (a consumer's batch): one round trip reads their timelines, each
   * conversation's messages are folded in order, one pipelined round trip writes the changed ones (same
   * version check). A conversation whose timeline changed meanwhile is done again one message at a time.
   * Only messages: they need no done-mark (timeline.ts). The facts of the writes that won, per conversation.
   */
  async applyMessages(byConversation: Map<string, TimelineEvent[]>): Promise<Fact[]> {
    const ids = [...byConversation.keys()];
    if (ids.length === 0) return [];
    const read = this.redis.pipeline();
    for (const id of ids) read.hgetall(this.keys.timeline(id));
    const currents = ((await read.exec()) ?? []).map(([err, hash]) => {
      if (err) throw err;
      return hash as Timeline;
    });
    const writes: { id: string; facts: Fact[] }[] = [];
    const write = this.redis.pipeline();
    ids.forEach((id, i) => {
      const current = currents[i];
      let next = current;
      const facts: Fact[] = [];
      for (const event of byConversation.get(id)!) {
        if (event.kind !== 'message') throw new Error('applyMessages takes messages only');
        const step = timelineTransition(next, event);
        next = { ...next, ...step.set };
        facts.push(...step.facts);
      }
      const set: Timeline = {};
      for (const [field, value] of Object.entries(next)) if ((current[field] ?? '') !== value) set[field] = value;
      if (Object.keys(set).length === 0) return;
      write.eval(APPLY, 5, ...this.applyKeys(id, current, next), ...this.applyArgs(id, current, next, set, ''));
      writes.push({ id, facts });
    });
    if (writes.length === 0) return [];
    const results = (await write.exec()) ?? [];
    const facts: Fact[] = [];
    for (let i = 0; i < writes.length; i++) {
      const [err, result] = results[i];
      if (err) throw err;
      if (result === 1) {
        facts.push(...writes[i].facts);
        continue;
      }
      // Changed under us (another replica, a status change): one message at a time, as the single path does.
      for (const event of byConversation.get(writes[i].id)!) {
        const one = await this.apply(writes[i].id, event);
        if (one.outcome === 'applied') facts.push(...one.facts);
      }
    }
    return facts;
  }

  private applyKeys(id: string, current: Timeline, after: Timeline): string[] {
    const k = this.keys;
    const before = openBucket(current);
    const now = openBucket(after);
    return [
      k.timeline(id),
      k.timelineApplied(id),
      k.timelinesByStart(),
      before ? k.timelineOpen(before.state, before.priority) : k.timelineOpen('none', 'none'),
      now ? k.timelineOpen(now.state, now.priority) : k.timelineOpen('none', 'none'),
    ];
  }

  private applyArgs(id: string, current: Timeline, after: Timeline, set: Timeline, remembered: string): string[] {
    const args = [
      current.v ?? '',
      remembered,
      id,
      set.startedAt ?? '',
      openBucket(current) ? '1' : '',
      openBucket(after) ? '1' : '',
      String(this.appliedIdsSeconds),
    ];
    for (const [field, value] of Object.entries(set)) args.push(field, value);
    return args;
  }

  async get(conversationId: string): Promise<Timeline | null> {
    const t = await this.redis.hgetall(this.keys.timeline(conversationId));
    return t.id ? t : null;
  }

  /** Open conversations in every bucket, for the gauge (one round trip). */
  async openCounts(): Promise<{ bucket: OpenBucket; count: number }[]> {
    const buckets = OPEN_STATES.flatMap((state: OpenState) =>
      PRIORITIES.map((priority: PriorityLabel) => ({ state, priority })),
    );
    const pipeline = this.redis.pipeline();
    for (const b of buckets) pipeline.zcard(this.keys.timelineOpen(b.state, b.priority));
    const results = (await pipeline.exec()) ?? [];
    return buckets.map((bucket, i) => {
      const [err, count] = results[i];
      if (err) throw err;
      return { bucket, count: Number(count) };
    });
  }
}
