// Spam marks on a real Redis: a conversation, a bot's user or team marked and cleared, the later change winning
// whatever order changes arrive in, and marks of one bot never reaching another bot's users or teams.
import { SpamMarks, effectiveScope, parseSpamMark, type Redis, type SpamChange } from '../src';
import { connect, testKeys } from './support';

const change = (over: Partial<SpamChange>): SpamChange => ({
  spam: true,
  scope: 'conversation',
  conversationId: 'bot-a:c1',
  bot: 'bot-a',
  userId: 'u1',
  teamId: 't1',
  by: 'Yan',
  atMs: 1000,
  ...over,
});

describe('spam marks', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(() => redis.quit());

  it('marks the conversation only, for a conversation-scoped SPAM', async () => {
    const marks = new SpamMarks(redis, testKeys('spam'));
    await marks.apply(change({}));
    expect(await marks.check({ conversationId: 'bot-a:c1', bot: 'bot-a', userId: 'u1', teamId: 't1' })).toEqual({
      conversation: true,
      user: false,
      team: false,
    });
    expect(await marks.check({ conversationId: 'bot-a:c2', bot: 'bot-a', userId: 'u1', teamId: 't1' })).toEqual({
      conversation: false,
      user: false,
      team: false,
    });
  });

  it('marks every conversation of a user, or of a team, of that bot only', async () => {
    const marks = new SpamMarks(redis, testKeys('spam'));
    await marks.apply(change({ scope: 'user' }));
    await marks.apply(change({ scope: 'team', conversationId: 'bot-a:c9', userId: 'u9', teamId: 't2' }));
    const next = { conversationId: 'bot-a:c3', bot: 'bot-a' };
    expect(await marks.check({ ...next, userId: 'u1', teamId: 't7' })).toMatchObject({ user: true, team: false });
    expect(await marks.check({ ...next, userId: 'u5', teamId: 't2' })).toMatchObject({ user: false, team: true });
    // The same user and team ids under another bot are other people.
    expect(await marks.check({ conversationId: 'bot-b:c3', bot: 'bot-b', userId: 'u1', teamId: 't2' })).toEqual({
      conversation: false,
      user: false,
      team: false,
    });
    expect(await marks.conversationMark('bot-a:c1')).toEqual({ spam: true, scope: 'user', by: 'Yan', at: 1000 });
  });

  it('clears the same scope with Not spam, and keeps the later change when an earlier one arrives late', async () => {
    const marks = new SpamMarks(redis, testKeys('spam'));
    const subject = { conversationId: 'bot-a:c4', bot: 'bot-a', userId: 'u1', teamId: 't1' };
    await marks.apply(change({ scope: 'team' }));
    expect(await marks.check(subject)).toMatchObject({ team: true });
    await marks.apply(change({ scope: 'team', spam: false, atMs: 2000 }));
    expect(await marks.check(subject)).toMatchObject({ team: false });
    // The SPAM delivered again after the Not spam changes nothing.
    expect(await marks.apply(change({ scope: 'team' }))).toBe(0);
    expect(await marks.check(subject)).toMatchObject({ team: false });
    expect((await marks.conversationMark('bot-a:c1'))?.spam).toBe(false);
    // A later SPAM marks the team again.
    await marks.apply(change({ scope: 'team', atMs: 3000 }));
    expect(await marks.check(subject)).toMatchObject({ team: true });
  });

  it('reaches the conversation only when a whole-user or whole-team change has no id', () => {
    expect(effectiveScope({ scope: 'user', userId: '' })).toBe('conversation');
    expect(effectiveScope({ scope: 'team', teamId: undefined })).toBe('conversation');
    expect(effectiveScope({ scope: 'team', teamId: 't1' })).toBe('team');
  });

  it('reads a mark written before marks said spam or not as spam, and an unreadable one as none', () => {
    expect(parseSpamMark('{"by":"Yan","at":5}')).toEqual({ spam: true, scope: 'conversation', by: 'Yan', at: 5 });
    expect(parseSpamMark('nonsense')).toBeNull();
    expect(parseSpamMark(null)).toBeNull();
  });
});
