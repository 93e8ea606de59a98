// Queued replies go out with the conversation's next line that is on time, not only at the flusher's turn: the
// notifier as a process on the real broker and Redis, the sandbox as Slack. The flusher is made to poll once a
// minute, so anything posted here within the test's time was posted by the line that came on time.
// Needs `npx tsc -b services/notifier` first (the service runs as a process from dist/).
import { EventKind } from '@switchboard/proto';
import { classified } from './fixtures';
import { NotifierHarness, eventually } from './harness';

jest.setTimeout(120000);

const h = new NotifierHarness({
  NOTIFIER_POST_INTERVAL_MS: '150',
  NOTIFIER_DIGEST_AFTER_MS: '60000',
  NOTIFIER_DIGEST_POLL_MS: '60000',
  NOTIFIER_THREAD_BOT_MESSAGES: 'false',
});

beforeAll(() => h.start(), 120000);
afterAll(() => h.stop());

const start = (conversationId: string) => classified('hello', { conversationId, eventId: `${conversationId}:1` });
const message = (conversationId: string, n: number, text: string, receivedAtMs?: number) =>
  classified(text, { conversationId, eventId: `${conversationId}:${n}`, kind: EventKind.MESSAGE, receivedAtMs });
const longAgo = () => Date.now() - 5 * 60 * 1000;

const queued = (conversationId: string, n: number) =>
  eventually(
    () => h.redis.zcard(h.keys.notifierReplies(conversationId)),
    (count) => count === n,
    30000,
    `${n} queued replies`,
  );

async function groupedReply(conversationId: string) {
  const root = await h.rootOf(conversationId);
  const [reply] = await eventually(
    async () => h.repliesTo(await h.messages(), root),
    (replies) => replies.length >= 1,
    30000,
    'the grouped reply',
  );
  // After its title, the lines, packed into as few sections as fit.
  const lines = reply
    .blocks!.slice(1)
    .map((b) => b.text!.text)
    .join('\n')
    .split('\n');
  return { root, reply, lines };
}

describe('queued replies and the next line on time', () => {
  it('posts the queued replies with the next line on time, in order, as one thread reply', async () => {
    await h.publish(start('c-drain'));
    await h.rootOf('c-drain');
    // Late (their events waited five minutes): queued, and the flusher is a minute away.
    await h.publish(message('c-drain', 2, 'first', longAgo()), message('c-drain', 3, 'second', longAgo()));
    await queued('c-drain', 2);
    await h.publish(message('c-drain', 4, 'third, on time'));

    const { root, reply, lines } = await groupedReply('c-drain');
    expect(lines).toEqual(['*User*: first', '*User*: second', '*User*: third, on time']);
    expect(reply.metadata?.event_type).toBe('switchboard_replies');
    expect(await h.redis.zcard(h.keys.notifierReplies('c-drain'))).toBe(0);
    expect(await h.redis.zscore(h.keys.repliesPending('#triage'), 'c-drain')).toBeNull();
    // A line after that, with nothing queued, is posted on its own.
    await h.publish(message('c-drain', 5, 'fourth'));
    const replies = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 2,
      30000,
      'the next line',
    );
    expect(replies.map((r) => r.text)).toEqual([reply.text, '*User*: fourth']);
  });
});
