// One turn of the flusher over a channel's queued digests and thread replies, in process, on the real Redis, with
// the real Slack client posting to the sandbox: a channel with slots to spare (the budgets off) has several
// digests and every conversation's replies posted in the turn; a channel at its pace has one digest, the replies
// whose slot is free at once and a few more that wait, and leaves the rest for later turns, never posting faster
// than Slack allows.
import { randomUUID } from 'node:crypto';
import { createMetrics } from '@switchboard/core';
import { Priority } from '@switchboard/proto';
import { Locks, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { startSandbox, type RunningSandbox } from '@switchboard/sandbox';
import { DigestStore } from '../src/digest-store';
import { DigestFlusher } from '../src/flusher';
import { notifierKeys } from '../src/keys';
import { createNotifierMetrics } from '../src/metrics';
import { SlackPacing } from '../src/pacing';
import { LOCK_SCOPES } from '../src/post-markers';
import { ReplyStore } from '../src/reply-store';
import { webApiSlack } from '../src/slack';
import { ConversationStore } from '../src/state';
import { UnpacedSlack } from '../src/unpaced';
import { summary } from './fixtures';
import { quiet, type SandboxMessage } from './harness';

jest.setTimeout(60000);

const CHANNEL = '#triage';
const CONVERSATIONS = 8;

describe('a flusher turn over queued thread replies', () => {
  let sandbox: RunningSandbox;
  let redis: Redis;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(async () => {
    await redis.quit();
    await sandbox.close();
  });

  /** Slack's own limit on posts to a channel, on (one a second, no burst) or off. */
  const slackLimit = (perSecond: number | null) =>
    fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slack: { postMessagePerSecond: perSecond, burst: perSecond === null ? null : 1 } }),
    });
  const missingChannels = (channels: string[]) =>
    fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slack: { missingChannels: channels } }),
    });
  afterEach(async () => {
    await slackLimit(null);
    await missingChannels([]);
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
  });
  const digestPosts = async () =>
    ((await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as SandboxMessage[]).filter(
      (m) => m.metadata?.event_type === 'switchboard_digest',
    );

  /** Conversations with a root each (posted outside the channel's budget) and two queued replies each. */
  async function setUp(Pacing: typeof SlackPacing, conversations = CONVERSATIONS, postIntervalMs = 1000) {
    const keys = notifierKeys(createKeys(`flusher-${randomUUID().slice(0, 8)}:`));
    const shared = createMetrics(`notifier-flusher-${randomUUID().slice(0, 8)}`);
    const slack = webApiSlack({ token: 'xoxb-flusher-test', apiUrl: sandbox.slackApiUrl, metrics: shared });
    const store = new ConversationStore(redis, keys, 'notifier');
    const replies = new ReplyStore(redis, keys, 'notifier');
    const pacing = new Pacing(redis, keys, shared, {
      postIntervalMs,
      postBurst: 1,
      updatesPerMinute: 45,
      callLeaseMs: 11000,
    });
    const roots: string[] = [];
    for (let i = 0; i < conversations; i += 1) {
      const id = `c-${randomUUID().slice(0, 8)}`;
      const posted = await slack.postMessage({ channel: CHANNEL, text: `root of ${id}`, blocks: [] });
      await store.recordPlaced(id, 'root', CHANNEL, posted);
      for (const n of [1, 2])
        await replies.queue(
          CHANNEL,
          id,
          { eventId: `${id}:${n}`, line: `line ${n}`, priority: Priority.NORMAL, receivedAtMs: Date.now() },
          false,
        );
      roots.push(posted.ts);
    }
    const digests = new DigestStore(redis, keys);
    const flusher = new DigestFlusher(
      {
        slack,
        store,
        digests,
        replies,
        pacing,
        metrics: createNotifierMetrics(shared),
        transcriptUrl: (id) => `http://console.test/conversations/${id}`,
        taskUrl: (id) => `http://console.test/conversations/${id}/task`,
      },
      {
        pollMs: 60000,
        maxSize: 100,
        locks: new Locks(redis, keys, LOCK_SCOPES.digest, { ttlMs: 15000 }),
        conversationLocks: new Locks(redis, keys, LOCK_SCOPES.conversation, { ttlMs: 15000 }),
        log: quiet,
      },
    );
    const groupedReplies = async () => {
      const all = (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as SandboxMessage[];
      return all.filter((m) => m.thread_ts && roots.includes(m.thread_ts));
    };
    return { flusher, replies, digests, groupedReplies, slack, store, metrics: shared };
  }

  /** Conversations waiting for the channel's next digest, each with its summary. */
  async function waitingForDigest(digests: DigestStore, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const id = `d-${randomUUID().slice(0, 8)}`;
      await digests.enqueue(CHANNEL, summary(`hello from ${id}`, { conversationId: id, eventId: `${id}:1` }));
    }
  }

  it('posts every conversation’s replies in one turn when the channel has slots to spare', async () => {
    const { flusher, replies, groupedReplies } = await setUp(UnpacedSlack);
    await flusher.flush(CHANNEL);
    const posted = await groupedReplies();
    expect(posted).toHaveLength(CONVERSATIONS);
    expect(posted.every((m) => /line 1.*line 2/s.test(JSON.stringify(m.blocks)))).toBe(true);
    expect(await replies.pendingCount(CHANNEL)).toBe(0);
  });

  it('at the channel’s pace, posts a few in a turn, one a second as Slack allows, and leaves the rest queued', async () => {
    const { flusher, replies, groupedReplies } = await setUp(SlackPacing);
    await slackLimit(1);
    await flusher.flush(CHANNEL); // throws if Slack (the sandbox, one post a second) refused a post
    const posted = (await groupedReplies()).length;
    expect(posted).toBeGreaterThan(0);
    expect(posted).toBeLessThan(CONVERSATIONS);
    expect(await replies.pendingCount(CHANNEL)).toBe(CONVERSATIONS - posted);
  });

  it('posts several digests in one turn when the channel has slots to spare', async () => {
    const { flusher, digests } = await setUp(UnpacedSlack, 0);
    await waitingForDigest(digests, 250);
    await flusher.flush(CHANNEL);
    expect((await digestPosts()).map((m) => m.metadata!.event_payload.conversations)).toEqual([100, 100, 50]);
    expect((await digests.backlog(CHANNEL)).pending).toBe(0);
  });

  it('at the channel’s pace, posts one digest in a turn and leaves the rest waiting', async () => {
    const { flusher, digests } = await setUp(SlackPacing, 0, 5000);
    await waitingForDigest(digests, 250);
    await slackLimit(1);
    await flusher.flush(CHANNEL);
    expect((await digestPosts()).map((m) => m.metadata!.event_payload.conversations)).toEqual([100]);
    expect((await digests.backlog(CHANNEL)).pending).toBe(150);
  });

  it('gives up the replies of a conversation whose thread Slack refuses for good, and posts the others in the turn', async () => {
    const { flusher, replies, groupedReplies, slack, store, metrics } = await setUp(UnpacedSlack);
    // Queued with the others (the same channel's queue), its thread in a channel since archived.
    const posted = await slack.postMessage({ channel: '#archived', text: 'root of c-gone', blocks: [] });
    await store.recordPlaced('c-gone', 'root', CHANNEL, posted);
    const line = { eventId: 'c-gone:1', line: 'lost', priority: Priority.NORMAL, receivedAtMs: 0 };
    await replies.queue(CHANNEL, 'c-gone', line, true); // urgent: first in the turn
    await missingChannels(['#archived']);
    await flusher.flush(CHANNEL);
    expect(await groupedReplies()).toHaveLength(CONVERSATIONS);
    expect(await replies.pendingCount(CHANNEL)).toBe(0);
    const undelivered = await metrics.registry.getSingleMetric('switchboard_notifier_undelivered_total')!.get();
    expect(undelivered.values.find((v) => v.labels.kind === 'reply' && v.value > 0)?.labels.reason).toBe(
      'slack_channel_not_found',
    );
  });
});
