// The bot's requests for a human. Control is "waiting" (ingress set it; set again here in case Redis was away
// then) until an operator takes over or the deadline passes. Deadlines live in a sorted set that every
// replica sweeps: a claim is atomic and only leases the entry (its score moves on by the lease), so a replica
// that dies after claiming leaves it to be claimed again, and the timeout's event ids are the same each time.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';

export interface HandoffRequest {
  /** The scoped id of the event that asked: one request, whatever redelivers it. */
  requestId: string;
  reason: string;
  summary: string;
  team: string;
  metadata: Record<string, string>;
  requestedAt: string;
  /** When it goes back to the bot if no operator takes over (ISO). */
  until: string;
  /** waiting, taken (an operator took over), timed_out. */
  outcome: 'waiting' | 'taken' | 'timed_out';
}

/**
 * Starts a request's deadline unless an operator already holds the conversation, this request was already
 * seen (a redelivery), or another request already waits (the first one counts). A request that comes while
 * an earlier one is being timed out (claimed, not yet finished) starts afresh: the bot asked again.
 */
const SCHEDULE = `
if redis.call('GET', KEYS[1]) == 'human' then return 0 end
local settled = redis.call('HGET', KEYS[2], 'settled')
if settled and settled == ARGV[2] then return 0 end
if redis.call('HGET', KEYS[2], 'requestId') == ARGV[2] then return 0 end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) and redis.call('HGET', KEYS[2], 'outcome') == 'waiting' then return 0 end
redis.call('SET', KEYS[1], 'waiting', 'EX', ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'requestId', ARGV[2], 'request', ARGV[5], 'outcome', 'waiting')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

/**
 * Claims a due deadline: control goes back to the bot and the entry is leased (score = now + lease), not
 * removed, until finish() says the timeout is published. A claim of an entry whose conversation is no longer
 * waiting (and not being timed out) drops it. Returns the request id claimed, or false.
 */
const CLAIM = `
local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not deadline or tonumber(deadline) > tonumber(ARGV[2]) then return false end
local request = redis.call('HGET', KEYS[2], 'requestId')
local outcome = redis.call('HGET', KEYS[2], 'outcome')
if request and (outcome == 'timed_out' or (outcome == 'waiting' and redis.call('GET', KEYS[1]) == 'waiting')) then
  if outcome == 'waiting' then redis.call('DEL', KEYS[1]) end
  redis.call('HSET', KEYS[2], 'outcome', 'timed_out')
  redis.call('ZADD', KEYS[3], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
  return request
end
redis.call('ZREM', KEYS[3], ARGV[1])
return false`;

/**
 * The timeout of this request is published: its deadline is gone and a redelivered request stays settled. If
 * the bot asked again meanwhile, the entry is the new request's and stays.
 */
const FINISH = `
if redis.call('HGET', KEYS[1], 'requestId') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'settled', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/** An operator took over: the clock stops, unless a timeout was already claimed (it goes out, once). */
const ANSWER = `
if redis.call('HGET', KEYS[1], 'outcome') ~= 'waiting' then return 0 end
redis.call('HSET', KEYS[1], 'outcome', 'taken', 'settled', redis.call('HGET', KEYS[1], 'requestId'))
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

export class HandoffStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly leaseMs: number,
    private readonly retentionSeconds: number,
  ) {}

  /** True when this call started the request's deadline. */
  async schedule(
    conversationId: string,
    request: Omit<HandoffRequest, 'outcome'>,
    deadlineMs: number,
  ): Promise<boolean> {
    const { requestId, ...rest } = request;
    const started = await this.redis.eval(
      SCHEDULE,
      3,
      this.keys.control(conversationId),
      this.keys.handoff(conversationId),
      this.keys.handoffDeadlines(),
      conversationId,
      requestId,
      String(deadlineMs),
      String(this.retentionSeconds),
      JSON.stringify(rest),
    );
    return started === 1;
  }

  /** Conversations whose deadline (or a dead replica's lease) has passed, oldest first. */
  due(nowMs = Date.now(), limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.handoffDeadlines(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** The request id whose timeout this caller must publish, or null (not due, taken over, or claimed by another). */
  async claim(conversationId: string, nowMs = Date.now()): Promise<string | null> {
    const claimed = await this.redis.eval(
      CLAIM,
      3,
      this.keys.control(conversationId),
      this.keys.handoff(conversationId),
      this.keys.handoffDeadlines(),
      conversationId,
      String(nowMs),
      String(this.leaseMs),
    );
    return typeof claimed === 'string' ? claimed : null;
  }

  async finish(conversationId: string, requestId: string): Promise<void> {
    await this.redis.eval(
      FINISH,
      2,
      this.keys.handoff(conversationId),
      this.keys.handoffDeadlines(),
      conversationId,
      requestId,
    );
  }

  /** An operator took the conversation over; true when that stopped a waiting handoff's clock. */
  async answered(conversationId: string): Promise<boolean> {
    return (
      (await this.redis.eval(
        ANSWER,
        2,
        this.keys.handoff(conversationId),
        this.keys.handoffDeadlines(),
        conversationId,
      )) === 1
    );
  }

  /** The latest request, for the console and the control API; null when the bot never asked. */
  async get(conversationId: string): Promise<HandoffRequest | null> {
    const h = await this.redis.hgetall(this.keys.handoff(conversationId));
    if (!h.requestId || !h.request) return null;
    const rest = JSON.parse(h.request) as Omit<HandoffRequest, 'outcome' | 'requestId'>;
    return { requestId: h.requestId, ...rest, outcome: h.outcome as HandoffRequest['outcome'] };
  }
}
