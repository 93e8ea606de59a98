// The vendors' own limits (vendorLimits): Slack's per-channel posting pace and method tiers, Asana's per-token
// budget and its search budget, each answered with a 429 and Retry-After as the vendor does, through the
// real clients. Off unless asked for.
import { ErrorCode, type WebClient } from '@slack/web-api';
import { SLACK_TIER_PER_MINUTE, VENDOR_LIMITS, startSandbox, type RunningSandbox } from '../src';
import { asanaClient, slackClient } from './clients';

type SlackLimited = { code: string; retryAfter: number };
type AsanaFailure = { status: number; response: { headers: Record<string, string> } };

const WORKSPACE = '1100000000000001';

describe('the vendors’ limits in the sandbox', () => {
  let sandbox: RunningSandbox;
  let slack: WebClient;

  const limited = (promise: Promise<unknown>): Promise<SlackLimited> =>
    promise.then(
      () => {
        throw new Error('expected a 429');
      },
      (error: SlackLimited) => error,
    );
  const state = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      slack: { ratelimited: number; ratelimitedByMethod: Record<string, number> };
      asana: { ratelimited: number };
      config: { slack: { postMessagePerSecond: number | null; burst: number | null; tierLimits: boolean } };
    };
  const configure = (body: object) =>
    fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, vendorLimits: true });
    slack = slackClient(sandbox, 'xoxb-vendor');
  });
  afterEach(() => sandbox.close());

  it('are off unless asked for', async () => {
    const plain = await startSandbox({ port: 0 });
    try {
      expect(plain.settings.view()).toMatchObject({
        slack: { postMessagePerSecond: null, tierLimits: false },
        asana: { requestsPerMinute: null, searchPerMinute: null },
      });
    } finally {
      await plain.close();
    }
    expect(sandbox.settings.view()).toMatchObject(VENDOR_LIMITS);
  });

  it('lets a channel have a short burst of posts, then answers 429 with Retry-After, each channel on its own', async () => {
    for (let i = 0; i < VENDOR_LIMITS.slack.burst; i++)
      await expect(slack.chat.postMessage({ channel: '#burst', text: `${i}` })).resolves.toMatchObject({ ok: true });
    const refused = await limited(slack.chat.postMessage({ channel: '#burst', text: 'one too many' }));
    expect(refused.code).toBe(ErrorCode.RateLimitedError);
    expect(refused.retryAfter).toBe(1);
    await expect(slack.chat.postMessage({ channel: '#other', text: 'fine' })).resolves.toMatchObject({ ok: true });
  });

  it('limits each tiered method per token by its tier, with a 429 and Retry-After as Slack does', async () => {
    const burst = SLACK_TIER_PER_MINUTE[4] / 10;
    for (let i = 0; i < burst; i++) await slack.users.info({ user: 'U0SANDBOXOP1' });
    const refused = await limited(slack.users.info({ user: 'U0SANDBOXOP1' }));
    expect(refused.code).toBe(ErrorCode.RateLimitedError);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);

    // The raw answer: HTTP 429, Retry-After in seconds, Slack's body.
    const raw = await fetch(`${sandbox.slackApiUrl}users.info`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-vendor', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=U0SANDBOXOP1',
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    // Another method, and the same method for another app, have budgets of their own.
    await expect(slack.conversations.list({})).resolves.toMatchObject({ ok: true });
    await expect(slackClient(sandbox, 'xoxb-another').users.info({ user: 'U0SANDBOXOP1' })).resolves.toMatchObject({
      ok: true,
    });
    // Tier 2 is the tightest: two at once.
    await slack.conversations.list({});
    expect((await limited(slack.conversations.list({}))).code).toBe(ErrorCode.RateLimitedError);
    // chat.getPermalink has no tier ("special"): never refused.
    const posted = await slack.chat.postMessage({ channel: '#links', text: 'x' });
    for (let i = 0; i < 30; i++)
      await expect(
        slack.chat.getPermalink({ channel: posted.channel!, message_ts: posted.ts! }),
      ).resolves.toMatchObject({ ok: true });

    expect((await state()).slack.ratelimitedByMethod).toEqual({ 'users.info': 2, 'conversations.list': 1 });
  });

  it('answers Asana searches over 60 a minute with 429 and Retry-After, the other requests still allowed', async () => {
    const asana = asanaClient(sandbox, 'asana-vendor');
    for (let i = 0; i < VENDOR_LIMITS.asana.searchPerMinute; i++)
      await asana.tasks.searchTasksForWorkspace(WORKSPACE, { text: 'refund' });
    const refused = await asana.tasks.searchTasksForWorkspace(WORKSPACE, { text: 'refund' }).then(
      () => {
        throw new Error('expected a 429');
      },
      (error: AsanaFailure) => error,
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await expect(asana.workspaces.getWorkspace(WORKSPACE, {})).resolves.toMatchObject({
      data: { gid: WORKSPACE },
    });
    expect((await state()).asana.ratelimited).toBe(1);
  });

  it('answers Asana requests over the minute’s budget with 429 and Retry-After', async () => {
    await configure({ asana: { requestsPerMinute: 3 } });
    const asana = asanaClient(sandbox, 'asana-small');
    for (let i = 0; i < 3; i++) await asana.workspaces.getWorkspace(WORKSPACE, {});
    const refused = await asana.workspaces.getWorkspace(WORKSPACE, {}).then(
      () => {
        throw new Error('expected a 429');
      },
      (error: AsanaFailure) => error,
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.response.headers['retry-after'])).toBe(20);
  });

  it('can be turned off and on at run time, an option given beside it winning', async () => {
    await configure({ vendorLimits: false });
    expect((await state()).config.slack).toMatchObject({ postMessagePerSecond: null, tierLimits: false });
    for (let i = 0; i < 20; i++) await slack.conversations.list({});
    await configure({ vendorLimits: true, slack: { burst: 5 } });
    expect((await state()).config.slack).toMatchObject({ postMessagePerSecond: 1, burst: 5, tierLimits: true });
  });
});
