// A channel's roots read back after a Redis loss (rebuild.ts), by the conversations a replica handles at once:
// they share one look-up, so a burst of new conversations costs one conversations.list (Slack's Tier 2, 20 a
// minute, bursts of 2) and one history read, not one each — with the sandbox enforcing Slack's limits, no 429.
import { randomUUID } from 'node:crypto';
import { createMetrics } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { startSandbox, type RunningSandbox } from '@switchboard/sandbox';
import { notifierKeys } from '../src/keys';
import { METADATA } from '../src/post-markers';
import { ensureChannelRebuilt } from '../src/rebuild';
import { webApiSlack } from '../src/slack';
import { ConversationStore } from '../src/state';
import { quiet } from './harness';

describe("reading a channel's roots back after a Redis loss", () => {
  let sandbox: RunningSandbox;
  let redis: Redis;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', vendorLimits: true });
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(async () => {
    await redis.quit();
    await sandbox.close();
  });

  it('makes one look-up for the conversations handled at once, and restores the root for all of them', async () => {
    const slack = webApiSlack({ token: 'xoxb-rebuild-test', apiUrl: sandbox.slackApiUrl, metrics: createMetrics('r') });
    const store = new ConversationStore(redis, notifierKeys(createKeys(`rebuild-${randomUUID().slice(0, 8)}:`)), 'n');
    await slack.postMessage({
      channel: '#triage',
      text: 'a root from before the loss',
      blocks: [],
      metadata: { event_type: METADATA.conversation, event_payload: { conversation_id: 'bot:c1', event_id: 'bot:e1' } },
    });

    const restored = await Promise.all(
      Array.from({ length: 16 }, () => ensureChannelRebuilt({ slack, store }, '#triage', quiet)),
    );

    expect(restored).toEqual(Array(16).fill(1));
    expect((await store.state('bot:c1')).place).toBe('root');
    // Rebuilt: the next conversation reads nothing from Slack.
    expect(await ensureChannelRebuilt({ slack, store }, '#triage', quiet)).toBe(0);
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      slack: { ratelimited: number; calls: Record<string, number> };
    };
    expect(state.slack.calls['conversations.list']).toBe(1);
    expect(state.slack.calls['conversations.history']).toBe(1);
    expect(state.slack.ratelimited).toBe(0);
  });
});
