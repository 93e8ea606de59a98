// The ticketer's records on a real Redis: a message's facts read in one script call, the comment batches taken
// with the store's OpenBatches, and a batch left open by a ticketer older than OpenBatches (a hash) resumed
// whole after an upgrade.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { ConversationRefs, SpamMarks, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { ticketerKeys } from '../src/keys';
import { TicketStore } from '../src/ticket-store';

const quiet = createLogger({ service: 'ticketer-test', level: 'silent' });

describe('TicketStore', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(() => redis.quit());

  it('reads a message’s spam marks, task and ticket in one call, as the separate reads would', async () => {
    const keys = ticketerKeys(createKeys(`ticket-store-${randomUUID().slice(0, 8)}:`));
    const store = new TicketStore(redis, keys);
    const spam = new SpamMarks(redis, keys);
    const subject = { conversationId: 'bot-a:c1', bot: 'bot-a', userId: 'u1', teamId: 't1' };

    const none = await store.messageFacts(subject, spam);
    expect(none).toEqual({
      marks: await spam.check(subject),
      task: null,
      ticket: await store.ticket('bot-a:c1'),
    });
    expect(none.marks).toEqual({ conversation: false, user: false, team: false });

    const task = { gid: '42', permalinkUrl: 'https://app.asana.com/0/1/42' };
    await new ConversationRefs(redis, keys).setAsanaTask('bot-a:c1', task);
    await store.saveTicket('bot-a:c1', { completed: true, notes: 'n', firstEventId: 'e0', createdAtMs: 7 });
    await spam.apply({
      spam: true,
      scope: 'user',
      conversationId: 'bot-a:c9',
      bot: 'bot-a',
      userId: 'u1',
      by: 'Ann',
      atMs: 1,
    });
    const facts = await store.messageFacts(subject, spam);
    expect(facts).toEqual({ marks: await spam.check(subject), task, ticket: await store.ticket('bot-a:c1') });
    expect(facts.marks).toEqual({ conversation: false, user: true, team: false });
    expect(facts.ticket).toMatchObject({
      completed: true,
      spam: false,
      notes: 'n',
      firstEventId: 'e0',
      createdAtMs: 7,
    });
  });

  it('takes the buffered lines as one batch and hands it back until it is finished', async () => {
    const keys = ticketerKeys(createKeys(`ticket-store-${randomUUID().slice(0, 8)}:`));
    const store = new TicketStore(redis, keys);
    await store.bufferLine('c1', 'e1', 'first', 1);
    await store.bufferLine('c1', 'e2', 'second', 1);
    const batch = (await store.takeBatch('c1'))!;
    expect(batch).toMatchObject({ lines: ['first', 'second'], recovered: false });
    expect(await store.takeBatch('c1')).toEqual({ ...batch, recovered: true });
    await store.finishBatch('c1', batch.id, 2);
    expect(await store.takeBatch('c1')).toBeNull();
    expect(await store.dueConversations(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('resumes a batch left open as a hash by an older ticketer, with its id and lines', async () => {
    const keys = ticketerKeys(createKeys(`ticket-store-${randomUUID().slice(0, 8)}:`));
    await redis.hset(keys.ticketerCommentBatch('c2'), { id: 'old-batch', lines: JSON.stringify(['a line']) });
    expect(await new TicketStore(redis, keys).takeBatch('c2')).toEqual({
      id: 'old-batch',
      lines: ['a line'],
      recovered: true,
    });
  });
});
