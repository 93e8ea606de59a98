import { Direction, timestampDate } from '@switchboard/proto';
import { BadRequest, eventsOf } from '../src/validate';
import { toMessageEvent, uniqueById } from '../src/events';
import { authenticate, bearerToken, createAuthenticator, parseApiKeys } from '@switchboard/core';
import { uuidv7 } from '../src/ids';
import { MAX_BATCH } from '../src/schema';

const good = { conversation_id: 'c1', user: { id: 'u1', name: 'Ann' }, team: { id: 't1', name: 'Acme' }, text: 'hi' };

function rejection(body: unknown): { status: number; message: string } {
  try {
    eventsOf(body);
  } catch (err) {
    if (err instanceof BadRequest) return { status: err.statusCode, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('eventsOf', () => {
  it('accepts one event or a batch', () => {
    expect(eventsOf(good)).toEqual([good]);
    expect(eventsOf({ events: [good, { ...good, conversation_id: 'c2' }] })).toHaveLength(2);
  });

  it.each([
    [null, 'body must be a JSON object'],
    [[good], 'body must be a JSON object'],
    [{ text: 'hi' }, 'conversation_id is required'],
    [{ ...good, conversation_id: 7 }, '.conversation_id must be string'],
    [{ ...good, user: { name: 'x' } }, '.user.id is required'],
    [{ ...good, direction: 'sideways' }, '.direction must be one of user, bot'],
    [{ ...good, colour: 'red' }, 'has an unknown field "colour"'],
    [{ ...good, timestamp: 'yesterday' }, '.timestamp must match format "date-time"'],
    [{ events: [] }, 'events must not be empty'],
    [{ events: 'x' }, 'events must be an array'],
    [{ events: [good, { text: 1 }] }, 'events[1].conversation_id is required'],
    [{ events: [good], extra: 1 }, 'unknown field "extra"'],
  ])('rejects %j with a message naming the problem', (body, message) => {
    const r = rejection(body);
    expect(r.status).toBe(400);
    expect(r.message).toContain(message);
  });

  it('answers 413 for an over-size batch', () => {
    expect(rejection({ events: Array.from({ length: MAX_BATCH + 1 }, () => good) }).status).toBe(413);
  });
});

describe('toMessageEvent', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it("maps the body and keeps the client event id, both ids in the bot's scope", () => {
    const e = toMessageEvent(
      { ...good, event_id: 'k1', direction: 'bot', timestamp: '2026-01-01T00:00:00Z' },
      { botId: 'bot-a', now },
    );
    expect(e).toMatchObject({
      eventId: 'bot-a:k1',
      conversationId: 'bot-a:c1',
      text: 'hi',
      direction: Direction.BOT,
      botId: 'bot-a',
      team: { id: 't1', name: 'Acme' },
    });
    expect(timestampDate(e.sentAt!).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(timestampDate(e.receivedAt!).toISOString()).toBe(now.toISOString());
  });

  it('makes a UUIDv7 when the client sends no id', () => {
    const e = toMessageEvent(good, { botId: 'b', now });
    expect(e.eventId).toMatch(/^b:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.direction).toBe(Direction.USER);
  });

  it('keeps the first of repeated ids in a batch', () => {
    const a = toMessageEvent({ ...good, event_id: 'x', text: 'first' }, { botId: 'b', now });
    const b = toMessageEvent({ ...good, event_id: 'x', text: 'second' }, { botId: 'b', now });
    expect(uniqueById([a, b]).map((e) => e.text)).toEqual(['first']);
  });
});

describe('uuidv7', () => {
  it('orders by time', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
    expect(uuidv7(0, Buffer.alloc(10))).toBe('00000000-0000-7000-8000-000000000000');
  });

  it('never repeats within a millisecond, across refills of its pool of random bytes', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('API keys', () => {
  const keys = parseApiKeys([
    'bot-a:aaaaaaaaaaaaaaaaaaaa',
    'bot-b:sha256:' + require('node:crypto').createHash('sha256').update('bbbbbbbbbbbbbbbbbbbb').digest('hex'),
  ]);

  it('finds the bot of a token, plain or hashed in config', () => {
    expect(authenticate(keys, 'aaaaaaaaaaaaaaaaaaaa')).toBe('bot-a');
    expect(authenticate(keys, 'bbbbbbbbbbbbbbbbbbbb')).toBe('bot-b');
    expect(authenticate(keys, 'wrong')).toBeNull();
    expect(authenticate(keys, undefined)).toBeNull();
  });

  it('finds the same bots through the authenticator that keeps the hashes of matching tokens', () => {
    const authenticator = createAuthenticator(keys);
    for (let i = 0; i < 2; i += 1) {
      expect(authenticator('aaaaaaaaaaaaaaaaaaaa')).toBe('bot-a');
      expect(authenticator('bbbbbbbbbbbbbbbbbbbb')).toBe('bot-b');
      expect(authenticator('wrong')).toBeNull();
      expect(authenticator('aaaaaaaaaaaaaaaaaaaax')).toBeNull();
      expect(authenticator(undefined)).toBeNull();
    }
  });

  it('reads the bearer token', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  it('refuses malformed and short keys', () => {
    expect(() => parseApiKeys(['nokey'])).toThrow('name:token');
    expect(() => parseApiKeys(['a:short'])).toThrow('shorter than 16');
    expect(() => parseApiKeys(['a:sha256:xyz'])).toThrow('64 hex digits');
  });
});
