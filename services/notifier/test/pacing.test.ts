// The channel budget as Slack sees it (issue 14, item 11): two replicas' pacing (SlackPacing on one Redis)
// posting with the real Slack client to the sandbox, which limits a channel to one post a second as Slack
// does. One replica's post leaves late after booking its slot (a busy or just-restarted process); the call
// gate keeps the next post a full interval behind that one's end, so Slack refuses none.
import { randomUUID } from 'node:crypto';
import { createMetrics, sleep } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { startSandbox, type RunningSandbox } from '@switchboard/sandbox';
import { SlackPacing } from '../src/pacing';
import { webApiSlack, type SlackPort } from '../src/slack';
import { quiet } from './harness';

jest.setTimeout(120000);

describe('the shared Slack budget', () => {
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

  it('keeps posts that leave late after their slot a full interval apart at Slack', async () => {
    const keys = createKeys(`pacing-${randomUUID().slice(0, 8)}:`);
    // The interval is Slack's own limit, with no margin: only the gate keeps late posts apart.
    const replica = (name: string) => {
      const metrics = createMetrics(`notifier-${name}`);
      return {
        pacing: new SlackPacing(redis, keys, metrics, {
          postIntervalMs: 1000,
          postBurst: 1,
          updatesPerMinute: 45,
          callLeaseMs: 11000,
        }),
        slack: webApiSlack({ token: 'xoxb-pacing-test', apiUrl: sandbox.slackApiUrl, metrics }),
      };
    };
    const post = async ({ pacing, slack }: { pacing: SlackPacing; slack: SlackPort }, text: string, lateMs: number) => {
      await pacing.waitForPost('#triage');
      await pacing.post('#triage', async () => {
        await sleep(lateMs); // work between the slot and the call: Redis round trips, rendering, a cold start
        return slack.postMessage({ channel: '#triage', text, blocks: [] });
      });
    };
    const [a, b] = [replica('a'), replica('b')];
    await Promise.all([
      (async () => {
        for (let i = 0; i < 3; i += 1) await post(a, `a${i}`, 400);
      })(),
      (async () => {
        for (let i = 0; i < 3; i += 1) await post(b, `b${i}`, 0);
      })(),
    ]);
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      slack: { ratelimited: number; calls: Record<string, number> };
    };
    expect(state.slack.calls['chat.postMessage']).toBe(6);
    expect(state.slack.ratelimited).toBe(0);
  });
});
