// The posts waiting for a channel's Slack slot, in Redis so that every replica sees every other's (a hash per
// channel: post id → precedence, when it began to wait, until when it is held). A waiter renews its hold each
// time it looks; a replica that dies waiting leaves a post that lapses after `holdMs`. The order is post-order.ts.
import type { Redis } from 'ioredis';
import { PRECEDENCES, type Precedence, type WaitingPost } from './post-order';

// KEYS: the room. ARGV: post id, precedence, hold ms, since ms ('' for now). Returns now (Redis's clock, ms).
const JOIN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local since = ARGV[4] == '' and now or tonumber(ARGV[4])
local hold = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. since .. '|' .. (now + hold))
redis.call('PEXPIRE', KEYS[1], hold + 60000)
return now
`;

// KEYS: the room. ARGV: the looking post's id ('' for none), hold ms. Renews the looker's hold, drops lapsed posts.
// Returns {now, id1, entry1, id2, entry2, ...} with entry = 'precedence|since|until'.
const LOOK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local out = {now}
for i = 1, #all, 2 do
  local id, entry = all[i], all[i + 1]
  local p, since, held = string.match(entry, '^([^|]*)|([^|]*)|([^|]*)$')
  if id == ARGV[1] then
    entry = p .. '|' .. since .. '|' .. (now + hold)
    redis.call('HSET', KEYS[1], id, entry)
    redis.call('PEXPIRE', KEYS[1], hold + 60000)
    out[#out + 1] = id
    out[#out + 1] = entry
  elseif tonumber(held) == nil or tonumber(held) < now then
    redis.call('HDEL', KEYS[1], id)
  else
    out[#out + 1] = id
    out[#out + 1] = entry
  end
end
return out
`;

export interface RoomView {
  /** Redis's clock, ms. */
  nowMs: number;
  waiting: WaitingPost[];
}

function parseEntry(id: string, entry: string): WaitingPost | undefined {
  const [precedence, since] = entry.split('|');
  if (!(PRECEDENCES as readonly string[]).includes(precedence) || !Number.isFinite(Number(since))) return undefined;
  return { id, precedence: precedence as Precedence, sinceMs: Number(since) };
}

export class PostWaitingRoom {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (channel: string) => string,
    /** How long a post stays in the room without its waiter looking (a waiter looks far more often). */
    private readonly holdMs: number,
  ) {}

  /** Enters a post (or enters it again with the time it first began to wait); returns Redis's clock. */
  async join(channel: string, id: string, precedence: Precedence, sinceMs?: number): Promise<number> {
    return Number(await this.redis.eval(JOIN, 1, this.keyOf(channel), id, precedence, this.holdMs, sinceMs ?? ''));
  }

  /** The posts waiting now; `id`'s hold is renewed if it is one of them. */
  async look(channel: string, id = ''): Promise<RoomView> {
    const reply = (await this.redis.eval(LOOK, 1, this.keyOf(channel), id, this.holdMs)) as (number | string)[];
    const waiting: WaitingPost[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      const post = parseEntry(String(reply[i]), String(reply[i + 1]));
      if (post) waiting.push(post);
    }
    return { nowMs: Number(reply[0]), waiting };
  }

  async leave(channel: string, id: string): Promise<void> {
    await this.redis.hdel(this.keyOf(channel), id);
  }
}
