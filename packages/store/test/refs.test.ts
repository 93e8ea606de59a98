// The typed cross-service records on a real Redis: a conversation's Slack root and Asana task with their ways
// back, and the conversations a digest lists (written by the notifier, read by the status service).
import { ConversationRefs, DigestListings, parseAsanaTaskRef, type Redis } from '../src';
import { connect, testKeys } from './support';

describe('cross-service records', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(() => redis.quit());

  it("records a conversation's Slack root and task, each with the way back to the conversation", async () => {
    const refs = new ConversationRefs(redis, testKeys('refs'));
    await refs.setSlackRoot('c1', { channel: 'C1', ts: '1.000100' });
    await refs.setAsanaTask('c1', { gid: '42', permalinkUrl: 'https://app.asana.com/0/1/42' });
    expect(await refs.slackRoot('c1')).toEqual({ channel: 'C1', ts: '1.000100' });
    expect(await refs.conversationOfThread('C1', '1.000100')).toBe('c1');
    expect(await refs.asanaTask('c1')).toEqual({ gid: '42', permalinkUrl: 'https://app.asana.com/0/1/42' });
    expect(await refs.conversationOfTask('42')).toBe('c1');
  });

  it("gives a digest's line no way back from the digest's thread: the thread is shared", async () => {
    const keys = testKeys('refs');
    const refs = new ConversationRefs(redis, keys);
    await refs.addSlackRoot(redis.multi(), 'c2', { channel: 'C1', ts: '2.000200' }, false).exec();
    expect(await refs.slackRoot('c2')).toEqual({ channel: 'C1', ts: '2.000200' });
    expect(await refs.conversationOfThread('C1', '2.000200')).toBeNull();
  });

  it('lists the conversations of a digest in order, and none for a message that is not a digest', async () => {
    const listings = new DigestListings(redis, testKeys('refs'));
    await listings.add(redis.multi(), 'C1', '3.000300', ['c3', 'c4', 'c5']).exec();
    expect(await listings.conversationsOf('C1', '3.000300')).toEqual(['c3', 'c4', 'c5']);
    expect(await listings.conversationsOf('C1', '9.000900')).toEqual([]);
  });

  it('reads a missing or unreadable task record as none', () => {
    expect(parseAsanaTaskRef(null)).toBeNull();
    expect(parseAsanaTaskRef('not json')).toBeNull();
    expect(parseAsanaTaskRef('{"gid":"1","permalinkUrl":"u"}')).toEqual({ gid: '1', permalinkUrl: 'u' });
  });
});
