// The notifier and the deadline clocks (the service as a process, the sandbox for Slack): a breach becomes one
// reminder in the conversation's thread however often it is delivered, with the policy's mentions as Slack
// mentions and the user's name escaped; a level with a channel posts there once, linking the thread; the root
// shows how long it has waited; a reminder posted before a crash is found by its metadata, not posted again;
// a conversation listed in a digest gets its reminder in the digest thread, named and broadcast.
// Needs `npx tsc -b services/notifier` first (the service runs as a process from dist/).
import { WebClient } from '@slack/web-api';
import { create, StatusChange, StatusEventSchema, timestampFromMs, type StatusEvent } from '@switchboard/proto';
import { Topics } from '@switchboard/bus';
import { classified } from './fixtures';
import { NotifierHarness, eventually, type SandboxMessage } from './harness';
import { SLA_METADATA } from '../src/sla-notify';

jest.setTimeout(120000);

const breach = (
  conversationId: string,
  sla: { level: number; repeat: number; mention?: string[]; broadcast?: boolean; channel?: string },
  startedMs: number,
): StatusEvent =>
  create(StatusEventSchema, {
    eventId: `sla:${conversationId}:review:1:breach:${sla.level}:${sla.repeat}`,
    conversationId,
    change: StatusChange.SLA_BREACHED,
    actor: { id: 'system', name: 'SLA policy urgent', source: 'sla' },
    at: timestampFromMs(Date.now()),
    note: 'review within 5m',
    sla: {
      clock: 'review',
      cycle: 1,
      deadline: timestampFromMs(startedMs + 5 * 60_000),
      level: sla.level,
      repeat: sla.repeat,
      policy: 'urgent',
      priority: 'urgent',
      mention: sla.mention ?? [],
      broadcast: sla.broadcast ?? false,
      channel: sla.channel ?? '',
      started: timestampFromMs(startedMs),
    },
  });

const deadline = (conversationId: string, startedMs: number): StatusEvent =>
  create(StatusEventSchema, {
    eventId: `sla:${conversationId}:review:1:deadline`,
    conversationId,
    change: StatusChange.SLA_DEADLINE,
    actor: { id: 'system', name: 'SLA policy urgent', source: 'sla' },
    at: timestampFromMs(startedMs),
    sla: {
      clock: 'review',
      cycle: 1,
      deadline: timestampFromMs(startedMs + 5 * 60_000),
      policy: 'urgent',
      started: timestampFromMs(startedMs),
    },
  });

const slaPosts = (messages: SandboxMessage[]) => messages.filter((m) => m.metadata?.event_type === SLA_METADATA);
const contextTexts = (m: SandboxMessage) => JSON.stringify(m.blocks ?? []);

describe('deadline breaches in Slack', () => {
  const h = new NotifierHarness({ NOTIFIER_POST_INTERVAL_MS: '100', NOTIFIER_DIGEST_AFTER_MS: '60000' });
  beforeAll(() => h.start(), 120000);
  afterAll(() => h.stop());
  const publishStatus = (...events: StatusEvent[]) =>
    h.publisher.publish(
      Topics.status,
      events.map((value) => ({ key: value.conversationId, value })),
    );

  it('posts one reminder in the thread per breach step, mentions as mentions, the name escaped, and the wait on the root', async () => {
    const startedMs = Date.now() - 17 * 60_000;
    await h.publish(
      classified('my refund is late', { conversationId: 'sla-c1', eventId: 'sla-c1:1', user: '<!channel> Ann' }),
    );
    const root = await h.rootOf('sla-c1');
    await publishStatus(deadline('sla-c1', startedMs));
    const first = breach('sla-c1', { level: 0, repeat: 0 }, startedMs);
    const level = breach(
      'sla-c1',
      { level: 1, repeat: 0, mention: ['<!subteam^S0123>', '<@U0456>'], broadcast: true },
      startedMs,
    );
    // Each delivered twice, as after a lost lease in the status service.
    await publishStatus(first, level, first, level);
    const replies = await eventually(
      async () => slaPosts(h.repliesTo(await h.messages(), root)),
      (found) => found.length >= 2,
      30000,
      'two reminders in the thread',
    );
    const [reminder, escalation] = replies;
    expect(reminder.text).toContain('*Review deadline passed*');
    expect(reminder.text).toContain('unreviewed for 17 min');
    expect(escalation.text).toContain('*Review escalation, level 1*');
    expect(escalation.text).toContain('<!subteam^S0123> <@U0456>');
    expect(escalation.reply_broadcast).toBe(true);
    // The wait shows on the root, re-rendered in place.
    const updated = await eventually(
      async () => (await h.messages()).find((m) => m.ts === root.ts)!,
      (m) => contextTexts(m).includes('unreviewed for 17 min'),
      30000,
      'the wait on the root',
    );
    expect(contextTexts(updated)).toContain('deadline passed');
    expect(JSON.stringify(updated)).not.toContain('<!channel>');

    // Redelivered once more after they were handled: still two.
    await publishStatus(first);
    await h.status('sla-c1', StatusChange.REVIEWED, 'Xavier');
    await eventually(
      async () => (await h.messages()).find((m) => m.ts === root.ts)!,
      (m) => contextTexts(m).includes('Reviewed by'),
      30000,
      'the review on the root',
    );
    expect(slaPosts(h.repliesTo(await h.messages(), root))).toHaveLength(2);
    // Once reviewed, the root no longer says it waits.
    const reviewed = (await h.messages()).find((m) => m.ts === root.ts)!;
    expect(contextTexts(reviewed)).not.toContain('unreviewed for');
  });

  it("posts a level's channel message once, linking the conversation's thread", async () => {
    const startedMs = Date.now() - 50 * 60_000;
    await h.publish(classified('still waiting', { conversationId: 'sla-c2', eventId: 'sla-c2:1' }));
    const root = await h.rootOf('sla-c2');
    const level = breach('sla-c2', { level: 2, repeat: 0, channel: '#support-leads' }, startedMs);
    await publishStatus(level, level);
    const [post] = await eventually(
      async () => slaPosts(await h.messages('#support-leads')),
      (found) => found.length >= 1,
      30000,
      'the escalation in #support-leads',
    );
    expect(post.text).toContain('*Review escalation, level 2*');
    expect(post.text).toContain('unreviewed for 50 min');
    expect(post.text).toMatch(/<http[^|>]+\|Open its thread>/);
    expect(post.thread_ts).toBeUndefined();
    await eventually(
      async () => slaPosts(h.repliesTo(await h.messages(), root)),
      (found) => found.length >= 1,
      30000,
      'the reminder in the thread',
    );
    await publishStatus(level);
    await h.status('sla-c2', StatusChange.REVIEWED, 'Xavier');
    await eventually(
      async () => (await h.messages()).find((m) => m.ts === root.ts)!,
      (m) => contextTexts(m).includes('Reviewed by'),
      30000,
      'the review on the root',
    );
    expect(slaPosts(await h.messages('#support-leads'))).toHaveLength(1);
  });

  it('finds a reminder posted before a crash by its metadata and does not post it again', async () => {
    const startedMs = Date.now() - 6 * 60_000;
    await h.publish(classified('hello?', { conversationId: 'sla-c3', eventId: 'sla-c3:1' }));
    const root = await h.rootOf('sla-c3');
    const event = breach('sla-c3', { level: 0, repeat: 0 }, startedMs);
    // What a notifier killed right after Slack took the reminder leaves: the intent marker, the post, no done-mark.
    const postKey = `${event.eventId}:thread`;
    await h.redis.set(h.keys.notifierPostIntent(postKey), String(Date.now()));
    const slack = new WebClient('xoxb-notifier-test', { slackApiUrl: h.sandbox.slackApiUrl });
    await slack.chat.postMessage({
      channel: root.channel,
      thread_ts: root.ts,
      text: 'the reminder, posted before the crash',
      metadata: { event_type: SLA_METADATA, event_payload: { post_key: postKey } },
    });
    const found = await h.metric('switchboard_notifier_post_recoveries_total', { outcome: 'found' });
    await publishStatus(event);
    await h.metricReaches('switchboard_notifier_post_recoveries_total', { outcome: 'found' }, found + 1);
    expect(slaPosts(h.repliesTo(await h.messages(), root))).toHaveLength(1);
  });
});

describe('a deadline breach of a conversation listed in a digest', () => {
  // Every new conversation after the first waits for a slot it cannot get at once: it goes to a digest.
  const h = new NotifierHarness({ NOTIFIER_POST_INTERVAL_MS: '2000', NOTIFIER_DIGEST_AFTER_MS: '0' });
  beforeAll(() => h.start(), 120000);
  afterAll(() => h.stop());

  it("is posted in the digest's thread naming the conversation, shown in the channel, and the digest line shows the wait", async () => {
    const startedMs = Date.now() - 8 * 60_000;
    await h.publish(
      classified('first', { conversationId: 'sla-d1', eventId: 'sla-d1:1' }),
      classified('second', { conversationId: 'sla-d2', eventId: 'sla-d2:1', user: 'Bo' }),
    );
    const [digest] = await eventually(
      async () =>
        (await h.messages()).filter(
          (m) =>
            !m.thread_ts &&
            m.metadata?.event_type === 'switchboard_digest' &&
            JSON.stringify(m.blocks).includes('sla-d2'),
        ),
      (found) => found.length === 1,
      60000,
      'the digest listing sla-d2',
    );
    await h.publisher.publish(Topics.status, [
      { key: 'sla-d2', value: deadline('sla-d2', startedMs) },
      { key: 'sla-d2', value: breach('sla-d2', { level: 0, repeat: 0 }, startedMs) },
    ]);
    const [reminder] = await eventually(
      async () => slaPosts(h.repliesTo(await h.messages(), digest)),
      (found) => found.length >= 1,
      60000,
      'the reminder in the digest thread',
    );
    expect(reminder.text).toMatch(/\*Review deadline passed\* for <[^|>]+sla-d2\|Bo \(Acme\)>/);
    expect(reminder.reply_broadcast).toBe(true);
    await eventually(
      async () => (await h.messages()).find((m) => m.ts === digest.ts)!,
      (m) => JSON.stringify(m.blocks).includes('unreviewed for 8 min'),
      60000,
      'the wait on the digest line',
    );
  });
});
