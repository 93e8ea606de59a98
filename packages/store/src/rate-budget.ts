// A rate budget shared by every replica: a token bucket held in Redis and updated by one Lua script on
// Redis's own clock, so more replicas never mean more requests than the budget allows.
// Three ways to spend it: `tryTake` (ingress: refuse when empty and say when to retry), `reserve`
// (Slack / Asana callers: book the next free slot and wait for it, first come first served), and
// `reserveWithin` (book the next slot only if it comes soon enough: the check and the booking are one step, so
// callers asking at once never book past their limit between looking and booking).
// A booked slot says when a call may leave, not when the vendor counts it: `call` also gates the call itself,
// so that the vendor sees the budget even when calls are late (see CALL_BEGIN).
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sleep } from '@switchboard/core';
import type { Keys } from './keys';

const SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local maxWait = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
local allowed = 1
if tokens < cost then wait = math.ceil((cost - tokens) * 1000 / rate) end
if maxWait < 0 or wait <= maxWait then tokens = tokens - cost else allowed = 0 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst + math.max(0, -tokens)) * 1000 / rate) + 60000)
return {allowed, wait}
`;

// The call gate. A vendor counts a call when it arrives, somewhere between the moment we send it and the
// moment its answer is back; booked slots are spaced on Redis's clock at booking time, and whatever runs between
// booking and sending (Redis round trips, rendering, a cold or busy event loop — a replica just restarted after
// a SIGKILL) delays one call more than the next, so two calls booked a full interval apart could arrive closer
// than the vendor allows. The gate counts each call from its start until its end: a call starts only when,
// counting every call still in flight as arriving now and every ended call as arriving at its end (the latest
// it can have arrived), fewer than `burst` calls fall within the last burst/rate seconds: at most `burst` in
// any such window at the vendor, which its token bucket of the same rate and burst always accepts.
// A call whose replica died in flight holds its place until its lease runs out, and counts as ended then.
// KEYS: in-flight calls (zset: id → lease end ms), recent call ends (list of ms).
// ARGV: call id, lease ms, burst, window ms. Returns {1, 0} when started, else {0, ms to wait, 1 if behind a call in flight}.
const CALL_BEGIN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZREM', KEYS[1], expired[i])
  redis.call('LPUSH', KEYS[2], expired[i + 1])
end
local busy = redis.call('ZCARD', KEYS[1])
if busy >= burst then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, math.max(1, tonumber(first[2]) - now), 1}
end
local ends = redis.call('LRANGE', KEYS[2], 0, -1)
local sorted = {}
for i, e in ipairs(ends) do sorted[i] = tonumber(e) end
table.sort(sorted, function(a, b) return a > b end)
local kth = sorted[burst - busy]
if kth and now < kth + window then return {0, kth + window - now, 0} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local keep = window + tonumber(ARGV[2]) + 60000
redis.call('PEXPIRE', KEYS[1], keep)
if #sorted > 0 then
  redis.call('DEL', KEYS[2])
  for i = 1, math.min(#sorted, burst) do redis.call('RPUSH', KEYS[2], sorted[i]) end
  redis.call('PEXPIRE', KEYS[2], keep)
end
return {1, 0}
`;

// KEYS: as CALL_BEGIN. ARGV: call id, window ms, lease ms. A call already counted as ended (lease ran out) is not counted twice.
const CALL_END = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('LPUSH', KEYS[2], now)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]) + 60000)
return 1
`;

/** How often a call waiting behind calls in flight asks again (their ends are not announced). */
const BUSY_POLL_MS = 50;

export interface BudgetSpec {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests allowed at once after a quiet period. */
  burst: number;
}

export interface BudgetAnswer {
  allowed: boolean;
  /** With tryTake: when a retry could succeed. With reserve: how long to wait before going ahead. */
  waitMs: number;
}

export class RateBudget {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly name: string,
    private readonly spec: BudgetSpec,
  ) {
    if (!(spec.ratePerSecond > 0) || !(spec.burst >= 1))
      throw new Error(`rate budget ${name}: rate must be > 0 and burst >= 1`);
  }

  tryTake(subject = '', cost = 1): Promise<BudgetAnswer> {
    return this.run(subject, cost, 0);
  }

  reserve(subject = '', cost = 1): Promise<BudgetAnswer> {
    return this.run(subject, cost, -1);
  }

  /**
   * Books the next slot if its wait is at most `maxWaitMs` (allowed, with the wait); else books nothing and says
   * how long the wait would be. `Infinity` books whatever the wait, as `reserve`.
   */
  reserveWithin(subject: string, maxWaitMs: number, cost = 1): Promise<BudgetAnswer> {
    return this.run(subject, cost, Number.isFinite(maxWaitMs) ? Math.max(0, Math.floor(maxWaitMs)) : -1);
  }

  /**
   * Runs one vendor call inside the budget's call gate (after booking its slot with `reserve` or `tryTake`):
   * it starts only when the calls before it, counted until their ends, leave room (see CALL_BEGIN), and is
   * counted until it returns. `leaseMs` bounds how long a call can be in flight (the client's timeout): a
   * replica that dies mid-call holds the place that long. Returns what the call returned.
   */
  async call<T>(subject: string, leaseMs: number, run: () => Promise<T>, onWait?: (ms: number) => void): Promise<T> {
    const name = subject ? `${this.name}:${subject}` : this.name;
    const keys = [this.keys.rateBudgetCalls(name, 'in-flight'), this.keys.rateBudgetCalls(name, 'ends')];
    const windowMs = Math.ceil((this.spec.burst * 1000) / this.spec.ratePerSecond);
    const callId = randomUUID();
    for (;;) {
      const [started, waitMs, busy] = (await this.redis.eval(
        CALL_BEGIN,
        2,
        ...keys,
        callId,
        leaseMs,
        this.spec.burst,
        windowMs,
      )) as [number, number, number?];
      if (started === 1) break;
      // Behind a window: known to the millisecond. Behind a call in flight: its end is not announced, so ask again soon.
      const pause = busy === 1 ? Math.min(waitMs, BUSY_POLL_MS) : waitMs;
      onWait?.(pause);
      await sleep(pause);
    }
    try {
      return await run();
    } finally {
      // Not ended (Redis away): the lease ends it.
      await this.redis.eval(CALL_END, 2, ...keys, callId, windowMs, leaseMs).catch(() => undefined);
    }
  }

  /** `maxWaitMs`: the longest wait booked (0: only a free slot; -1: any). */
  private async run(subject: string, cost: number, maxWaitMs: number): Promise<BudgetAnswer> {
    const key = this.keys.rateBudget(subject ? `${this.name}:${subject}` : this.name);
    const [allowed, waitMs] = (await this.redis.eval(
      SCRIPT,
      1,
      key,
      this.spec.ratePerSecond,
      this.spec.burst,
      cost,
      maxWaitMs,
    )) as [number, number];
    return { allowed: allowed === 1, waitMs };
  }
}
