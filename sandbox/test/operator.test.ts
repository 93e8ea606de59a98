// The operator's side of Slack and Asana: a button clicked and a thread replied to, sent to the app signed
// and shaped as Slack sends them (the receiver below checks the signature itself with node:crypto), and the
// page's buttons, reply boxes and complete buttons, which act through the same endpoints.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebClient } from '@slack/web-api';
import { startSandbox, type RunningSandbox } from '../src';
import { asanaClient, slackClient } from './clients';
import { eventually } from './support';

const SECRET = 'test-signing-secret';
const PROJECT = '1200000000000001';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The app's side: records every request with its raw body; answers as told, one answer per request. */
class Receiver {
  received: Received[] = [];
  /** Per request, in order: a status, or a pause before answering 200. Then 200. */
  script: ({ status: number; headers?: Record<string, string> } | { delayMs: number })[] = [];
  private server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const hookSecret = request.headers['x-hook-secret'];
      if (typeof hookSecret === 'string') return void response.writeHead(200, { 'x-hook-secret': hookSecret }).end();
      this.received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      const next = this.script.shift() ?? { status: 200 };
      if ('delayMs' in next) setTimeout(() => response.writeHead(200).end('late'), next.delayMs);
      else response.writeHead(next.status, next.headers).end(next.status === 200 ? 'ack' : 'no');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}

/** What the app must check: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}")), timestamp recent. */
function expectSignedBySlack(request: Received): void {
  const timestamp = String(request.headers['x-slack-request-timestamp']);
  expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(5);
  const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${request.body}`).digest('hex')}`;
  expect(request.headers['x-slack-signature']).toBe(expected);
}

describe('operator interactivity', () => {
  let sandbox: RunningSandbox;
  let receiver: Receiver;
  let slack: WebClient;

  const post = (path: string, body: unknown, method = 'POST') =>
    fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const postForm = (path: string, fields: Record<string, string>) =>
    fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const configure = (slackOptions: Record<string, unknown>) =>
    post('/_sandbox/config', { slack: slackOptions }, 'PATCH');

  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: '*Ann* (Acme): I want a refund' } },
    {
      type: 'actions',
      block_id: 'sb_conv_actions',
      elements: [
        {
          type: 'button',
          action_id: 'sb_reviewed',
          value: 'conv-1',
          text: { type: 'plain_text', text: 'Reviewed' },
          style: 'primary',
        },
        { type: 'button', action_id: 'sb_spam', value: 'conv-1', text: { type: 'plain_text', text: 'Spam' } },
      ],
    },
  ];
  const postRoot = () =>
    slack.chat.postMessage({
      channel: '#triage',
      text: 'Ann (Acme): I want a refund',
      blocks,
      metadata: { event_type: 'conversation', event_payload: { id: 'conv-1' } },
    });

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    sandbox = await startSandbox({
      port: 0,
      slack: {
        interactivityUrl: `${receiver.url}/slack/interactions`,
        eventsUrl: `${receiver.url}/slack/events`,
        signingSecret: SECRET,
        eventRetryDelaysMs: [20, 20, 20],
      },
    });
    slack = slackClient(sandbox, 'xoxb-test');
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    await configure({
      interactivityUrl: `${receiver.url}/slack/interactions`,
      eventsUrl: `${receiver.url}/slack/events`,
      signingSecret: SECRET,
      deliveryTimeoutMs: 3000,
    });
    receiver.received = [];
    receiver.script = [];
  });

  it('sends a click as Slack does: a signed form post of a block_actions payload', async () => {
    const root = await postRoot();
    const response = await post('/_sandbox/slack/click', {
      channel: '#triage',
      ts: root.ts,
      actionId: 'sb_reviewed',
      value: 'conv-1',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, status: 200, body: 'ack' });

    const [request] = receiver.at('/slack/interactions');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expectSignedBySlack(request);
    expect(request.body).toMatch(/^payload=[^&]+$/);
    const payload = JSON.parse(new URLSearchParams(request.body).get('payload')!);
    expect(request.body).toBe(`payload=${encodeURIComponent(JSON.stringify(payload))}`);

    expect(payload).toEqual({
      type: 'block_actions',
      user: { id: 'U0SANDBOXOP1', username: 'olivia', name: 'olivia', team_id: 'T0SANDBOX0' },
      api_app_id: root.message!.app_id,
      token: expect.any(String),
      container: { type: 'message', message_ts: root.ts, channel_id: root.channel, is_ephemeral: false },
      trigger_id: expect.stringMatching(/^\d+\.\w+\.[0-9a-f]+$/),
      team: { id: 'T0SANDBOX0', domain: expect.any(String) },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: root.channel, name: 'triage' },
      message: expect.objectContaining({
        type: 'message',
        ts: root.ts,
        text: 'Ann (Acme): I want a refund',
        bot_id: root.message!.bot_id,
        metadata: { event_type: 'conversation', event_payload: { id: 'conv-1' } },
      }),
      response_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
      actions: [
        {
          action_id: 'sb_reviewed',
          block_id: 'sb_conv_actions',
          text: { type: 'plain_text', text: 'Reviewed', emoji: true },
          value: 'conv-1',
          style: 'primary',
          type: 'button',
          action_ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
        },
      ],
      state: { values: {} },
    });
    // Every block carries a block_id, made up (and stable) where the app gave none, as Slack does.
    expect(payload.message.blocks).toEqual([{ ...blocks[0], block_id: expect.stringMatching(/^\w{5}$/) }, blocks[1]]);
  });

  it('clicks a button in a thread reply with container.thread_ts, as another operator', async () => {
    const root = await slack.chat.postMessage({ channel: '#triage', text: 'root' });
    const inThread = await slack.chat.postMessage({
      channel: root.channel!,
      thread_ts: root.ts!,
      text: 'take over?',
      blocks: [blocks[1]],
    });
    const answer = await post('/_sandbox/slack/click', {
      channel: root.channel,
      ts: inThread.ts,
      actionId: 'sb_spam',
      userId: 'U0SANDBOXOP2',
    });
    expect(await answer.json()).toMatchObject({ ok: true, status: 200 });
    const payload = JSON.parse(new URLSearchParams(receiver.received[0].body).get('payload')!);
    expect(payload.container).toEqual({
      type: 'message',
      message_ts: inThread.ts,
      channel_id: root.channel,
      is_ephemeral: false,
      thread_ts: root.ts,
    });
    expect(payload.message.thread_ts).toBe(root.ts);
    expect(payload.user).toMatchObject({ id: 'U0SANDBOXOP2', name: 'oscar' });
  });

  it('passes on what the app answered, and refuses clicks it cannot make', async () => {
    const root = await postRoot();
    receiver.script = [{ status: 401 }];
    expect(
      await (await post('/_sandbox/slack/click', { channel: root.channel, ts: root.ts, actionId: 'sb_spam' })).json(),
    ).toEqual({ ok: false, status: 401, body: 'no' });

    const missing = await post('/_sandbox/slack/click', {
      channel: '#triage',
      ts: '1700000000.000001',
      actionId: 'sb_spam',
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      ok: false,
      error: 'message_not_found',
      detail: expect.stringContaining('1700000000.000001'),
    });

    const noButton = await post('/_sandbox/slack/click', { channel: '#triage', ts: root.ts, actionId: 'sb_take_over' });
    expect(noButton.status).toBe(400);
    expect(await noButton.json()).toMatchObject({
      error: 'button_not_found',
      detail: expect.stringContaining('sb_reviewed (value conv-1), sb_spam'),
    });
    const wrongValue = await post('/_sandbox/slack/click', {
      channel: '#triage',
      ts: root.ts,
      actionId: 'sb_spam',
      value: 'conv-2',
    });
    expect(wrongValue.status).toBe(400);
    expect((await post('/_sandbox/slack/click', { channel: '#triage', ts: root.ts })).status).toBe(400);

    await configure({ interactivityUrl: null });
    const unconfigured = await post('/_sandbox/slack/click', { channel: '#triage', ts: root.ts, actionId: 'sb_spam' });
    expect(unconfigured.status).toBe(409);
    expect(await unconfigured.json()).toMatchObject({
      error: 'not_configured',
      detail: expect.stringContaining('SANDBOX_SLACK_INTERACTIVITY_URL'),
    });
    expect(receiver.received).toHaveLength(1);
  });

  it('never shows the signing secret, only whether it is set', async () => {
    const shown = await (await fetch(`${sandbox.url}/_sandbox/config`)).text();
    expect(shown).not.toContain(SECRET);
    expect(JSON.parse(shown).slack).toMatchObject({
      interactivityUrl: `${receiver.url}/slack/interactions`,
      eventsUrl: `${receiver.url}/slack/events`,
      signingSecretSet: true,
    });
    const state = await (await fetch(`${sandbox.url}/_sandbox/state`)).text();
    expect(state).not.toContain(SECRET);
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).not.toContain(SECRET);
    const unset = (await (await configure({ signingSecret: null })).json()) as { slack: { signingSecretSet: boolean } };
    expect(unset.slack.signingSecretSet).toBe(false);
  });

  it('stores a thread reply from a person and sends it as a signed event_callback', async () => {
    const root = await postRoot();
    const response = await post('/_sandbox/slack/reply', {
      channel: '#triage',
      threadTs: root.ts,
      text: 'on it & <@U0SANDBOXOP2> 1 < 2',
    });
    const answer = (await response.json()) as { ok: boolean; ts: string; status: number };
    expect(answer).toMatchObject({ ok: true, ts: expect.stringMatching(/^\d{10}\.\d{6}$/), status: 200 });

    const [request] = receiver.at('/slack/events');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-slack-retry-num']).toBeUndefined();
    expectSignedBySlack(request);
    const envelope = JSON.parse(request.body);
    expect(envelope).toEqual({
      token: expect.any(String),
      team_id: 'T0SANDBOX0',
      api_app_id: root.message!.app_id,
      event: {
        type: 'message',
        channel: root.channel,
        user: 'U0SANDBOXOP1',
        // A person's &, < and > arrive escaped; a mention stays a mention.
        text: 'on it &amp; <@U0SANDBOXOP2> 1 &lt; 2',
        ts: answer.ts,
        thread_ts: root.ts,
        parent_user_id: root.message!.user,
        client_msg_id: expect.any(String),
        team: 'T0SANDBOX0',
        channel_type: 'channel',
        event_ts: answer.ts,
      },
      type: 'event_callback',
      event_id: expect.stringMatching(/^Ev[A-Z0-9]{9}$/),
      event_time: Math.floor(Number(answer.ts)),
      authorizations: [expect.objectContaining({ team_id: 'T0SANDBOX0', user_id: root.message!.user, is_bot: true })],
      is_ext_shared_channel: false,
    });

    const thread = await slack.conversations.replies({ channel: root.channel!, ts: root.ts! });
    expect(thread.messages!.map((m) => m.text)).toEqual([
      'Ann (Acme): I want a refund',
      'on it &amp; <@U0SANDBOXOP2> 1 &lt; 2',
    ]);
    expect(thread.messages![1]).toMatchObject({ user: 'U0SANDBOXOP1', ts: answer.ts, thread_ts: root.ts });
    expect(thread.messages![1].bot_id).toBeUndefined();
    expect(thread.messages![1].bot_profile).toBeUndefined();

    // A second reply is another event.
    await post('/_sandbox/slack/reply', { channel: root.channel, threadTs: answer.ts, text: 'done' });
    const second = JSON.parse(receiver.at('/slack/events')[1].body);
    expect(second.event_id).not.toBe(envelope.event_id);
    expect(second.event.thread_ts).toBe(root.ts);
  });

  it('redelivers an event the app did not take, with X-Slack-Retry-Num and the same event_id', async () => {
    const root = await postRoot();
    receiver.script = [{ status: 500 }, { status: 200 }];
    const answer = await (
      await post('/_sandbox/slack/reply', { channel: '#triage', threadTs: root.ts, text: 'hello?' })
    ).json();
    expect(answer).toMatchObject({ ok: true, status: 200, attempts: [500, 200] });

    const [first, retry] = receiver.at('/slack/events');
    expect(retry.headers['x-slack-retry-num']).toBe('1');
    expect(retry.headers['x-slack-retry-reason']).toBe('http_error');
    expect(JSON.parse(retry.body).event_id).toBe(JSON.parse(first.body).event_id);
    expectSignedBySlack(retry);
    // One stored reply, however many deliveries.
    expect((await slack.conversations.replies({ channel: root.channel!, ts: root.ts! })).messages).toHaveLength(2);
  });

  it('retries after a timeout, gives up after three retries, and stops when told X-Slack-No-Retry', async () => {
    const root = await postRoot();
    await configure({ deliveryTimeoutMs: 150 });
    receiver.script = [{ delayMs: 400 }, { status: 200 }];
    expect(
      await (await post('/_sandbox/slack/reply', { channel: '#triage', threadTs: root.ts, text: 'slow' })).json(),
    ).toMatchObject({ ok: true, attempts: ['http_timeout', 200] });
    expect(receiver.at('/slack/events')[1].headers['x-slack-retry-reason']).toBe('http_timeout');

    receiver.received = [];
    receiver.script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }];
    expect(
      await (await post('/_sandbox/slack/reply', { channel: '#triage', threadTs: root.ts, text: 'down' })).json(),
    ).toMatchObject({ ok: false, status: 503, attempts: [503, 503, 503, 503] });
    expect(receiver.received.map((r) => r.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2', '3']);

    receiver.received = [];
    receiver.script = [{ status: 400, headers: { 'x-slack-no-retry': '1' } }];
    expect(
      await (await post('/_sandbox/slack/reply', { channel: '#triage', threadTs: root.ts, text: 'no' })).json(),
    ).toMatchObject({ ok: false, attempts: [400] });
    expect(receiver.received).toHaveLength(1);

    const missing = await post('/_sandbox/slack/reply', {
      channel: '#triage',
      threadTs: '1700000000.000001',
      text: 'x',
    });
    expect(missing.status).toBe(404);
    await configure({ eventsUrl: null });
    const unconfigured = await post('/_sandbox/slack/reply', { channel: '#triage', threadTs: root.ts, text: 'lost' });
    expect(unconfigured.status).toBe(409);
    expect(await unconfigured.json()).toMatchObject({ detail: expect.stringContaining('SANDBOX_SLACK_EVENTS_URL') });
    // Refused replies are not stored.
    expect(
      (await slack.conversations.replies({ channel: root.channel!, ts: root.ts! })).messages!.map((m) => m.text),
    ).not.toContain('lost');
  });

  it('knows the operators in users.info, and makes up a stable person for any other id', async () => {
    const olivia = await slack.users.info({ user: 'U0SANDBOXOP1' });
    expect(olivia.user).toMatchObject({
      id: 'U0SANDBOXOP1',
      name: 'olivia',
      real_name: 'Olivia Operator',
      profile: { email: 'olivia@example.test' },
    });
    const other = await slack.users.info({ user: 'U0SOMEONE' });
    expect(other.user).toEqual((await slack.users.info({ user: 'U0SOMEONE' })).user);
    expect(other.user!.real_name).toEqual(expect.any(String));
  });

  it('shows buttons as forms that click, escapes text, and offers a reply box under each thread', async () => {
    const root = await slack.chat.postMessage({
      channel: '#triage',
      text: '<script>alert("x")</script>',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'sb_"quoted"',
              value: '<v>',
              text: { type: 'plain_text', text: '<b>Take over</b>' },
            },
          ],
        },
      ],
    });
    const html = await (await fetch(`${sandbox.url}/`)).text();
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('<form class="act" method="post" action="/_sandbox/slack/click">');
    expect(html).toContain(`<input type="hidden" name="ts" value="${root.ts}">`);
    expect(html).toContain('<input type="hidden" name="actionId" value="sb_&quot;quoted&quot;">');
    expect(html).toContain('<input type="hidden" name="value" value="&lt;v&gt;">');
    expect(html).toContain('&lt;b&gt;Take over&lt;/b&gt;</button>');
    expect(html).toContain('<form class="reply" method="post" action="/_sandbox/slack/reply">');
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers

    // What the browser sends when the button is pressed.
    const clicked = await postForm('/_sandbox/slack/click', {
      channel: root.channel!,
      ts: root.ts!,
      actionId: 'sb_"quoted"',
      value: '<v>',
    });
    expect(clicked.status).toBe(303);
    expect(clicked.headers.get('location')).toBe(`/#msg-${root.channel}-${root.ts!.replace('.', '-')}`);
    const payload = JSON.parse(new URLSearchParams(receiver.at('/slack/interactions')[0].body).get('payload')!);
    expect(payload.actions[0]).toMatchObject({ action_id: 'sb_"quoted"', value: '<v>' });

    const replied = await postForm('/_sandbox/slack/reply', {
      channel: root.channel!,
      threadTs: root.ts!,
      text: '<script>typed</script>',
    });
    expect(replied.status).toBe(303);
    await eventually(
      () => receiver.at('/slack/events'),
      (r) => r.length === 1,
    );
    const after = await (await fetch(`${sandbox.url}/?fragment=1`)).text();
    expect(after).toMatch(/<div class="thread">[\s\S]*Olivia Operator[\s\S]*&lt;script&gt;typed&lt;\/script&gt;/);
    expect(after).toMatch(/click <code>sb_&quot;quoted&quot;<\/code> → 200/);

    // Without a URL the page still goes back, and says why nothing was sent.
    await configure({ interactivityUrl: null });
    expect(
      (await postForm('/_sandbox/slack/click', { channel: root.channel!, ts: root.ts!, actionId: 'sb_"quoted"' }))
        .status,
    ).toBe(303);
    const unsent = await (await fetch(`${sandbox.url}/?fragment=1`)).text();
    expect(unsent).toContain('not set (SANDBOX_SLACK_INTERACTIVITY_URL)');
    expect(unsent).toContain('→ not configured');
  });

  it("completes a task from the page as Asana's own UI would, so its webhook fires", async () => {
    const asana = asanaClient(sandbox, 'test-pat');
    const task = (await asana.tasks.createTask({ data: { name: 'Ann (Acme): refund', projects: [PROJECT] } }, {})).data;
    await asana.webhooks.createWebhook(
      {
        data: {
          resource: PROJECT,
          target: `${receiver.url}/asana/webhook`,
          filters: [{ resource_type: 'task', fields: ['completed'] }],
        },
      },
      {},
    );

    const html = await (await fetch(`${sandbox.url}/`)).text();
    expect(html).toContain(
      `<form class="act" method="post" action="/_sandbox/asana/tasks/${task.gid}/complete"><input type="hidden" name="completed" value="true"><button type="submit" class="button">complete</button></form>`,
    );

    const done = await postForm(`/_sandbox/asana/tasks/${task.gid}/complete`, { completed: 'true' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/#task-${task.gid}`);
    const [delivery] = await eventually(
      () => receiver.at('/asana/webhook'),
      (r) => r.length === 1,
    );
    expect(JSON.parse(delivery.body).events).toEqual([
      expect.objectContaining({
        action: 'changed',
        resource: expect.objectContaining({ gid: task.gid }),
        change: { field: 'completed', action: 'changed' },
      }),
    ]);

    const completed = (await asana.tasks.getTask(task.gid, {})).data;
    expect(completed).toMatchObject({ completed: true, completed_at: expect.any(String) });
    const stories = (await asana.stories.getStoriesForTask(task.gid, {})).data as {
      text: string;
      created_by: { name: string };
    }[];
    expect(stories.find((s) => s.text === 'marked this task complete')?.created_by.name).toBe('Olivia Operator');
    expect(await (await fetch(`${sandbox.url}/`)).text()).toContain(
      '<button type="submit" class="button">mark incomplete</button>',
    );

    // JSON works too; completing an already complete task changes nothing and fires nothing.
    expect(await (await post(`/_sandbox/asana/tasks/${task.gid}/complete`, { completed: true })).json()).toEqual({
      ok: true,
      gid: task.gid,
      completed: true,
    });
    expect(await (await post(`/_sandbox/asana/tasks/${task.gid}/complete`, { completed: false })).json()).toMatchObject(
      { completed: false },
    );
    await eventually(
      () => receiver.at('/asana/webhook'),
      (r) => r.length === 2,
    );
    expect((await asana.tasks.getTask(task.gid, {})).data.completed).toBe(false);
    expect((await post('/_sandbox/asana/tasks/999/complete', {})).status).toBe(404);
    // A bare POST completes.
    expect(
      await (await fetch(`${sandbox.url}/_sandbox/asana/tasks/${task.gid}/complete`, { method: 'POST' })).json(),
    ).toMatchObject({ completed: true });
  });
});
