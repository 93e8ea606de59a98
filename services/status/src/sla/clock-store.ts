// The deadline clocks in Redis: one hash per conversation and clock, and a sorted set of the next step of
// every running clock by when it is due, swept by every replica. Each change is one Lua call, so a start,
// a stop and a claim never interleave: a stop wins over a step not yet claimed, and a claim only leases its
// entry (score = now + lease) until advance() moves it to the next step, so a replica that dies mid-step
// leaves it to be claimed again, with the same event ids.
import { hashFromPairs, type Redis } from '@switchboard/store';
import type { Keys } from '@switchboard/store';
import type { ClockName } from './policy';
import type { ClockPlan, Step } from './schedule';

export interface SlaKeys {
  /** One clock of one conversation (hash: state, cycle, startedMs, plan, step, due, who started/stopped it). */
  clock(conversationId: string, clock: ClockName): string;
  /** Event ids that already started a clock of the conversation (set): a redelivery starts nothing. */
  starts(conversationId: string, clock: ClockName): string;
  /** The next step of every running clock by when it is due (sorted set, ms; member `clock:conversation`). */
  due(): string;
  /** Every running clock by its deadline, the breach (sorted set, ms): the console's queue. */
  deadlines(): string;
}

export const slaKeys = (keys: Keys): SlaKeys => ({
  clock: (id, clock) => keys.key('conv', id, 'sla', clock),
  starts: (id, clock) => keys.key('conv', id, 'sla', clock, 'starts'),
  due: () => keys.key('status', 'sla', 'due'),
  deadlines: () => keys.key('status', 'sla', 'deadlines'),
});

export const clockMember = (conversationId: string, clock: ClockName) => `${clock}:${conversationId}`;
export function parseMember(member: string): { clock: ClockName; conversationId: string } {
  const i = member.indexOf(':');
  return { clock: member.slice(0, i) as ClockName, conversationId: member.slice(i + 1) };
}

/**
 * Starts a run of the clock unless this event already did (then: 'again' and the run it started, so its
 * deadline is published again after a crash), the clock runs already (the first unanswered message counts),
 * an action later than this start already stopped it (the topics are read apart), or, for the reply clock,
 * no operator replied before it.
 */
const START = `
local fresh = redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[9])
if fresh == 0 then
  if redis.call('HGET', KEYS[1], 'startedBy') == ARGV[2] then
    return {'again', redis.call('HGET', KEYS[1], 'cycle'), redis.call('HGET', KEYS[1], 'deadlineMs')}
  end
  return false
end
if redis.call('HGET', KEYS[1], 'state') == 'running' then return false end
local at = tonumber(ARGV[3])
if tonumber(redis.call('HGET', KEYS[1], 'stoppedMs') or '0') >= at then return false end
if ARGV[10] == '1' then
  local replied = redis.call('HGET', KEYS[1], 'lastReplyMs')
  if not replied or tonumber(replied) >= at then return false end
end
local cycle = tonumber(redis.call('HGET', KEYS[1], 'cycle') or '0') + 1
redis.call('HSET', KEYS[1], 'state', 'running', 'cycle', cycle, 'startedMs', ARGV[3], 'startedBy', ARGV[2],
  'plan', ARGV[6], 'priority', ARGV[7], 'level', 0, 'repeat', 0, 'offsetMs', ARGV[5], 'dueMs', ARGV[4],
  'deadlineMs', ARGV[8])
redis.call('EXPIRE', KEYS[1], ARGV[9])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[1])
return {'started', tostring(cycle), ARGV[8]}`;

/**
 * Stops the clock at `at` (Reviewed, Spam, Take over, Close; an operator's reply for the reply clock, which
 * also remembers the reply). Returns the cycle stopped, also to a redelivery of the stopping event (its
 * "stopped" event is published again); false when nothing ran, or the run began after this action.
 */
const STOP = `
local at = tonumber(ARGV[3])
if tonumber(redis.call('HGET', KEYS[1], 'stoppedMs') or '0') < at then redis.call('HSET', KEYS[1], 'stoppedMs', ARGV[3]) end
if ARGV[5] == '1' and tonumber(redis.call('HGET', KEYS[1], 'lastReplyMs') or '0') < at then
  redis.call('HSET', KEYS[1], 'lastReplyMs', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('HGET', KEYS[1], 'state') == 'running' and tonumber(redis.call('HGET', KEYS[1], 'startedMs')) <= at then
  redis.call('HSET', KEYS[1], 'state', 'stopped', 'stoppedBy', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return redis.call('HGET', KEYS[1], 'cycle')
end
if redis.call('HGET', KEYS[1], 'stoppedBy') == ARGV[2] then return redis.call('HGET', KEYS[1], 'cycle') end
return false`;

/** Claims a due step of a running clock for one lease; the clock's fields, or false (not due, stopped, taken). */
const CLAIM = `
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

/** The claimed step is published: the clock moves to the next step (or leaves the sweep when none is left). */
const ADVANCE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' or redis.call('HGET', KEYS[1], 'cycle') ~= ARGV[2]
  or redis.call('HGET', KEYS[1], 'level') ~= ARGV[3] or redis.call('HGET', KEYS[1], 'repeat') ~= ARGV[4] then
  return 0
end
if ARGV[8] == '' then
  redis.call('HSET', KEYS[1], 'level', '', 'repeat', '', 'dueMs', '')
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], 'level', ARGV[5], 'repeat', ARGV[6], 'offsetMs', ARGV[7], 'dueMs', ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[1])
return 1`;

export interface StartRequest {
  clock: ClockName;
  /** The scoped id of the event that starts the run. */
  startedBy: string;
  startedMs: number;
  plan: ClockPlan;
  priority: string;
  first: Step;
  /** When the first step (the breach) is due. */
  deadlineMs: number;
}

export interface RunningClock {
  conversationId: string;
  clock: ClockName;
  cycle: number;
  startedMs: number;
  plan: ClockPlan;
  priority: string;
  step: Step;
  dueMs: number;
  deadlineMs: number;
}

export class ClockStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: SlaKeys,
    private readonly leaseMs: number,
    private readonly retentionSeconds: number,
  ) {}

  /** The run started (or started by this event before: `again`), with its cycle; null when none started. */
  async start(
    conversationId: string,
    request: StartRequest,
  ): Promise<{ outcome: 'started' | 'again'; cycle: number; deadlineMs: number } | null> {
    const result = (await this.redis.eval(
      START,
      4,
      this.keys.clock(conversationId, request.clock),
      this.keys.starts(conversationId, request.clock),
      this.keys.due(),
      this.keys.deadlines(),
      clockMember(conversationId, request.clock),
      request.startedBy,
      String(request.startedMs),
      String(request.deadlineMs),
      String(request.first.offsetMs),
      JSON.stringify(request.plan),
      request.priority,
      String(request.deadlineMs),
      String(this.retentionSeconds),
      request.clock === 'reply' ? '1' : '',
    )) as [string, string, string] | null;
    if (!result) return null;
    return { outcome: result[0] as 'started' | 'again', cycle: Number(result[1]), deadlineMs: Number(result[2]) };
  }

  /** The cycle this action stopped (or stopped before, for a redelivery), or null. */
  async stop(
    conversationId: string,
    clock: ClockName,
    stoppedBy: string,
    atMs: number,
    isReply = false,
  ): Promise<number | null> {
    const cycle = await this.redis.eval(
      STOP,
      3,
      this.keys.clock(conversationId, clock),
      this.keys.due(),
      this.keys.deadlines(),
      clockMember(conversationId, clock),
      stoppedBy,
      String(atMs),
      String(this.retentionSeconds),
      isReply ? '1' : '',
    );
    return typeof cycle === 'string' ? Number(cycle) : null;
  }

  /** Members (`clock:conversation`) whose next step (or a dead replica's lease) is due, soonest first. */
  due(nowMs: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.due(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** The clock's due step, leased to this caller; null when it is not due, stopped, or another holds it. */
  async claim(member: string, nowMs: number): Promise<RunningClock | null> {
    const { clock, conversationId } = parseMember(member);
    const flat = (await this.redis.eval(
      CLAIM,
      2,
      this.keys.clock(conversationId, clock),
      this.keys.due(),
      member,
      String(nowMs),
      String(this.leaseMs),
    )) as string[] | null;
    if (!flat) return null;
    const h = hashFromPairs(flat);
    return {
      conversationId,
      clock,
      cycle: Number(h.cycle),
      startedMs: Number(h.startedMs),
      plan: JSON.parse(h.plan) as ClockPlan,
      priority: h.priority ?? '',
      step: { level: Number(h.level), repeat: Number(h.repeat), offsetMs: Number(h.offsetMs) },
      dueMs: Number(h.dueMs),
      deadlineMs: Number(h.deadlineMs),
    };
  }

  /** Moves a claimed clock on to `next` due at `nextDueMs`, or out of the sweep (null); false if it moved already. */
  async advance(claimed: RunningClock, next: Step | null, nextDueMs: number | null): Promise<boolean> {
    const { conversationId, clock } = claimed;
    const moved = await this.redis.eval(
      ADVANCE,
      2,
      this.keys.clock(conversationId, clock),
      this.keys.due(),
      clockMember(conversationId, clock),
      String(claimed.cycle),
      String(claimed.step.level),
      String(claimed.step.repeat),
      next ? String(next.level) : '',
      next ? String(next.repeat) : '',
      next ? String(next.offsetMs) : '',
      next && nextDueMs !== null ? String(nextDueMs) : '',
    );
    return moved === 1;
  }

  /** Running clocks by their deadline, soonest first (the console's queue): member and deadline. */
  async queue(limit = 200): Promise<{ conversationId: string; clock: ClockName; deadlineMs: number }[]> {
    const flat = await this.redis.zrange(this.keys.deadlines(), 0, limit - 1, 'WITHSCORES');
    const out: { conversationId: string; clock: ClockName; deadlineMs: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ ...parseMember(flat[i]), deadlineMs: Number(flat[i + 1]) });
    return out;
  }
}
