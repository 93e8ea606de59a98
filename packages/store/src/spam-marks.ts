// Spam marks every service agrees on: a conversation, a user or a whole team marked spam by an operator (SPAM
// on conv.status) or cleared again (NOT_SPAM). The status service writes them; the notifier and the ticketer
// read them. User and team ids are the bot's own, so their marks are scoped by the bot like conversation ids.
import type { Redis } from 'ioredis';
import { botOfId } from '@switchboard/core';
import type { Keys } from './keys';

/** How far a SPAM / NOT_SPAM reaches: the one conversation, every conversation of its user, or of its team. */
export type SpamScope = 'conversation' | 'user' | 'team';

/** A mark as stored. `spam: false` is a clearing, kept so that an older SPAM delivered late cannot undo it. */
export interface SpamMark {
  spam: boolean;
  /** On a conversation's mark: the scope it was marked with (so Not spam undoes the same scope). */
  scope: SpamScope;
  by: string;
  /** When the operator acted (the event's time, ms): the later change wins, whatever order they arrive in. */
  at: number;
}

/** One operator's SPAM or NOT_SPAM, as the marks need it. */
export interface SpamChange {
  spam: boolean;
  scope: SpamScope;
  conversationId: string;
  /** The conversation's bot (its API key's name; '' for an id recorded before ids were scoped). */
  bot: string;
  userId?: string;
  teamId?: string;
  by: string;
  atMs: number;
}

/** Whom a conversation's event is from: what the marks are looked up by. */
export interface SpamSubject {
  conversationId: string;
  bot: string;
  userId?: string;
  teamId?: string;
}

/** The subject of a message event (MessageEvent's shape): its bot as recorded, else as its scoped id says. */
export function spamSubjectOf(message: {
  conversationId: string;
  botId?: string;
  user?: { id?: string };
  team?: { id?: string };
}): SpamSubject {
  return {
    conversationId: message.conversationId,
    bot: message.botId || botOfId(message.conversationId),
    userId: message.user?.id || undefined,
    teamId: message.team?.id || undefined,
  };
}

/** Which marks hold for a subject. */
export interface SpamVerdict {
  conversation: boolean;
  user: boolean;
  team: boolean;
}

export const isSpam = (v: SpamVerdict) => v.conversation || v.user || v.team;

/** A whole-user or whole-team change needs its user or team id; without it the change reaches the conversation only. */
export function effectiveScope(change: Pick<SpamChange, 'scope' | 'userId' | 'teamId'>): SpamScope {
  if (change.scope === 'user' && change.userId) return 'user';
  if (change.scope === 'team' && change.teamId) return 'team';
  return 'conversation';
}

/** A conversation's mark lives as long as its other records; a clearing as long; a user's or team's spam mark until cleared. */
const RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** Writes each key unless it holds a later change (ARGV: value, at, then one TTL per key; 0 = none). */
const APPLY = `
local written = 0
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  local later = false
  if current then
    local ok, mark = pcall(cjson.decode, current)
    if ok and type(mark) == 'table' and tonumber(mark.at) and tonumber(mark.at) > tonumber(ARGV[2]) then later = true end
  end
  if not later then
    local ttl = tonumber(ARGV[2 + i])
    if ttl > 0 then redis.call('SET', key, ARGV[1], 'EX', ttl) else redis.call('SET', key, ARGV[1]) end
    written = written + 1
  end
end
return written`;

/** A stored mark, or null for none or an unreadable one. Marks written before `spam` was stored were all spam. */
export function parseSpamMark(raw: string | null | undefined): SpamMark | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<SpamMark>;
    if (typeof v !== 'object' || v === null) return null;
    return {
      spam: v.spam !== false,
      scope: v.scope === 'user' || v.scope === 'team' ? v.scope : 'conversation',
      by: typeof v.by === 'string' ? v.by : '',
      at: typeof v.at === 'number' ? v.at : 0,
    };
  } catch {
    return null;
  }
}

/** Which marks hold, from the values of `SpamMarks.keysOf(subject)` (null or false for a missing key). */
export function verdictOf(subject: SpamSubject, values: readonly (string | null | false | undefined)[]): SpamVerdict {
  const holds = (raw: string | null | false | undefined) => parseSpamMark(raw || null)?.spam ?? false;
  return {
    conversation: holds(values[0]),
    user: !!subject.userId && holds(values[1]),
    team: !!subject.teamId && holds(values[2]),
  };
}

export class SpamMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Records a SPAM or NOT_SPAM: always on the conversation, and on its user or team for those scopes. Idempotent,
   * and order-proof: a key holding a later change keeps it. Returns how many marks were written.
   */
  async apply(change: SpamChange): Promise<number> {
    const scope = effectiveScope(change);
    const mark: SpamMark = { spam: change.spam, scope, by: change.by, at: change.atMs };
    const keys = [this.keys.spamConversation(change.conversationId)];
    const ttls = [RETENTION_SECONDS];
    if (scope === 'user') keys.push(this.keys.spamUser(change.bot, change.userId!));
    if (scope === 'team') keys.push(this.keys.spamTeam(change.bot, change.teamId!));
    if (keys.length > 1) ttls.push(change.spam ? 0 : RETENTION_SECONDS);
    const written = await this.redis.eval(
      APPLY,
      keys.length,
      ...keys,
      JSON.stringify(mark),
      String(change.atMs),
      ...ttls.map(String),
    );
    return Number(written);
  }

  /**
   * The three keys whose marks can hold for the subject (conversation, user, team), for a caller reading them in a
   * round trip of its own (with `verdictOf` on their values): a missing user or team reads a key never written.
   */
  keysOf(subject: SpamSubject): [string, string, string] {
    const k = this.keys;
    return [
      k.spamConversation(subject.conversationId),
      k.spamUser(subject.bot, subject.userId ?? ''),
      k.spamTeam(subject.bot, subject.teamId ?? ''),
    ];
  }

  /** Which marks hold for an event of this conversation, user and team, in one round trip. */
  async check(subject: SpamSubject): Promise<SpamVerdict> {
    return verdictOf(subject, await this.redis.mget(...this.keysOf(subject)));
  }

  /** The conversation's own mark (with the scope it was marked with), or null. */
  async conversationMark(conversationId: string): Promise<SpamMark | null> {
    return parseSpamMark(await this.redis.get(this.keys.spamConversation(conversationId)));
  }
}
