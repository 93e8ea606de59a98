// The notifier end to end on the real broker and Redis, with the sandbox as Slack: roots, threads, status
// updates, spam, escaping, routing, Slack's failures, and posts that survive a crash between posting and
// recording. Needs `npx tsc -b services/notifier` first (the service runs as a process from dist/).
import { WebClient } from '@slack/web-api';
import { Direction, EventKind, Priority, StatusChange } from '@switchboard/proto';
import { listDeadLetters } from '@switchboard/cli';
import { ConversationRefs, Locks } from '@switchboard/store';
import { SLACK_ACTION_IDS as ACTION_IDS } from '@switchboard/agreements';
import { summarize } from '../src/conversation';
import { DigestStore } from '../src/digest-store';
import { ReplyStore } from '../src/reply-store';
import { LOCK_SCOPES } from '../src/post-markers';
import { classified } from './fixtures';
import { NotifierHarness, buttonIds, eventually } from './harness';

jest.setTimeout(120000);

const h = new NotifierHarness(
  {
    NOTIFIER_ROUTES: 'team:T-acme=#acme,priority:urgent=#urgent,team:T-gone=#gone',
    // Quick posts and no digests: this file is about single conversations (the burst test has the digests).
    NOTIFIER_POST_INTERVAL_MS: '150',
    NOTIFIER_DIGEST_AFTER_MS: '60000',
    // This file's threads hold the user's messages and rule hits (thread-lines.test.ts has the bot's replies).
    NOTIFIER_THREAD_BOT_MESSAGES: 'false',
  },
  { slack: { missingChannels: ['#gone'] } },
);

beforeAll(() => h.start(), 120000);
afterAll(() => h.stop());

const message = (conversationId: string, eventId: string, text: string, o: Parameters<typeof classified>[1] = {}) =>
  classified(text, { conversationId, eventId, kind: EventKind.MESSAGE, ...o });
const start = (conversationId: string, text = 'hello', o: Parameters<typeof classified>[1] = {}) =>
  classified(text, { conversationId, eventId: `${conversationId}:1`, ...o });

describe('the notifier', () => {
  it('posts one root for a new conversation and threads later user messages and rule hits under it', async () => {
    await h.publish(
      start('c-flow', 'my order is late', { tags: ['orders'] }),
      message('c-flow', 'c-flow:2', 'are you there?'),
      message('c-flow', 'c-flow:3', 'Sorry, let me check.', { direction: Direction.BOT }),
      message('c-flow', 'c-flow:4', 'I can offer a refund', {
        direction: Direction.BOT,
        matchedRules: ['refund'],
        priority: Priority.HIGH,
      }),
    );
    const root = await h.rootOf('c-flow');
    const replies = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 2,
      30000,
      'two replies',
    );
    expect(root.channel).toBe('#triage');
    expect(root.text).toContain('my order is late');
    expect(JSON.stringify(root.blocks)).toContain('orders');
    expect(buttonIds(root)).toEqual([
      ACTION_IDS.reviewed,
      ACTION_IDS.spam,
      ACTION_IDS.takeover,
      ACTION_IDS.assignMe,
      ACTION_IDS.close,
    ]);
    expect(replies.map((r) => r.text)).toEqual([
      '*User*: are you there?',
      '*Bot* :warning: *HIGH*: I can offer a refund',
    ]);
    await h.metricReaches('switchboard_notifier_suppressed_total', { reason: 'below_threshold' }, 1);
    expect(h.repliesTo(await h.messages(), root)).toHaveLength(2);

    // The ticketer links the Slack message from the task: the root and its permalink are shared.
    const ref = await eventually(
      () => new ConversationRefs(h.redis, h.keys).slackRoot('c-flow'),
      (r) => !!r?.permalink,
      10000,
      'the permalink',
    );
    expect(ref).toMatchObject({ ts: root.ts, permalink: expect.stringContaining('/slack/archives/') });
  });

  it('posts nothing twice for a redelivered event, even when its done-mark is gone', async () => {
    const first = start('c-again');
    await h.publish(first);
    await h.rootOf('c-again');
    await h.publish(first);
    await h.redis.del(h.keys.done('notifier', first.message!.eventId));
    await h.publish(first);
    await h.publish(message('c-again', 'c-again:2', 'sentinel'));
    const root = await h.rootOf('c-again');
    await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length === 1,
      30000,
      'the sentinel reply',
    );
    expect(NotifierHarness.about(await h.messages(), 'c-again')).toHaveLength(1);
  });

  it('re-renders the root on status changes, with the buttons of the new state and who acted', async () => {
    await h.publish(start('c-status'));
    await h.rootOf('c-status');
    const edited = async (edits: number) =>
      eventually(
        () => h.rootOf('c-status'),
        (m) => m.edits >= edits,
        30000,
        `edit ${edits}`,
      );

    await h.status('c-status', StatusChange.REVIEWED, 'Xavier');
    let root = await edited(1);
    expect(JSON.stringify(root.blocks)).toContain('Reviewed by *Xavier*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.spam, ACTION_IDS.takeover, ACTION_IDS.assignMe, ACTION_IDS.close]);

    await h.status('c-status', StatusChange.TAKEOVER_STARTED, 'Zoe');
    root = await edited(2);
    expect(JSON.stringify(root.blocks)).toContain('Taken over by *Zoe*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.handback, ACTION_IDS.assignMe, ACTION_IDS.close]);

    await h.status('c-status', StatusChange.TAKEOVER_ENDED, 'Zoe');
    root = await edited(3);
    expect(JSON.stringify(root.blocks)).toContain('Handed back to the bot by *Zoe*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.spam, ACTION_IDS.takeover, ACTION_IDS.assignMe, ACTION_IDS.close]);

    await h.status('c-status', StatusChange.CLOSED, 'Xavier');
    root = await edited(4);
    expect(JSON.stringify(root.blocks)).toContain('Closed by *Xavier*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.reopen]);

    await h.status('c-status', StatusChange.ASSIGNED, 'Ann');
    root = await edited(5);
    expect(JSON.stringify(root.blocks)).toContain('Owner: *Ann*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.reopen]);

    await h.status('c-status', StatusChange.REOPENED, 'Ann');
    root = await edited(6);
    expect(JSON.stringify(root.blocks)).toContain('Reopened by *Ann*');
    expect(buttonIds(root)).toEqual([ACTION_IDS.spam, ACTION_IDS.takeover, ACTION_IDS.assignMe, ACTION_IDS.close]);
  });

  it('links the Asana task from the root’s first post, and edits nothing for it once the task is made', async () => {
    await h.publish(start('c-task'));
    const root = await h.rootOf('c-task');
    expect(JSON.stringify(root.blocks)).toMatch(/<[^|>]*\/console\/conversations\/c-task\/task\|Asana task>/);
    await new ConversationRefs(h.redis, h.keys).setAsanaTask('c-task', {
      gid: '42',
      permalinkUrl: 'https://app.asana.com/0/1/42',
    });
    await h.publish(message('c-task', 'c-task:2', 'any news?'));
    await eventually(
      async () => h.repliesTo(await h.messages(), root).length,
      (n) => n >= 1,
      30000,
      'the follow-up in the thread',
    );
    expect((await h.rootOf('c-task')).edits).toBe(0);
  });

  it('silences a conversation marked spam until it is marked not spam', async () => {
    await h.publish(start('c-spam'));
    await h.rootOf('c-spam');
    await h.status('c-spam', StatusChange.SPAM, 'Yan');
    const marked = await eventually(
      () => h.rootOf('c-spam'),
      (m) => m.edits >= 1,
      30000,
      'the root marked spam',
    );
    expect(buttonIds(marked)).toEqual([ACTION_IDS.notSpam]);
    expect(JSON.stringify(marked.blocks)).toContain('Marked spam by *Yan*');

    const before = await h.metric('switchboard_notifier_suppressed_total', { reason: 'spam_conversation' });
    await h.publish(message('c-spam', 'c-spam:2', 'buy cheap watches'));
    await h.metricReaches('switchboard_notifier_suppressed_total', { reason: 'spam_conversation' }, before + 1);

    await h.status('c-spam', StatusChange.NOT_SPAM, 'Yan');
    await eventually(
      () => h.rootOf('c-spam'),
      (m) => m.edits >= 2,
      30000,
      'the root marked not spam',
    );
    await h.publish(message('c-spam', 'c-spam:3', 'a real question'));
    const root = await h.rootOf('c-spam');
    const replies = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 3,
      30000,
      'a reply after not spam',
    );
    // The spam itself stays out of the thread; the operators' marks are state lines in it (conv.status is
    // another topic than conv.classified: the not-spam line and the user's message may come in either order).
    expect(replies.map((r) => r.text).sort()).toEqual([
      '*User*: a real question',
      ':no_entry_sign: _marked spam by_ *Yan*',
      '_marked not spam by_ *Yan*',
    ]);
  });

  it('silences a whole team marked spam, new conversations included, until it is not spam', async () => {
    const team = { teamId: 'T-spammy', team: 'Spammy' };
    await h.publish(start('c-team-1', 'hi', team));
    await h.rootOf('c-team-1');
    await h.status('c-team-1', StatusChange.SPAM, 'Yan', { wholeTeam: true, teamId: 'T-spammy' });
    await eventually(
      () => h.rootOf('c-team-1'),
      (m) => m.edits >= 1,
      30000,
      'the root marked spam',
    );

    const before = await h.metric('switchboard_notifier_suppressed_total', { reason: 'spam_team' });
    await h.publish(start('c-team-2', 'more spam', team));
    await h.metricReaches('switchboard_notifier_suppressed_total', { reason: 'spam_team' }, before + 1);
    expect(NotifierHarness.about(await h.messages(), 'c-team-2')).toHaveLength(0);

    await h.status('c-team-1', StatusChange.NOT_SPAM, 'Yan', { wholeTeam: true, teamId: 'T-spammy' });
    await eventually(
      () => h.rootOf('c-team-1'),
      (m) => m.edits >= 2,
      30000,
      'the root marked not spam',
    );
    await h.publish(start('c-team-3', 'a real question', team));
    await h.rootOf('c-team-3');
  });

  it('keeps denied events silent', async () => {
    const before = await h.metric('switchboard_notifier_suppressed_total', { reason: 'denied' });
    await h.publish(start('c-denied', 'hi', { denied: true }));
    await h.metricReaches('switchboard_notifier_suppressed_total', { reason: 'denied' }, before + 1);
    expect(NotifierHarness.about(await h.messages(), 'c-denied')).toHaveLength(0);
  });

  it('never lets user text, names or tags ping anyone', async () => {
    const hostile =
      '<!channel> <!here> <!everyone> <@U0123ABC> <!subteam^S0123|@ops> <https://evil.example|https://bank.example>';
    await h.publish(
      start('c-hostile', hostile, { user: '<!channel>', team: '<@U0999>', tags: ['<!here>'] }),
      message('c-hostile', 'c-hostile:2', hostile),
    );
    const root = await h.rootOf('c-hostile');
    const [reply] = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the reply',
    );
    for (const m of [root, reply]) {
      expect(m.mentions).toEqual([]);
      expect(JSON.stringify(m)).not.toContain('<https://evil.example');
    }
    expect(reply.text).toContain('&lt;!channel&gt;');
  });

  it('routes new conversations by team and by priority', async () => {
    await h.publish(
      start('c-acme', 'hi', { teamId: 'T-acme' }),
      start('c-fire', 'everything is down', { priority: Priority.URGENT }),
    );
    expect((await h.rootOf('c-acme')).channel).toBe('#acme');
    expect((await h.rootOf('c-fire')).channel).toBe('#urgent');
  });

  it('sends an event whose channel does not exist to the DLQ with the error, and counts it', async () => {
    await h.publish(start('c-gone', 'hi', { teamId: 'T-gone' }));
    await h.metricReaches('switchboard_dlq_messages_total', { reason: 'slack_channel_not_found' }, 1);
    const letters = await listDeadLetters(h.kafka, h.names.name('classified'));
    expect(letters.find((l) => l.key === 'c-gone')).toMatchObject({ reason: 'slack_channel_not_found' });
    expect(
      await h.metric('switchboard_external_calls_total', { method: 'chat.postMessage', outcome: 'channel_not_found' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('waits out 429s (Retry-After) and 5xx from Slack, then posts once', async () => {
    const fault = (body: object) =>
      fetch(`${h.sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await fault({ target: 'slack', status: 429, count: 2, retryAfter: 1 });
    await fault({ target: 'slack', status: 500, count: 2 });
    await h.publish(start('c-faults'));
    await h.rootOf('c-faults', 60000);
    const state = await h.sandboxState();
    expect(state.slack.outcomes).toMatchObject({ fault_429: 2, fault_500: 2 });
    expect(await h.metric('switchboard_rate_limit_wait_seconds_total', { api: 'slack' })).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(NotifierHarness.about(await h.messages(), 'c-faults')).toHaveLength(1);
  });

  const holdFlush = async (channel: string) => {
    const held = await new Locks(h.redis, h.keys, LOCK_SCOPES.digest, { ttlMs: 20000 }).acquire(channel);
    expect(held).not.toBeNull();
    return () => held!.release();
  };
  const queuedReplies = (conversationId: string, n: number) =>
    eventually(
      () => h.redis.zcard(h.keys.notifierReplies(conversationId)),
      (count) => count >= n,
      30000,
      `${n} queued replies`,
    );

  it('queues a later message of a conversation still waiting for its digest, and threads it there once out', async () => {
    // Queued as the burst path does it, while the channel's flush is held; alone in its batch, it is then
    // posted as a root of its own.
    const release = await holdFlush('#triage');
    await new DigestStore(h.redis, h.keys).enqueue('#triage', summarize(start('c-queued', 'queued first')));
    await h.publish(message('c-queued', 'c-queued:2', 'and a follow-up'));
    await queuedReplies('c-queued', 1);
    expect(NotifierHarness.about(await h.messages(), 'c-queued')).toHaveLength(0);
    await release();
    const root = await h.rootOf('c-queued');
    const replies = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the follow-up',
    );
    expect(replies.map((r) => r.text)).toEqual(['*User*: and a follow-up']);
    expect(root.metadata?.event_payload.batch_id).toBeDefined();
  });

  it('groups late replies into one thread reply, in order, each once', async () => {
    await h.publish(start('c-late'));
    const root = await h.rootOf('c-late');
    const release = await holdFlush('#triage');
    const longAgo = Date.now() - 5 * 60 * 1000;
    const texts = ['first', 'second <!channel>', 'third', 'fourth', 'fifth'];
    await h.publish(...texts.map((t, i) => message('c-late', `c-late:${i + 2}`, t, { receivedAtMs: longAgo })));
    await queuedReplies('c-late', texts.length);
    await h.publish(message('c-late', 'c-late:2', 'first', { receivedAtMs: longAgo }));
    await release();
    const [reply] = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the grouped reply',
    );
    expect(reply.blocks![0]).toMatchObject({ type: 'context' });
    expect(JSON.stringify(reply.blocks)).toContain('5 messages');
    const body = reply
      .blocks!.slice(1)
      .map((b) => b.text!.text)
      .join('\n');
    expect(body).toBe(
      ['*User*: first', '*User*: second &lt;!channel&gt;', '*User*: third', '*User*: fourth', '*User*: fifth'].join(
        '\n',
      ),
    );
    expect(reply.mentions).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.repliesTo(await h.messages(), root)).toHaveLength(1);
  });

  it('leaves the queued replies of a conversation whose lock another holds, and posts them once it is free', async () => {
    await h.publish(start('c-busy'));
    const root = await h.rootOf('c-busy');
    const lock = await new Locks(h.redis, h.keys, LOCK_SCOPES.conversation, { ttlMs: 20000 }).acquire('c-busy');
    expect(lock).not.toBeNull();
    const replies = new ReplyStore(h.redis, h.keys, 'notifier');
    for (const [n, text] of ['one', 'two'].entries())
      await replies.queue(
        '#triage',
        'c-busy',
        {
          eventId: `c-busy:q${n}`,
          line: `*User*: ${text}`,
          priority: Priority.NORMAL,
          receivedAtMs: Date.now(),
        },
        false,
      );
    // Several turns of the flusher (every 500 ms): the conversation is someone else's for now.
    await new Promise((r) => setTimeout(r, 2000));
    expect(h.repliesTo(await h.messages(), root)).toHaveLength(0);
    expect(await h.redis.zcard(h.keys.notifierReplies('c-busy'))).toBe(2);
    await lock!.release();
    const [reply] = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the grouped reply',
    );
    expect(JSON.stringify(reply.blocks)).toContain('2 messages');
  });

  it('drops queued replies of a conversation marked spam before they were posted, and still shows who marked it', async () => {
    await h.publish(start('c-late-spam'));
    const root = await h.rootOf('c-late-spam');
    const release = await holdFlush('#triage');
    const longAgo = Date.now() - 5 * 60 * 1000;
    await h.publish(
      message('c-late-spam', 'c-late-spam:2', 'spam one', { receivedAtMs: longAgo }),
      message('c-late-spam', 'c-late-spam:3', 'spam two', { receivedAtMs: longAgo }),
    );
    await queuedReplies('c-late-spam', 2);
    const before = await h.metric('switchboard_notifier_suppressed_total', { reason: 'spam_conversation' });
    // Its state line joins them and takes them along (the flusher's turn is held): the user's are dropped then.
    await h.status('c-late-spam', StatusChange.SPAM, 'Yan');
    await eventually(
      () => h.rootOf('c-late-spam'),
      (m) => m.edits >= 1,
      30000,
      'the root marked spam',
    );
    await release();
    await h.metricReaches('switchboard_notifier_suppressed_total', { reason: 'spam_conversation' }, before + 2);
    // The operator's own line is posted, alone: nothing of the user's.
    const [only, ...more] = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the state line',
    );
    expect(only.text).toBe(':no_entry_sign: _marked spam by_ *Yan*');
    expect(more).toEqual([]);
  });

  it('releases queued conversations whose digest Slack refuses for good, and counts them', async () => {
    await new DigestStore(h.redis, h.keys).enqueue('#gone', summarize(start('c-refused', 'hi', { teamId: 'T-gone' })));
    await h.metricReaches(
      'switchboard_notifier_undelivered_total',
      { kind: 'conversation', reason: 'slack_channel_not_found' },
      1,
    );
    expect(await h.redis.hget(h.keys.notifierConversation('c-refused'), 'place')).toBeNull();
    expect(await h.redis.exists(h.keys.digestBatch('#gone'))).toBe(0);
  });

  it('does not post again a root or a reply that reached Slack before a crash', async () => {
    // What a notifier leaves when killed right after Slack took its posts: intent markers, no records.
    const slack = new WebClient('xoxb-notifier-test', { slackApiUrl: h.sandbox.slackApiUrl });
    const first = start('c-crash', 'posted before the crash');
    const summary = summarize(first);
    await h.redis.hset(h.keys.notifierConversation('c-crash'), {
      place: 'posting',
      channel: '#triage',
      first_event_id: summary.eventId,
      summary: JSON.stringify(summary),
      posting_at: String(Date.now()),
    });
    const root = await slack.chat.postMessage({
      channel: '#triage',
      text: 'posted before the crash',
      metadata: {
        event_type: 'switchboard_conversation',
        event_payload: { conversation_id: 'c-crash', event_id: summary.eventId },
      },
    });
    const found = await h.metric('switchboard_notifier_post_recoveries_total', { outcome: 'found' });
    await h.publish(first);
    await h.metricReaches('switchboard_notifier_post_recoveries_total', { outcome: 'found' }, found + 1);
    const state = await eventually(
      () => h.redis.hgetall(h.keys.notifierConversation('c-crash')),
      (s) => s.place === 'root',
      10000,
      'the root recorded',
    );
    expect(state.ts).toBe(root.ts);

    await h.redis.set(h.keys.notifierPostIntent('c-crash:2'), '1');
    await slack.chat.postMessage({
      channel: '#triage',
      thread_ts: root.ts,
      text: '*User*: also posted before the crash',
      metadata: {
        event_type: 'switchboard_message',
        event_payload: { conversation_id: 'c-crash', event_id: 'c-crash:2' },
      },
    });
    await h.publish(
      message('c-crash', 'c-crash:2', 'also posted before the crash'),
      message('c-crash', 'c-crash:3', 'after the restart'),
    );
    const top = (await h.messages()).find((m) => m.ts === root.ts)!;
    const replies = await eventually(
      async () => h.repliesTo(await h.messages(), top),
      (r) => r.length >= 2,
      30000,
      'the next reply',
    );
    expect(replies.map((r) => r.text)).toEqual(['*User*: also posted before the crash', '*User*: after the restart']);
    expect(
      (await h.messages()).filter((m) => !m.thread_ts && m.metadata?.event_payload.conversation_id === 'c-crash'),
    ).toHaveLength(1);
  });
});
