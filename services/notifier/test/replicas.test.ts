// Two notifier replicas (processes) on a slow channel budget and a slow Slack: every flush waits for its slot,
// and every post is in flight, longer than the locks' TTL. The locks are renewed while held (and the open batch
// is fenced), so the other replica never takes a batch over while its post is still on its way to Slack: each
// batch of queued conversations is posted exactly once, and each queued reply once (issue 14, item 6).
// Needs `npx tsc -b services/notifier`.
import { EventKind } from '@switchboard/proto';
import { classified } from './fixtures';
import { NotifierHarness, eventually, type SandboxMessage } from './harness';

jest.setTimeout(5 * 60 * 1000);

const CONVERSATIONS = 16;
const id = (i: number) => `rep-${String(i).padStart(2, '0')}`;

const h = new NotifierHarness(
  {
    // One post per channel every 2 s, each taking Slack 2 s, locks of 1 s: without renewal every flush would
    // outlive its lock.
    NOTIFIER_POST_INTERVAL_MS: '2000',
    NOTIFIER_LOCK_TTL_MS: '1000',
    // Everything goes through the digests, four conversations a batch, and both replicas poll eagerly.
    NOTIFIER_DIGEST_AFTER_MS: '0',
    NOTIFIER_DIGEST_MAX: '4',
    NOTIFIER_DIGEST_POLL_MS: '50',
    KAFKA_TOPIC_PARTITIONS: '4',
  },
  { slack: { postMessageLatencyMs: 2000 } },
);

beforeAll(() => h.start(2), 120000);
afterAll(() => h.stop());

const tops = (messages: SandboxMessage[]) => messages.filter((m) => !m.thread_ts);
const conversationsIn = (m: SandboxMessage) => [
  ...new Set([...JSON.stringify(m.blocks ?? []).matchAll(/conversations\/(rep-\d{2})(?![\w-])/g)].map((x) => x[1])),
];

describe('two replicas on a slow channel budget and a slow Slack', () => {
  it('post one digest per batch and each queued reply once, though every flush and every post outlive the lock TTL', async () => {
    await h.publish(
      ...Array.from({ length: CONVERSATIONS }, (_, i) =>
        classified(`question ${i}`, { conversationId: id(i), eventId: `${id(i)}:1` }),
      ),
    );
    await eventually(
      async () => new Set(tops(await h.messages()).flatMap(conversationsIn)).size,
      (n) => n === CONVERSATIONS,
      180000,
      'every conversation placed',
    );
    const followUps = [0, 1, 2, 3].map((i) =>
      classified(`follow-up ${i}`, { conversationId: id(i), eventId: `${id(i)}:2`, kind: EventKind.MESSAGE }),
    );
    await h.publish(...followUps);
    await eventually(
      async () =>
        (await h.messages()).filter((m) => m.thread_ts && /follow-up \d/.test(JSON.stringify(m.blocks ?? m.text)))
          .length,
      (n) => n >= 1,
      120000,
      'the follow-ups posted',
    );
    await eventually(
      () => h.redis.zcard(h.keys.repliesPending('#triage')),
      (n) => n === 0,
      120000,
      'no replies waiting',
    );
    // Let a replica that would post a batch a second time do so, then look.
    await new Promise((r) => setTimeout(r, 6000));
    const messages = await h.messages();

    const placed = tops(messages).map((m) => ({
      conversations: conversationsIn(m),
      batch: m.metadata?.event_payload.batch_id,
    }));
    const perConversation = new Map<string, number>();
    for (const p of placed) for (const c of p.conversations) perConversation.set(c, (perConversation.get(c) ?? 0) + 1);
    expect([...perConversation.values()].filter((n) => n !== 1)).toEqual([]);
    expect(perConversation.size).toBe(CONVERSATIONS);
    const batches = placed.map((p) => p.batch);
    expect(batches.every((b) => typeof b === 'string')).toBe(true);
    expect(new Set(batches).size).toBe(batches.length);
    expect(Math.max(...placed.map((p) => p.conversations.length))).toBeLessThanOrEqual(4);

    const replyText = messages.filter((m) => m.thread_ts).map((m) => JSON.stringify(m.blocks ?? m.text));
    for (const i of [0, 1, 2, 3]) expect(replyText.filter((t) => t.includes(`follow-up ${i}`))).toHaveLength(1);
    expect((await h.sandboxState()).slack.ratelimited).toBe(0);
  });
});
