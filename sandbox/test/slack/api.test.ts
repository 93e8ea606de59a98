// The Slack stand-in, driven over HTTP by the real @slack/web-api WebClient (no mocks of the client).
// The WebClient retries for about 30 minutes and pauses its queue on 429 by default; slackClient turns
// retries off and rejects rate-limited calls so that the 429s themselves can be observed.
import { ErrorCode, type WebClient } from '@slack/web-api';
import { startSandbox, type RunningSandbox } from '../../src';
import { slackClient } from '../clients';

type Listed = {
  channel: string;
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  edits: number;
  reply_count?: number;
  mentions: string[];
  bot_id: string;
};

describe('Slack stand-in', () => {
  let sandbox: RunningSandbox;
  let slack: WebClient;

  const client = (token?: string) => slackClient(sandbox, token);
  const listed = async (): Promise<Listed[]> =>
    (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json() as Promise<Listed[]>;
  const platformError = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: { code: string; data: { error: string } }) => {
        expect(error.code).toBe(ErrorCode.PlatformError);
        return error.data.error;
      },
    );

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      slack: { invalidTokens: ['xoxb-revoked'], missingChannels: ['#gone'], missingUsers: ['U0GONE'] },
    });
    slack = client('xoxb-test');
  });
  afterAll(() => sandbox.close());
  beforeEach(() => fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' }));

  it('hands out base URLs the clients take as they are', () => {
    expect(sandbox.slackApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/api\/$/);
    expect(sandbox.asanaBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/asana\/api\/1\.0$/);
  });

  it("answers auth.test with the token's own bot", async () => {
    const me = await slack.auth.test();
    const other = await client('xoxb-other').auth.test();
    expect(me).toMatchObject({
      ok: true,
      team_id: expect.any(String),
      bot_id: expect.stringMatching(/^B/),
      user_id: expect.stringMatching(/^U/),
    });
    expect(other.bot_id).not.toBe(me.bot_id);
  });

  it('posts a root message that the message list shows', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*Ann* (Acme): hi' } },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'reviewed', text: { type: 'plain_text', text: 'Reviewed' } }],
      },
    ];
    const posted = await slack.chat.postMessage({
      channel: '#triage',
      text: 'Ann (Acme): hi',
      blocks,
      unfurl_links: false,
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: expect.stringMatching(/^C[A-Z0-9]+$/),
      ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
    });
    expect(posted.message).toMatchObject({ text: 'Ann (Acme): hi', blocks, bot_id: expect.any(String) });

    const [message] = await listed();
    expect(message).toMatchObject({
      channel: '#triage',
      channel_id: posted.channel,
      ts: posted.ts,
      text: 'Ann (Acme): hi',
      blocks,
      edits: 0,
    });
    expect(message.thread_ts).toBeUndefined();
  });

  it('gives every message a unique, increasing ts', async () => {
    const stamps: string[] = [];
    for (let i = 0; i < 5; i++) stamps.push((await slack.chat.postMessage({ channel: '#triage', text: `n${i}` })).ts!);
    expect(new Set(stamps).size).toBe(5);
    expect([...stamps].sort((a, b) => Number(a) - Number(b))).toEqual(stamps);
  });

  it('threads a reply under its root and returns the thread from conversations.replies', async () => {
    const root = await slack.chat.postMessage({ channel: '#triage', text: 'root' });
    const reply = await slack.chat.postMessage({ channel: root.channel!, thread_ts: root.ts!, text: 'reply' });
    // A reply to a reply joins the same thread.
    await slack.chat.postMessage({ channel: '#triage', thread_ts: reply.ts!, text: 'another reply' });

    const thread = await slack.conversations.replies({ channel: root.channel!, ts: root.ts! });
    expect(thread.messages!.map((m) => m.text)).toEqual(['root', 'reply', 'another reply']);
    expect(thread.messages![0]).toMatchObject({ thread_ts: root.ts, reply_count: 2 });
    expect(thread.messages![1]).toMatchObject({ thread_ts: root.ts });

    const all = await listed();
    expect(all.filter((m) => m.thread_ts === root.ts)).toHaveLength(2);
    expect(all.find((m) => m.ts === root.ts)).toMatchObject({ reply_count: 2 });
    expect(await platformError(slack.conversations.replies({ channel: '#triage', ts: '1.000000' }))).toBe(
      'thread_not_found',
    );
  });

  it('accepts JSON bodies with a bearer token, and blocks as a JSON string in a form', async () => {
    const json = await fetch(`${sandbox.slackApiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: '#triage', text: 'as json', blocks: [{ type: 'divider' }] }),
    });
    expect(await json.json()).toMatchObject({ ok: true });
    const form = await fetch(`${sandbox.slackApiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: 'xoxb-test',
        channel: '#triage',
        text: 'as form',
        blocks: JSON.stringify([{ type: 'divider' }]),
      }).toString(),
    });
    expect(await form.json()).toMatchObject({ ok: true });
    expect((await listed()).map((m) => m.blocks)).toEqual([[{ type: 'divider' }], [{ type: 'divider' }]]);
  });

  it('updates a message, keeping what the update leaves out and counting the edits', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'new conversation' } }];
    const posted = await slack.chat.postMessage({ channel: '#triage', text: 'new', blocks });
    const updated = await slack.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'reviewed' });
    expect(updated).toMatchObject({ ok: true, channel: posted.channel, ts: posted.ts, text: 'reviewed' });
    expect(updated.message).toMatchObject({ text: 'reviewed', blocks, edited: { ts: expect.any(String) } });
    await slack.chat.update({ channel: posted.channel!, ts: posted.ts!, blocks: [] });

    const [message] = await listed();
    expect(message).toMatchObject({ text: 'reviewed', edits: 2 });
    expect(message.blocks).toBeUndefined();
    expect(
      await platformError(slack.chat.update({ channel: posted.channel!, ts: '1700000000.000001', text: 'x' })),
    ).toBe('message_not_found');
    expect(
      await platformError(
        client('xoxb-someone-else').chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'x' }),
      ),
    ).toBe('cant_update_message');
  });

  it('builds permalinks that lead to the message on the sandbox page', async () => {
    const root = await slack.chat.postMessage({ channel: '#triage', text: 'root' });
    const link = await slack.chat.getPermalink({ channel: root.channel!, message_ts: root.ts! });
    expect(link.permalink).toBe(`${sandbox.url}/slack/archives/${root.channel}/p${root.ts!.replace('.', '')}`);
    const reply = await slack.chat.postMessage({ channel: root.channel!, thread_ts: root.ts!, text: 'reply' });
    const replyLink = await slack.chat.getPermalink({ channel: root.channel!, message_ts: reply.ts! });
    expect(replyLink.permalink).toContain(`?thread_ts=${root.ts}&cid=${root.channel}`);

    const followed = await fetch(link.permalink!, { redirect: 'manual' });
    expect(followed.status).toBe(302);
    expect(followed.headers.get('location')).toBe(`/#msg-${root.channel}-${root.ts!.replace('.', '-')}`);
    expect(await platformError(slack.chat.getPermalink({ channel: root.channel!, message_ts: '1.000001' }))).toBe(
      'message_not_found',
    );
  });

  it('describes any user, except the ones configured as missing', async () => {
    const info = await slack.users.info({ user: 'U123ABC' });
    expect(info.user).toMatchObject({
      id: 'U123ABC',
      real_name: expect.any(String),
      profile: { email: 'u123abc@sandbox.example' },
    });
    expect(await platformError(slack.users.info({ user: 'U0GONE' }))).toBe('user_not_found');
  });

  it("answers Slack's errors as HTTP 200 with ok: false", async () => {
    expect(await platformError(client().chat.postMessage({ channel: '#triage', text: 'x' }))).toBe('not_authed');
    expect(await platformError(client('xoxb-revoked').chat.postMessage({ channel: '#triage', text: 'x' }))).toBe(
      'invalid_auth',
    );
    expect(await platformError(slack.chat.postMessage({ channel: '#gone', text: 'x' }))).toBe('channel_not_found');
    expect(await platformError(slack.chat.postMessage({ channel: 'gone', text: 'x' }))).toBe('channel_not_found');
    expect(await platformError(slack.apiCall('chat.nonsense'))).toBe('unknown_method');
    expect(await platformError(slack.chat.postMessage({ channel: '#triage', text: '' }))).toBe('no_text');
    expect(
      await platformError(
        slack.chat.postMessage({ channel: '#triage', text: 'x', blocks: [{ type: 'section' }] as never }),
      ),
    ).toBe('invalid_blocks');

    const raw = await fetch(`${sandbox.slackApiUrl}chat.postMessage`, { method: 'POST' });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(await listed()).toHaveLength(0);
  });

  it('records who a message would notify, so escaping can be checked', async () => {
    await slack.chat.postMessage({ channel: '#triage', text: 'hey <!channel> and <@U42>' });
    await slack.chat.postMessage({ channel: '#triage', text: 'typed by a user: &lt;!channel&gt;' });
    const [pinging, escaped] = await listed();
    expect(pinging.mentions).toEqual(['channel', 'U42']);
    expect(escaped.mentions).toEqual([]);
  });

  it('limits chat.postMessage per channel with HTTP 429, Retry-After and a count of 429s served', async () => {
    await fetch(`${sandbox.url}/_sandbox/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slack: { postMessagePerSecond: 1, burst: 2 } }),
    });
    try {
      await slack.chat.postMessage({ channel: '#busy', text: '1' });
      await slack.chat.postMessage({ channel: '#busy', text: '2' });
      const limited = await slack.chat.postMessage({ channel: '#busy', text: '3' }).catch((error) => error);
      expect(limited.code).toBe(ErrorCode.RateLimitedError);
      expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
      // Another channel has its own budget.
      await expect(slack.chat.postMessage({ channel: '#quiet', text: 'fine' })).resolves.toMatchObject({ ok: true });

      const raw = await fetch(`${sandbox.slackApiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'channel=%23busy&text=4',
      });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
        slack: { ratelimited: number; ratelimitedByChannel: Record<string, number> };
      };
      expect(state.slack.ratelimited).toBe(2);
      expect(state.slack.ratelimitedByChannel).toEqual({ '#busy': 2 });
      expect((await listed()).map((m) => m.text)).toEqual(['1', '2', 'fine']);
    } finally {
      await fetch(`${sandbox.url}/_sandbox/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slack: { postMessagePerSecond: null } }),
      });
    }
  });

  it('is a slow Slack when told: a post is taken up, and shows in the channel, only when it is answered', async () => {
    const configure = (postMessageLatencyMs: number) =>
      fetch(`${sandbox.url}/_sandbox/config`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slack: { postMessageLatencyMs } }),
      });
    await configure(2000);
    try {
      const posting = slack.chat.postMessage({ channel: '#slow', text: 'a slow one' });
      await new Promise((r) => setTimeout(r, 100));
      expect((await listed()).filter((m) => m.text === 'a slow one')).toHaveLength(0);
      const posted = await posting;
      expect((await listed()).filter((m) => m.text === 'a slow one').map((m) => m.ts)).toEqual([posted.ts]);
    } finally {
      await configure(0);
    }
  });

  it('lists a channel newest first with conversations.history and counts calls per method', async () => {
    await slack.chat.postMessage({ channel: '#triage', text: 'first' });
    const second = await slack.chat.postMessage({ channel: '#triage', text: 'second' });
    await slack.chat.postMessage({ channel: '#triage', thread_ts: second.ts!, text: 'in a thread' });
    const history = await slack.conversations.history({ channel: second.channel! });
    expect(history.messages!.map((m) => m.text)).toEqual(['second', 'first']);
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      slack: { calls: Record<string, number> };
    };
    expect(state.slack.calls).toMatchObject({ 'chat.postMessage': 3, 'conversations.history': 1 });
  });

  it('refuses a channel name in conversations.history, as Slack does, and finds the id with conversations.list', async () => {
    const posted = await slack.chat.postMessage({ channel: '#triage-by-name', text: 'hello' });
    expect(await platformError(slack.conversations.history({ channel: '#triage-by-name' }))).toBe('channel_not_found');
    expect(await platformError(slack.conversations.history({ channel: 'triage-by-name' }))).toBe('channel_not_found');
    const listed = await slack.conversations.list({ limit: 1000 });
    expect(listed.channels!.find((c) => c.name === 'triage-by-name')?.id).toBe(posted.channel);
    expect((await slack.conversations.history({ channel: posted.channel! })).messages!.map((m) => m.text)).toEqual([
      'hello',
    ]);
  });

  it('tells guests and Slack Connect users apart, lists a user group, and keeps ephemeral messages out of the channel', async () => {
    const guest = (await slack.users.info({ user: 'U0SANDBOXGST' })).user!;
    expect(guest).toMatchObject({ is_restricted: true, is_ultra_restricted: false, team_id: 'T0SANDBOX0' });
    const external = (await slack.users.info({ user: 'U0SANDBOXEXT' })).user!;
    expect(external).toMatchObject({ is_restricted: false, is_stranger: true, team_id: 'T0PARTNER01' });
    expect((await slack.users.info({ user: 'U0SANDBOXOP1' })).user).toMatchObject({
      is_restricted: false,
      team_id: 'T0SANDBOX0',
    });
    expect((await slack.usergroups.users.list({ usergroup: 'S0SANDBOXOPS' })).users).toEqual(['U0SANDBOXOP1']);
    expect(await platformError(slack.usergroups.users.list({ usergroup: 'S0NOSUCH' }))).toBe('no_such_subteam');
    const sent = await slack.chat.postEphemeral({ channel: '#triage', user: 'U0SANDBOXGST', text: 'only for you' });
    expect(sent.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(await platformError(slack.chat.postEphemeral({ channel: '#triage', user: 'U0GONE', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    expect(await (await fetch(`${sandbox.url}/_sandbox/slack/ephemeral`)).json()).toEqual([
      expect.objectContaining({ userId: 'U0SANDBOXGST', text: 'only for you' }),
    ]);
    expect(await listed()).toEqual([]);
  });
});
