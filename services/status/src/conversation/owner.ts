// A conversation's owner: the operator responsible for it, distinct from who holds a takeover. Set by Assign
// to me (Slack, console), by the first human reply when there is no owner yet, or by the task's assignee in
// Asana; kept in Redis as one record per conversation. The rules are pure; OwnerStore is their Redis side.
import { create, OperatorSchema, type Operator } from '@switchboard/proto';
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';

/** Where an owner came from, as the ASSIGNED event's actor.source says it. */
export type OwnerSource = 'slack' | 'console' | 'asana' | 'reply';

export interface OwnerRecord {
  id: string;
  name: string;
  email: string;
  source: string;
  /** The ASSIGNED event that set it (a retried request finds its own record and goes on). */
  eventId: string;
  at: string;
}

/** Pure: the record for an operator becoming the owner through one event. */
export function ownerRecord(actor: Operator, eventId: string, nowMs = Date.now()): OwnerRecord {
  return {
    id: actor.id,
    name: actor.name,
    email: actor.email,
    source: actor.source,
    eventId,
    at: new Date(nowMs).toISOString(),
  };
}

/**
 * Pure: whether the operator already is the owner: the same id, or the same email (the task's assignee that
 * the ticketer set coming back through the Asana webhook is the same person under their Asana id).
 */
export function isOwner(current: OwnerRecord | null, actor: Operator): boolean {
  if (!current) return false;
  if (current.id === actor.id) return true;
  return current.email !== '' && current.email.toLowerCase() === actor.email.toLowerCase();
}

/** Pure: a stored record back, or null when there is none or it is not one of ours. */
export function parseOwner(raw: string | null): OwnerRecord | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<OwnerRecord>;
    if (typeof parsed.id !== 'string' || typeof parsed.eventId !== 'string') return null;
    return {
      id: parsed.id,
      name: parsed.name ?? '',
      email: parsed.email ?? '',
      source: parsed.source ?? '',
      eventId: parsed.eventId,
      at: parsed.at ?? '',
    };
  } catch {
    return null;
  }
}

/**
 * Pure: the actor of the ASSIGNED event a first human reply makes: the replier, with source "reply" (the
 * surface they replied from is in the reply's own event).
 */
export const replyOwner = (replier: Operator): Operator =>
  create(OperatorSchema, { id: replier.id, name: replier.name, email: replier.email, source: 'reply' });

/** The event id of the ASSIGNED a reply makes: derived from the reply's, so a retried reply makes the same one. */
export const replyOwnerEventId = (replyEventId: string) => `${replyEventId}:owner`;

// Sets the record only when there is none, or when it is this same event's (a retry after a crash).
const CLAIM_FIRST = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, parsed = pcall(cjson.decode, current)
  if ok and type(parsed) == 'table' and parsed['eventId'] == ARGV[2] then return 1 end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;

export class OwnerStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly retentionSeconds: number,
  ) {}

  async get(conversationId: string): Promise<OwnerRecord | null> {
    return parseOwner(await this.redis.get(this.keys.owner(conversationId)));
  }

  /** Assign to me, or the Asana assignee: the owner is replaced whoever it was. */
  async assign(conversationId: string, record: OwnerRecord): Promise<void> {
    await this.redis.set(this.keys.owner(conversationId), JSON.stringify(record), 'EX', this.retentionSeconds);
  }

  /** The first human reply: true when this record became the owner (there was none, or it was already this one). */
  async claimFirst(conversationId: string, record: OwnerRecord): Promise<boolean> {
    const claimed = await this.redis.eval(
      CLAIM_FIRST,
      1,
      this.keys.owner(conversationId),
      JSON.stringify(record),
      record.eventId,
      String(this.retentionSeconds),
    );
    return claimed === 1;
  }
}
