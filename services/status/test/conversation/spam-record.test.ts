// What a SPAM / NOT_SPAM on conv.status writes into the shared spam marks (pure), and which scope an operator's
// Not spam undoes (on a real Redis): the one the conversation was marked with.
import { randomUUID } from 'node:crypto';
import { create, StatusChange, StatusEventSchema, timestampFromMs } from '@switchboard/proto';
import { createLogger } from '@switchboard/core';
import { SpamMarks, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { requestedScope, scopeFlags, spamChangeOf } from '../../src/conversation/spam-record';

const actor = { id: 'slack:U1', name: 'Yan', source: 'slack' };

describe('spam marks from status events', () => {
  it('maps a whole-user SPAM to a mark on the bot-scoped user', () => {
    const event = create(StatusEventSchema, {
      conversationId: 'bot-a:c1',
      change: StatusChange.SPAM,
      actor,
      at: timestampFromMs(5000),
      wholeUser: true,
      userId: 'u1',
      teamId: 't1',
    });
    expect(spamChangeOf(event)).toEqual({
      spam: true,
      scope: 'user',
      conversationId: 'bot-a:c1',
      bot: 'bot-a',
      userId: 'u1',
      teamId: 't1',
      by: 'Yan',
      atMs: 5000,
    });
  });

  it('maps a whole-team NOT_SPAM to a clearing of the team, and ignores every other change', () => {
    const notSpam = create(StatusEventSchema, {
      conversationId: 'bot-a:c1',
      change: StatusChange.NOT_SPAM,
      actor,
      wholeTeam: true,
      teamId: 't1',
    });
    expect(spamChangeOf(notSpam, 7)).toMatchObject({ spam: false, scope: 'team', teamId: 't1', atMs: 7 });
    const reviewed = create(StatusEventSchema, { conversationId: 'bot-a:c1', change: StatusChange.REVIEWED, actor });
    expect(spamChangeOf(reviewed)).toBeNull();
  });

  it('says which event flags a scope sets', () => {
    expect(scopeFlags('user')).toEqual({ wholeUser: true, wholeTeam: false });
    expect(scopeFlags('team')).toEqual({ wholeUser: false, wholeTeam: true });
    expect(scopeFlags('conversation')).toEqual({ wholeUser: false, wholeTeam: false });
  });

  describe('the scope a Not spam undoes', () => {
    let redis: Redis;
    beforeAll(async () => {
      const quiet = createLogger({ service: 'spam-record-test', level: 'silent' });
      redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
      await connectRedis(redis, quiet);
    });
    afterAll(() => redis.quit());

    it("is the spam's own scope when none is asked for, and the asked one otherwise", async () => {
      const marks = new SpamMarks(redis, createKeys(`spam-record-${randomUUID().slice(0, 8)}:`));
      const base = { conversationId: 'bot-a:c2', bot: 'bot-a', userId: 'u2', teamId: 't2', by: 'Yan', atMs: 1 };
      await marks.apply({ ...base, spam: true, scope: 'team' });
      expect(await requestedScope(marks, { conversationId: 'bot-a:c2', change: StatusChange.NOT_SPAM })).toBe('team');
      expect(
        await requestedScope(marks, {
          conversationId: 'bot-a:c2',
          change: StatusChange.NOT_SPAM,
          scope: 'conversation',
        }),
      ).toBe('conversation');
      expect(await requestedScope(marks, { conversationId: 'bot-a:c3', change: StatusChange.NOT_SPAM })).toBe(
        'conversation',
      );
      expect(await requestedScope(marks, { conversationId: 'bot-a:c3', change: StatusChange.SPAM })).toBe(
        'conversation',
      );
    });
  });
});
