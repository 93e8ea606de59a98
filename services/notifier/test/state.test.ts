// The notifier's per-event Redis steps on a real Redis: an event's facts, a conversation's state with a post
// intent, a finished line and a queued reply are each one script call, and read or leave exactly what the
// separate commands they replaced did (values, TTLs, the urgent ordering, a redelivery changing nothing).
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { SpamMarks, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { notifierKeys, type NotifierKeys } from '../src/keys';
import { ReplyStore } from '../src/reply-store';
import { ConversationStore } from '../src/state';

const quiet = createLogger({ service: 'notifier-state-test', level: 'silent' });
const SCOPE = 'notifier';
const WEEK = 7 * 24 * 60 * 60;

describe('the notifier’s Redis records', () => {
  let redis: Redis;
  let keys: NotifierKeys;
  let store: ConversationStore;

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  beforeEach(() => {
    keys = notifierKeys(createKeys(`notifier-state-${randomUUID().slice(0, 8)}:`));
    store = new ConversationStore(redis, keys, SCOPE);
  });
  afterAll(() => redis.quit());

  const subject = { conversationId: 'bot-a:c1', bot: 'bot-a', userId: 'u1', teamId: 't1' };

  it('reads nothing as nothing: a new conversation, no marks, no task, nothing queued', async () => {
    expect(await store.facts(subject, 'e1')).toEqual({
      done: false,
      spamConversation: false,
      spamUser: false,
      spamTeam: false,
      state: await store.state('bot-a:c1'),
      repliesQueued: false,
    });
    expect((await store.facts(subject, 'e1')).state.place).toBeUndefined();
  });

  it('reads an event’s facts in one call: done mark, state, queued replies and spam marks', async () => {
    await store.update('bot-a:c1', {
      place: 'root',
      channel: '#triage',
      channel_id: 'C1',
      ts: '1.5',
      first_event_id: 'e0',
    });
    await store.done.markDone('e1');
    await new SpamMarks(redis, keys).apply({
      spam: true,
      scope: 'team',
      conversationId: 'bot-a:c9',
      bot: 'bot-a',
      teamId: 't1',
      by: 'Ann',
      atMs: 1,
    });
    const facts = await store.facts(subject, 'e1');
    expect(facts).toMatchObject({
      done: true,
      spamConversation: false,
      spamUser: false,
      spamTeam: true,
      repliesQueued: false,
    });
    expect(facts.state).toMatchObject({
      place: 'root',
      channel: '#triage',
      channelId: 'C1',
      ts: '1.5',
      firstEventId: 'e0',
    });
    // Without a team id on the event, the team's mark does not hold for it.
    expect((await store.facts({ ...subject, teamId: undefined }, 'e2')).spamTeam).toBe(false);

    // Queued replies, or only an open batch of them, both count as queued.
    await redis.set(keys.notifierReplyBatch('bot-a:c1'), 'x');
    expect((await store.facts(subject, 'e2')).repliesQueued).toBe(true);
  });

  it('reads the state with a line’s post intent, and finishing a line marks it done and clears the intent', async () => {
    await store.update('bot-a:c1', { place: 'digest', channel: '#triage' });
    expect(await store.stateAndIntent('bot-a:c1', 'e1')).toMatchObject({ intent: false, state: { place: 'digest' } });
    await store.setIntent('e1');
    expect((await store.stateAndIntent('bot-a:c1', 'e1')).intent).toBe(true);

    await store.finish('e1');
    expect(await store.hasIntent('e1')).toBe(false);
    expect(await store.done.isDone('e1')).toBe(true);
    const ttl = await redis.ttl(store.done.keyOf('e1'));
    expect(ttl).toBeGreaterThan(WEEK - 60);
    expect(ttl).toBeLessThanOrEqual(WEEK);
  });

  it('queues a reply in one call: the line, the conversation pending for the channel, the event done', async () => {
    const replies = new ReplyStore(redis, keys, SCOPE);
    const reply = (eventId: string) => ({ eventId, line: `*User*: ${eventId}`, priority: 0, receivedAtMs: 5 });
    await replies.queue('#triage', 'bot-a:c1', reply('e1'), false, 1000);
    await replies.queue('#triage', 'bot-a:c2', reply('e2'), false, 2000);
    // A redelivery changes neither the reply's place in its queue nor its conversation's in the channel's.
    await replies.queue('#triage', 'bot-a:c1', reply('e1'), false, 3000);

    expect(await redis.zrange(keys.notifierReplies('bot-a:c1'), 0, -1, 'WITHSCORES')).toEqual(['e1', '1000']);
    expect(JSON.parse((await redis.hget(keys.notifierReplyLines('bot-a:c1'), 'e1'))!)).toEqual(reply('e1'));
    expect(await replies.conversations('#triage', 10)).toEqual(['bot-a:c1', 'bot-a:c2']);
    expect(await redis.smembers(keys.digestChannels())).toEqual(['#triage']);
    expect(await store.done.isDone('e1')).toBe(true);
    for (const key of [keys.notifierReplies('bot-a:c1'), keys.notifierReplyLines('bot-a:c1'), store.done.keyOf('e1')])
      expect(await redis.ttl(key)).toBeGreaterThan(WEEK - 60);

    // An urgent reply puts its conversation first.
    await replies.queue('#triage', 'bot-a:c3', { ...reply('e3'), priority: 3 }, true, 4000);
    expect(await replies.conversations('#triage', 10)).toEqual(['bot-a:c3', 'bot-a:c1', 'bot-a:c2']);
    expect((await store.facts({ ...subject, conversationId: 'bot-a:c3' }, 'e9')).repliesQueued).toBe(true);
  });
});
