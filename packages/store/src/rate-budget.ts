// A rate budget shared by every replica: a token bucket held in Redis and updated by one Lua script on
// Redis's own clock, so more replicas never mean more requests than the budget allows.
// Two ways to spend it: `tryTake` (ingress: refuse when empty and say when to retry) and `reserve`
// (Slack / Asana callers: book the next free slot and wait for it, first come first served).
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

const SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local reserve = ARGV[4] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
local allowed = 1
if tokens >= cost then
  tokens = tokens - cost
elseif reserve then
  tokens = tokens - cost
  wait = math.ceil(-tokens * 1000 / rate)
else
  allowed = 0
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst + math.max(0, -tokens)) * 1000 / rate) + 60000)
return {allowed, wait}
`;

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
    if (!(spec.ratePerSecond > 0) || !(spec.burst >= 1)) throw new Error(`rate budget ${name}: rate must be > 0 and burst >= 1`);
  }

  tryTake(subject = '', cost = 1): Promise<BudgetAnswer> {
    return this.run(subject, cost, false);
  }

  reserve(subject = '', cost = 1): Promise<BudgetAnswer> {
    return this.run(subject, cost, true);
  }

  private async run(subject: string, cost: number, reserve: boolean): Promise<BudgetAnswer> {
    const key = this.keys.rateBudget(subject ? `${this.name}:${subject}` : this.name);
    const [allowed, waitMs] = (await this.redis.eval(SCRIPT, 1, key, this.spec.ratePerSecond, this.spec.burst, cost, reserve ? '1' : '0')) as [number, number];
    return { allowed: allowed === 1, waitMs };
  }
}
