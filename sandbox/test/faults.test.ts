// Fault injection: Slack and Asana answering 429 with Retry-After, or 500/503, for a window of time or a
// number of requests, switched on and off over HTTP; observed through the real clients.
import { ErrorCode, type WebClient } from '@slack/web-api';
import { startSandbox, type RunningSandbox } from '../src';
import { type AsanaClient, asanaClient, slackClient } from './clients';

describe('fault injection', () => {
  let sandbox: RunningSandbox;
  let slack: WebClient;
  let users: AsanaClient['users'];

  const inject = (fault: Record<string, unknown>) =>
    fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
  const asanaStatus = () =>
    users.getUser('me', {}).then(
      () => 200,
      (error: { status: number }) => error.status,
    );
  const slackOutcome = () =>
    slack.auth.test().then(
      () => 'ok',
      (error: { code: string; statusCode?: number; retryAfter?: number }) =>
        error.code === ErrorCode.RateLimitedError
          ? `429 after ${error.retryAfter}`
          : `${error.code} ${error.statusCode}`,
    );

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    slack = slackClient(sandbox, 'xoxb-test');
    users = asanaClient(sandbox, 'test-pat').users;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' }));

  it('makes Slack answer 429 with Retry-After for a window, until the faults are cleared', async () => {
    const created = await inject({ target: 'slack', status: 429, seconds: 30, retryAfter: 2 });
    expect(created.status).toBe(201);
    expect(await slackOutcome()).toBe('429 after 2');
    expect(await slackOutcome()).toBe('429 after 2');
    // Asana is not affected.
    expect(await asanaStatus()).toBe(200);

    const raw = await fetch(`${sandbox.slackApiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test' },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('2');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    expect(await slackOutcome()).toBe('ok');
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { faults: Record<string, number> };
    expect(state.faults).toEqual({ 'slack:429': 3 });
  });

  it('makes Asana answer 500 for a number of requests', async () => {
    await inject({ target: 'asana', status: 500, count: 2 });
    expect([await asanaStatus(), await asanaStatus(), await asanaStatus()]).toEqual([500, 500, 200]);
    const failing = await inject({ target: 'asana', status: 500, count: 1 });
    expect(failing.status).toBe(201);
    const raw = await fetch(`${sandbox.asanaBaseUrl}/users/me`, { headers: { authorization: 'Bearer test-pat' } });
    expect(raw.status).toBe(500);
    expect(await raw.json()).toMatchObject({ errors: [{ message: 'Server Error' }] });
  });

  it('makes both answer 503 for a short window, then recovers by itself', async () => {
    await inject({ target: 'both', status: 503, seconds: 0.3 });
    expect(await asanaStatus()).toBe(503);
    expect(await slackOutcome()).toBe(`${ErrorCode.HTTPError} 503`);
    await new Promise((r) => setTimeout(r, 400));
    expect(await asanaStatus()).toBe(200);
    expect(await slackOutcome()).toBe('ok');
  });

  it('makes Asana answer 429 with Retry-After, as its own rate limit does', async () => {
    await inject({ target: 'asana', status: 429, count: 1, retryAfter: 7 });
    const error = await users.getUser('me', {}).catch((e: unknown) => e);
    expect(error.status).toBe(429);
    expect(error.response.headers['retry-after']).toBe('7');
  });

  it('lists the active faults and refuses a fault it cannot apply', async () => {
    await inject({ target: 'slack', status: 500, count: 5 });
    const listed = (await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()) as { faults: unknown[] };
    expect(listed.faults).toEqual([expect.objectContaining({ targets: ['slack'], status: 500, remaining: 5 })]);
    expect((await inject({ target: 'slack', status: 404, seconds: 1 })).status).toBe(400);
    expect((await inject({ target: 'kafka', status: 500, seconds: 1 })).status).toBe(400);
    expect((await inject({ target: 'slack', status: 500 })).status).toBe(400);
  });
});
