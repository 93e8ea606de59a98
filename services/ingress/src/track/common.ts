// What every platform mapping of /track shares: the query, the outcome (events to record and the parts of
// the payload deliberately not recorded, with why), and small readers of untrusted JSON. Pure.
import { createHash } from 'node:crypto';
import type { EventBody } from '../schema';
import { BadRequest } from '../validate';

export interface TrackQuery {
  platform?: string;
  type?: string;
  apiKey?: string;
  v?: string;
}

/** The message types a platform mapping is asked for: `all` is Messenger's echo mode (both directions). */
export type MessageType = 'incoming' | 'outgoing' | 'all';

export interface TrackOutcome {
  /** The events to record, in payload order. */
  events: EventBody[];
  /** Parts of the payload that are valid but not messages (a typing indicator, a read receipt), and why. */
  ignored: string[];
}

export type Json = Record<string, unknown>;

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
export const obj = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A 400 naming the missing or wrong part of the payload. */
export function missing(what: string, hint = ''): BadRequest {
  return new BadRequest(400, `${what}${hint ? ` (${hint})` : ''}`);
}

/** The body as an object, or a 400 saying what this platform expects. */
export function bodyObject(body: unknown, expected: string): Json {
  const b = obj(body);
  if (!b) throw missing(`body must be a JSON object: ${expected}`);
  return b;
}

const MAX_EVENT_ID = 128;

/**
 * An idempotency key from the platform's own message id, so a retried delivery is a duplicate; ids longer
 * than the event_id limit are hashed (the same id always gives the same key).
 */
export function platformEventId(prefix: string, ...parts: (string | undefined)[]): string | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const id = `${prefix}:${parts.join(':')}`;
  return id.length <= MAX_EVENT_ID ? id : `${prefix}:sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** Milliseconds (number or numeric string) since the epoch → RFC 3339, or undefined when not a time. */
export function isoFromMillis(value: unknown): string | undefined {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

/** An RFC 3339 string that the event schema accepts, or undefined. */
export function isoFrom(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Metadata values are strings of at most 1024 characters. */
export function metadataOf(entries: Record<string, unknown>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined || value === null || value === '') continue;
    out[key] = (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 1024);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Drops undefined fields and empty lists so mapped events carry only what the payload had. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

export type Attachment = NonNullable<EventBody['attachments']>[number];

export const attachment = (type: string, url: string | undefined, name: string | undefined): Attachment =>
  compact({ type, url, name });

export const oneEvent = (event: EventBody): TrackOutcome => ({ events: [event], ignored: [] });
export const nothing = (reason: string): TrackOutcome => ({ events: [], ignored: [reason] });
