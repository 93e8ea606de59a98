// Precedence in a channel's Slack pacing across replicas (issue 19): two replicas' SlackPacing on one Redis, the
// real Slack client and the sandbox limiting the channel to one post a second. An urgent root that starts waiting
// after digests and replies already wait takes an earlier slot than theirs, they all still go out, and Slack
// refuses none; a post that has waited the bound goes before urgent roots that came after it.
import { randomUUID } from 'node:crypto';
import { createMetrics } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { startSandbox, type RunningSandbox } from '@switchboard/sandbox';
import { eventually } from '../../../test/support/services';
import { notifierKeys, type NotifierKeys } from '../src/keys';
import { SlackPacing, type PacingOptions } from '../src/pacing';
import type { Precedence } from '../src/post-order';
import { PostWaitingRoom } from '../src/post-waiting-room';
import { webApiSlack } from '../src/slack';
import { quiet } from './harness';

jest.setTimeout(120000);

const CHANNEL = '#triage';

describe('precedence in the shared Slack pacing', () => {
  let sandbox: RunningSandbox;
  let redis: Redis;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', slack: { postMessagePerSecond: 1 } });
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(async () => {
    await redis.quit();
    await sandbox.close();
  });

  const setUp = (options: Partial<PacingOptions>) => {
    const keys: NotifierKeys = notifierKeys(createKeys(`precedence-${randomUUID().slice(0, 8)}:`));
    const replica = (name: string) =>
      new SlackPacing(redis, keys, createMetrics(`notifier-${name}`), {
        postIntervalMs: 1000,
        postBurst: 1,
        updatesPerMinute: 45,
        callLeaseMs: 11000,
        ...options,
      });
    const room = new PostWaitingRoom(redis, (channel) => keys.postWaiting(channel), 15000);
    const waitingCount = async () => (await room.look(CHANNEL)).waiting.length;
    return { replicas: [replica('a'), replica('b')], waitingCount };
  };

  it('gives an urgent root that came after queued digests and replies an earlier slot, and still posts them all', async () => {
    const { replicas, waitingCount } = setUp({});
    const [a, b] = replicas;
    const slack = webApiSlack({
      token: 'xoxb-precedence-test',
      apiUrl: sandbox.slackApiUrl,
      metrics: createMetrics('p'),
    });
    const granted: string[] = [];
    const send = async (pacing: SlackPacing, name: string, precedence: Precedence) => {
      await pacing.waitForPost(CHANNEL, precedence);
      granted.push(name);
      await pacing.post(CHANNEL, () => slack.postMessage({ channel: CHANNEL, text: name, blocks: [] }));
    };
    // The channel's one free slot is taken: everything from here waits.
    expect((await a.trySlot(CHANNEL)).now).toBe(true);
    const others = ['digest-1', 'reply-1', 'digest-2', 'reply-2'];
    const queued = others.map((name) => send(a, name, 'other'));
    await eventually(waitingCount, (n) => n === others.length, 30000, 'the digests and replies waiting');
    // While they wait, a new conversation's own post would wait for all of them (so a normal one goes to the digest).
    expect(await b.trySlot(CHANNEL, 'other')).toEqual({ now: false, waitMs: others.length * 1000 });
    expect(await b.trySlot(CHANNEL, 'urgent')).toEqual(expect.objectContaining({ now: false }));
    const urgent = send(b, 'urgent', 'urgent');
    await Promise.all([...queued, urgent]);

    // The first free slot is the urgent root's (unless the first digest took it before the urgent root came: a
    // stalled machine), and in any case before the digests and replies that began waiting before it.
    expect(granted.indexOf('urgent')).toBeLessThanOrEqual(1);
    expect([...granted].sort()).toEqual([...others, 'urgent'].sort());
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      slack: { ratelimited: number; calls: Record<string, number> };
    };
    expect(state.slack.calls['chat.postMessage']).toBe(others.length + 1);
    expect(state.slack.ratelimited).toBe(0);
    expect(await waitingCount()).toBe(0);
  });

  it('lets a digest that has waited the bound go before the urgent roots that came after it', async () => {
    const { replicas, waitingCount } = setUp({ postIntervalMs: 300, maxDeferMs: 1500 });
    const [a, b] = replicas;
    const granted: string[] = [];
    const take = async (pacing: SlackPacing, name: string, precedence: Precedence) => {
      await pacing.waitForPost(CHANNEL, precedence);
      granted.push(name);
    };
    expect((await a.trySlot(CHANNEL)).now).toBe(true);
    const digest = take(a, 'digest', 'other');
    await eventually(waitingCount, (n) => n === 1, 30000, 'the digest waiting');
    const urgent = Array.from({ length: 12 }, (_, i) => take(i % 2 ? a : b, `urgent-${i}`, 'urgent'));
    await Promise.all([digest, ...urgent]);

    // Twelve urgent roots need 3.6 s of slots; the digest waited at most its 1.5 s bound (and the slot after it).
    expect(granted).toHaveLength(13);
    expect(granted.indexOf('digest')).toBeGreaterThan(0);
    expect(granted.indexOf('digest')).toBeLessThan(12);
  });
});
