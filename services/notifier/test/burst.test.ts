// A burst of new conversations far beyond Slack's one message per second per channel, handled by two
// notifier replicas (processes) sharing one budget, one of them killed with SIGKILL mid-burst and restarted:
// no 429 from Slack, every conversation in exactly one root or digest, urgent ones always in a root of their
// own, and digested conversations threaded and updated in their digest. Needs `npx tsc -b services/notifier`.
import { EventKind, Priority, StatusChange } from '@switchboard/proto';
import { classified } from './fixtures';
import { NotifierHarness, eventually, type SandboxMessage } from './harness';

const CONVERSATIONS = 2000;
const id = (i: number) => `burst-${String(i).padStart(4, '0')}`;
const priorityOf = (i: number) => (i % 200 === 7 ? Priority.URGENT : i % 7 === 0 ? Priority.HIGH : Priority.NORMAL);

jest.setTimeout(10 * 60 * 1000);

const h = new NotifierHarness({ KAFKA_TOPIC_PARTITIONS: '6' }, { slack: { postMessagePerSecond: 1 } });

beforeAll(() => h.start(2), 120000);
afterAll(() => h.stop());

/** How many top-level messages name each conversation (by its transcript link), and which ones. */
function placements(messages: SandboxMessage[]): Map<string, SandboxMessage[]> {
  const found = new Map<string, SandboxMessage[]>();
  for (const m of messages.filter((x) => !x.thread_ts)) {
    const ids = new Set(
      [...JSON.stringify(m.blocks ?? []).matchAll(/conversations\/(burst-\d{4})(?![\w-])/g)].map((x) => x[1]),
    );
    for (const c of ids) found.set(c, [...(found.get(c) ?? []), m]);
  }
  return found;
}

const isDigest = (m: SandboxMessage) => m.metadata?.event_type === 'switchboard_digest';

describe('a burst of new conversations', () => {
  it('is posted within the shared budget, each conversation once, through a SIGKILL of one replica', async () => {
    const started = Date.now();
    const events = Array.from({ length: CONVERSATIONS }, (_, i) =>
      classified(`question number ${i}`, { conversationId: id(i), eventId: `${id(i)}:1`, priority: priorityOf(i) }),
    );
    await h.publish(...events);

    await eventually(
      async () => (await h.messages()).length,
      (n) => n >= 4,
      60000,
      'the first posts',
    );
    await h.replicas[1].stop('notifier', 'SIGKILL');
    const killedAfterMs = Date.now() - started;
    await h.replicas[1].start('notifier');

    const final = await eventually(
      async () => placements(await h.messages()),
      (p) => p.size === CONVERSATIONS,
      8 * 60 * 1000,
      'every conversation in a root or a digest',
    );
    const elapsedMs = Date.now() - started;
    // Let anything still in flight land, then look again: nothing may appear twice.
    await new Promise((r) => setTimeout(r, 3000));
    const messages = await h.messages();
    const settled = placements(messages);
    const twice = [...settled].filter(([, ms]) => ms.length > 1).map(([c]) => c);
    expect(twice).toEqual([]);
    expect(settled.size).toBe(CONVERSATIONS);
    expect(final.size).toBe(CONVERSATIONS);

    const urgent = events.filter((e) => e.priority === Priority.URGENT).map((e) => e.message!.conversationId);
    for (const c of urgent) expect(settled.get(c)!.map(isDigest)).toEqual([false]);

    const state = await h.sandboxState();
    expect(state.slack.ratelimited).toBe(0);

    const tops = messages.filter((m) => !m.thread_ts);
    const digests = tops.filter(isDigest);
    const sizes = digests.map((d) => (JSON.stringify(d.blocks).match(/\|transcript>/g) ?? []).length);
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      (await h.metric(name, labels, 0)) + (await h.metric(name, labels, 1));
    console.log(
      JSON.stringify({
        conversations: CONVERSATIONS,
        elapsedSeconds: Math.round(elapsedMs / 100) / 10,
        killedAfterSeconds: Math.round(killedAfterMs / 100) / 10,
        roots: tops.length - digests.length,
        digests: digests.length,
        largestDigest: Math.max(...sizes),
        slack429s: state.slack.ratelimited,
        postCalls: state.slack.calls['chat.postMessage'],
        recoveriesAfterRestart: await metric('switchboard_notifier_post_recoveries_total'),
        rateLimitWaitSecondsSinceRestart: Math.round(
          await metric('switchboard_rate_limit_wait_seconds_total', { api: 'slack' }),
        ),
      }),
    );
  });

  it('threads later messages of a digested conversation in its digest, broadcasting urgent ones', async () => {
    const messages = await h.messages();
    const digest = messages.find((m) => !m.thread_ts && isDigest(m))!;
    const [first, second] = [...JSON.stringify(digest.blocks).matchAll(/conversations\/(burst-\d{4})\|/g)].map(
      (x) => x[1],
    );
    await h.publish(
      classified('one more thing', { conversationId: first, eventId: `${first}:2`, kind: EventKind.MESSAGE }),
      classified('I will sue you', {
        conversationId: second,
        eventId: `${second}:2`,
        kind: EventKind.MESSAGE,
        priority: Priority.URGENT,
      }),
    );
    const replies = await eventually(
      async () => (await h.messages()).filter((m) => m.thread_ts === digest.ts),
      (r) => r.length >= 2,
      60000,
      'replies in the digest thread',
    );
    const byText = (t: string) => replies.find((r) => r.text.includes(t))!;
    expect(byText('one more thing').text).toContain(`conversations/${first}|`);
    expect(byText('one more thing').reply_broadcast).toBeFalsy();
    expect(byText('I will sue you').reply_broadcast).toBe(true);
  });

  it("updates a digest's line when an operator acts on one of its conversations", async () => {
    const digest = (await h.messages()).find((m) => !m.thread_ts && isDigest(m))!;
    const [conversation] = [...JSON.stringify(digest.blocks).matchAll(/conversations\/(burst-\d{4})\|/g)].map(
      (x) => x[1],
    );
    await h.status(conversation, StatusChange.REVIEWED, 'Xavier');
    const updated = await eventually(
      async () => (await h.messages()).find((m) => m.ts === digest.ts)!,
      (m) => m.edits >= 1,
      60000,
      'the digest updated',
    );
    expect(JSON.stringify(updated.blocks)).toContain(':eyes: reviewed (Xavier)');
  });
});
