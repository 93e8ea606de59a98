// The timelines in Redis: a hash per conversation, an index by start time, a sorted set per open bucket
// (state × priority) for the gauge, and the ids of the events applied. A change is written by one Lua step
// that checks the version read and the event's done-mark, so a redelivery or a second replica applies it once.
// The recorders run the read and the write as steps of their own scripts (record-store.ts); `apply` runs them alone.
import { hashFromPairs, type Redis } from '@switchboard/store';
import { TAKE_STEP, runSteps, type ScriptStep } from '../script-steps';
import type { StatusKeys } from '../status-keys';
import {
  OPEN_STATES,
  PRIORITIES,
  foldMessages,
  openBucket,
  timelineTransition,
  type Fact,
  type OpenBucket,
  type OpenState,
  type PriorityLabel,
  type Timeline,
  type TimelineEvent,
} from './timeline';

/**
 * Lua: a timeline and whether an event was applied to it. KEYS: timeline, applied ids. ARGV: event id ('' for a
 * message: messages are not remembered). Returns {the timeline as a flat field/value list, 1 when applied}.
 */
export const READ_TIMELINE = `
local function read_timeline(k, a)
  return {redis.call('HGETALL', k[1]), a[1] ~= '' and redis.call('SISMEMBER', k[2], a[1]) or 0}
end
`;

/**
 * Lua: the conditional write. KEYS: timeline, applied ids, by-start index, old bucket, new bucket.
 * ARGV: expected version, event id ('' = not remembered), conversation id, start score ('' = none), old bucket?
 * ('1'/''), new bucket?, seen ids' lifetime (s), then field/value pairs.
 * Returns 1 when applied, 0 when the event was already applied, -1 when the timeline changed since it was read.
 */
export const APPLY_TIMELINE = `
local function apply_timeline(k, a)
  if a[2] ~= '' and redis.call('SISMEMBER', k[2], a[2]) == 1 then return 0 end
  local v = redis.call('HGET', k[1], 'v') or ''
  if v ~= a[1] then return -1 end
  local n = tonumber(v) or 0
  for i = 8, #a, 2 do
    if a[i + 1] == '' then redis.call('HDEL', k[1], a[i]) else redis.call('HSET', k[1], a[i], a[i + 1]) end
  end
  redis.call('HSET', k[1], 'v', tostring(n + 1), 'id', a[3])
  if a[2] ~= '' then
    redis.call('SADD', k[2], a[2])
    redis.call('EXPIRE', k[2], a[7])
  end
  if a[4] ~= '' then redis.call('ZADD', k[3], a[4], a[3]) end
  if k[4] ~= k[5] or a[5] ~= a[6] then
    if a[5] == '1' then redis.call('ZREM', k[4], a[3]) end
    if a[6] == '1' then redis.call('ZADD', k[5], a[4] ~= '' and a[4] or redis.call('HGET', k[1], 'startedAt'), a[3]) end
  end
  return 1
end
`;

const READ = `${READ_TIMELINE}${TAKE_STEP}return read_timeline(take())`;
const APPLY = `${APPLY_TIMELINE}${TAKE_STEP}return apply_timeline(take())`;
const COUNT_ALL = `
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = redis.call('ZCARD', key) end
return counts`;

export type ApplyOutcome =
  { outcome: 'applied'; facts: Fact[]; timeline: Timeline } | { outcome: 'duplicate' | 'unchanged' };

/** A timeline as READ_TIMELINE returns it. */
export type TimelineReply = [string[], number];

/** A change to write (an APPLY_TIMELINE step), the facts it measures if it wins, and the timeline after it. */
export interface TimelineChange {
  write: ScriptStep;
  facts: Fact[];
  after: Timeline;
}

const MAX_ATTEMPTS = 20;

/** Messages are idempotent by themselves (timeline.ts): only status changes and replies are remembered. */
const rememberedId = (event: TimelineEvent) => (event.kind === 'message' ? '' : event.eventId);

export class TimelineStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    /** How long the ids of applied events are kept (their redeliveries come within it). */
    private readonly appliedIdsSeconds: number,
  ) {}

  /** The read of a timeline for an event, or for messages (READ_TIMELINE). */
  readStep(conversationId: string, event: TimelineEvent | 'messages'): ScriptStep {
    return {
      keys: [this.keys.timeline(conversationId), this.keys.timelineApplied(conversationId)],
      args: [event === 'messages' ? '' : rememberedId(event)],
    };
  }

  /**
   * What one event changes on the timeline as read (READ_TIMELINE's reply): nothing when it was applied already
   * or changes nothing (then it is not written, nor marked: applying it again changes nothing either).
   */
  change(
    conversationId: string,
    [pairs, seen]: TimelineReply,
    event: TimelineEvent,
  ): TimelineChange | { outcome: 'duplicate' | 'unchanged' } {
    if (seen === 1) return { outcome: 'duplicate' };
    const current = hashFromPairs(pairs);
    const { set, facts } = timelineTransition(current, event);
    if (Object.keys(set).length === 0) return { outcome: 'unchanged' };
    const after = { ...current, ...set };
    return { write: this.writeStep(conversationId, current, after, set, rememberedId(event)), facts, after };
  }

  /**
   * A conversation's messages folded in order onto its timeline as read (READ_TIMELINE's reply for messages);
   * null when they change nothing. Messages need no done-mark (timeline.ts).
   */
  messagesChange(conversationId: string, [pairs]: TimelineReply, events: TimelineEvent[]): TimelineChange | null {
    const current = hashFromPairs(pairs);
    const { set, facts } = foldMessages(current, events);
    if (Object.keys(set).length === 0) return null;
    const after = { ...current, ...set };
    return { write: this.writeStep(conversationId, current, after, set, ''), facts, after };
  }

  /**
   * The facts of a change written by a script of the caller's (APPLY_TIMELINE's result): its own when it won,
   * none when the event was applied already; when the timeline changed since it was read (another replica, a
   * status change), the events are applied again one at a time.
   */
  async written(
    conversationId: string,
    events: TimelineEvent[],
    change: TimelineChange,
    result: number,
  ): Promise<Fact[]> {
    if (result === 1) return change.facts;
    if (result === 0) return [];
    const facts: Fact[] = [];
    for (const event of events) {
      const one = await this.apply(conversationId, event);
      if (one.outcome === 'applied') facts.push(...one.facts);
    }
    return facts;
  }

  /**
   * Applies one event: read, transition, conditional write; on a concurrent change, again. Only the call that
   * wrote gets 'applied' with the facts, so only it measures them.
   */
  async apply(conversationId: string, event: TimelineEvent): Promise<ApplyOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const read = await runSteps<TimelineReply>(this.redis, READ, [this.readStep(conversationId, event)]);
      const change = this.change(conversationId, read, event);
      if (!('write' in change)) return change;
      const result = await runSteps<number>(this.redis, APPLY, [change.write]);
      if (result === 1) return { outcome: 'applied', facts: change.facts, timeline: change.after };
      if (result === 0) return { outcome: 'duplicate' };
    }
    throw new Error(`timeline of ${conversationId}: still changing under us after ${MAX_ATTEMPTS} attempts`);
  }

  private writeStep(id: string, current: Timeline, after: Timeline, set: Timeline, remembered: string): ScriptStep {
    const k = this.keys;
    const before = openBucket(current);
    const now = openBucket(after);
    const keys = [
      k.timeline(id),
      k.timelineApplied(id),
      k.timelinesByStart(),
      before ? k.timelineOpen(before.state, before.priority) : k.timelineOpen('none', 'none'),
      now ? k.timelineOpen(now.state, now.priority) : k.timelineOpen('none', 'none'),
    ];
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
    return { keys, args };
  }

  async get(conversationId: string): Promise<Timeline | null> {
    const t = await this.redis.hgetall(this.keys.timeline(conversationId));
    return t.id ? t : null;
  }

  /** Open conversations in every bucket, for the gauge (one script call). */
  async openCounts(): Promise<{ bucket: OpenBucket; count: number }[]> {
    const buckets = OPEN_STATES.flatMap((state: OpenState) =>
      PRIORITIES.map((priority: PriorityLabel) => ({ state, priority })),
    );
    const keys = buckets.map((b) => this.keys.timelineOpen(b.state, b.priority));
    const counts = (await this.redis.eval(COUNT_ALL, keys.length, ...keys)) as number[];
    return buckets.map((bucket, i) => ({ bucket, count: Number(counts[i]) }));
  }
}
