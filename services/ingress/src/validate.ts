// Validation of request bodies against schema.ts, with messages that name the field and what was
// expected ("events[2].user.id must be string"), so a bot developer can fix the call from the reply.
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { MAX_BATCH, eventSchema, handoffRequestSchema, type EventBody, type HandoffBody } from './schema';

const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes: false, useDefaults: false });
addFormats(ajv, ['date-time']);
const validateEvent = ajv.compile<EventBody>(eventSchema);
const validateHandoff = ajv.compile<HandoffBody & { event_id?: string }>(handoffRequestSchema);

export class BadRequest extends Error {
  constructor(
    readonly statusCode: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

export function describeError(error: ErrorObject, at: string): string {
  const path = at + error.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
  const where = path === '' ? 'the event' : path;
  switch (error.keyword) {
    case 'required':
      return `${where ? where + '.' : ''}${(error.params as { missingProperty: string }).missingProperty} is required`;
    case 'additionalProperties':
      return `${where} has an unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'enum':
      return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** A body is one event or `{ "events": [...] }`; returns the events or throws BadRequest. */
export function eventsOf(body: unknown): EventBody[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest(400, 'body must be a JSON object: one event, or {"events": [...]}');
  }
  const isBatch = 'events' in body;
  if (isBatch) {
    const { events, ...rest } = body as { events: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new BadRequest(400, `a batch has only "events"; unknown field "${extra[0]}"`);
    if (!Array.isArray(events)) throw new BadRequest(400, 'events must be an array');
    if (events.length === 0) throw new BadRequest(400, 'events must not be empty');
    if (events.length > MAX_BATCH)
      throw new BadRequest(413, `a batch holds at most ${MAX_BATCH} events, got ${events.length}`);
    return events.map((event, i) => checked(event, `events[${i}]`));
  }
  return [checked(body, '')];
}

/** Validates one event; `at` names it in messages ("events[2]"). */
export function checked(event: unknown, at: string): EventBody {
  if (validateEvent(event)) return event;
  const first = validateEvent.errors?.[0];
  throw new BadRequest(400, first ? describeError(first, at) : `${at || 'the event'} is invalid`);
}

/** The body of POST /v1/conversations/:id/handoff as the event it stands for: no text, from the bot. */
export function handoffEventOf(conversationId: string, body: unknown): EventBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest(400, 'body must be a JSON object: {"reason": "..."}');
  if (conversationId.length === 0 || conversationId.length > 256)
    throw new BadRequest(400, 'the conversation id must be 1 to 256 characters');
  if (!validateHandoff(body)) {
    const first = validateHandoff.errors?.[0];
    throw new BadRequest(400, first ? describeError(first, 'handoff') : 'the handoff is invalid');
  }
  const { event_id, ...handoff } = body;
  return { conversation_id: conversationId, direction: 'bot', text: '', handoff, ...(event_id ? { event_id } : {}) };
}
