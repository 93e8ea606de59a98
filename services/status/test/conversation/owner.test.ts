// A conversation's owner: the pure rules (who is already the owner, the first reply's owner, records read
// back) and the store against a real Redis (Assign to me replaces, the first human reply claims once); and
// which user messages reopen a closed conversation.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { ClassifiedEventSchema, create, Direction, OperatorSchema, timestampFromMs } from '@switchboard/proto';
import { summaryFromHash } from '../../src/conversation/conversation-state';
import {
  OwnerStore,
  isOwner,
  ownerRecord,
  parseOwner,
  replyOwner,
  replyOwnerEventId,
} from '../../src/conversation/owner';
import { reopenEventId, reopensConversation } from '../../src/conversation/reopen';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-owner-${randomUUID().slice(0, 8)}:`);

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

const olivia = create(OperatorSchema, {
  id: 'slack:U0OLIVIA',
  name: 'Olivia',
  email: 'Olivia@example.test',
  source: 'slack',
});
const bo = create(OperatorSchema, { id: 'console:bo', name: 'Bo', email: '', source: 'console' });

describe('owner rules', () => {
  it('knows the owner by id, or by email under another id (the Asana assignee coming back)', () => {
    const record = ownerRecord(olivia, 'e1', 0);
    expect(isOwner(record, olivia)).toBe(true);
    const inAsana = create(OperatorSchema, { id: 'asana:123', name: 'Olivia O.', email: 'olivia@example.test' });
    expect(isOwner(record, inAsana)).toBe(true);
    expect(isOwner(record, bo)).toBe(false);
    expect(isOwner(ownerRecord(bo, 'e2', 0), create(OperatorSchema, { id: 'console:cy', email: '' }))).toBe(false);
    expect(isOwner(null, olivia)).toBe(false);
  });

  it('makes the first reply’s owner the replier, with source reply and an event id derived from the reply', () => {
    expect(replyOwner(olivia)).toMatchObject({ id: olivia.id, name: 'Olivia', source: 'reply' });
    expect(replyOwnerEventId('slack-event-abc')).toBe('slack-event-abc:owner');
  });

  it('reads back only records it wrote', () => {
    const record = ownerRecord(olivia, 'e1', 0);
    expect(parseOwner(JSON.stringify(record))).toEqual(record);
    expect(parseOwner('not json')).toBeNull();
    expect(parseOwner('{"name":"x"}')).toBeNull();
    expect(parseOwner(null)).toBeNull();
  });
});

describe('OwnerStore', () => {
  const owners = new OwnerStore(redis, keys, 3600);

  it('lets the first human reply claim a conversation without an owner, once (a retry of it goes on)', async () => {
    const first = ownerRecord(replyOwner(bo), 'r1:owner');
    expect(await owners.claimFirst('c1', first)).toBe(true);
    expect(await owners.claimFirst('c1', first)).toBe(true); // the same reply retried
    expect(await owners.claimFirst('c1', ownerRecord(replyOwner(olivia), 'r2:owner'))).toBe(false);
    expect(await owners.get('c1')).toMatchObject({ id: bo.id, source: 'reply', eventId: 'r1:owner' });
  });

  it('lets Assign to me replace any owner, after which a first reply claims nothing', async () => {
    await owners.assign('c2', ownerRecord(olivia, 'a1'));
    expect(await owners.claimFirst('c2', ownerRecord(replyOwner(bo), 'r3:owner'))).toBe(false);
    await owners.assign('c2', ownerRecord(bo, 'a2'));
    expect(await owners.get('c2')).toMatchObject({ id: bo.id, eventId: 'a2' });
    expect(await redis.ttl(keys.owner('c2'))).toBeGreaterThan(0);
  });
});

describe('reopening on a user message', () => {
  const message = (direction: Direction, denied = false) =>
    create(ClassifiedEventSchema, {
      message: { eventId: 'm1', conversationId: 'c1', direction, text: 'hello again' },
      denied,
    });
  const closed = summaryFromHash({ id: 'c1', closed: '1' });
  const open = summaryFromHash({ id: 'c1' });
  const closedSpam = summaryFromHash({ id: 'c1', closed: '1', spam: '1' });

  it.each<[string, Direction, ReturnType<typeof summaryFromHash>, boolean, boolean]>([
    ['a user message on a closed conversation', Direction.USER, closed, false, true],
    ['a message without a direction (a user’s) on a closed one', Direction.UNSPECIFIED, closed, false, true],
    ['a user message on an open conversation', Direction.USER, open, false, false],
    ['a user message on a closed spam conversation', Direction.USER, closedSpam, false, false],
    ['a message the rules deny', Direction.USER, closed, true, false],
    ['a bot message', Direction.BOT, closed, false, false],
    ['an operator message', Direction.OPERATOR, closed, false, false],
    ['a message of an unknown conversation', Direction.USER, null, false, false],
  ])('%s: reopens = %s', (_what, direction, summary, denied, reopens) => {
    expect(reopensConversation(message(direction, denied), summary)).toBe(reopens);
  });

  it('does not reopen for a message ingress received before the close (it was on its way)', () => {
    const closedAt = summaryFromHash({ id: 'c1', closed: '1', closedAt: '2026-01-01T10:00:00.000Z' });
    const at = (iso: string) =>
      create(ClassifiedEventSchema, {
        message: {
          eventId: 'm2',
          conversationId: 'c1',
          direction: Direction.USER,
          receivedAt: timestampFromMs(Date.parse(iso)),
        },
      });
    expect(reopensConversation(at('2026-01-01T09:59:59.000Z'), closedAt)).toBe(false);
    expect(reopensConversation(at('2026-01-01T10:00:01.000Z'), closedAt)).toBe(true);
  });

  it('derives the REOPENED event id from the message’s, so replicas and redeliveries make one', () => {
    expect(reopenEventId('status-bot:m1')).toBe('status-bot:m1:reopened');
  });
});
