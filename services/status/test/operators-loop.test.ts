// The operator's loop through the whole system (real Kafka, real Redis, the five services as processes,
// the sandbox for Slack and Asana, the example bot on its webhook): signed Slack button clicks change the
// conversation for the notifier and the ticketer, unsigned, stale and tampered ones are refused; a thread
// reply reaches the bot as the bot's message and a `note:` reply does not; the Asana webhook handshake and
// signature work and completing the task closes the conversation; the console needs a login, and sending
// from it reaches the bot; ingress and the control API say `human` during a takeover.
import { createHmac } from 'node:crypto';
import type { ExampleBot } from '@switchboard/example-bot';
import { eventually } from '../../../test/support/services';
import { startOperatorSystem, type OperatorSystem } from '../../../test/support/operator-system';
import { postUntilDone, signedHeaders } from '../../../test/support/slack';

const API_KEY = 'status-key-0123456789abcdef';
const SIGNING_SECRET = 'status-test-signing-secret';
const WEBHOOK_SECRET = 'status-test-bot-webhook-secret';
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(180000);

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  history: { text: string }[];
}
interface SandboxTask {
  gid: string;
  notes: string;
  completed: boolean;
  tags: { name: string }[];
  stories: { text: string }[];
}

describe('the operator loop', () => {
  let whole: OperatorSystem;
  let sandbox: OperatorSystem['sandbox'];
  let bot: ExampleBot;

  beforeAll(async () => {
    whole = await startOperatorSystem({
      bot: 'status-bot',
      apiKey: API_KEY,
      signingSecret: SIGNING_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      password: PASSWORD,
      channel: '#triage-status',
    });
    ({ sandbox, bot } = whole);
  });

  afterAll(async () => {
    await whole?.stop();
  });

  const status = (path: string) => whole.status(path);
  /** Switchboard's id of the bot's conversation: scoped by the bot (its API key's name). */
  const scoped = (conversationId: string) => whole.scoped(conversationId);
  const taskOf = (conversationId: string) => whole.taskOf<SandboxTask>(conversationId);
  const rootOf = async (conversationId: string) =>
    eventually(
      () => whole.rootOf<SandboxMessage>(conversationId),
      Boolean,
      30000,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;

  const signed = (body: string, contentType: string, at?: number) =>
    signedHeaders(SIGNING_SECRET, body, contentType, at);
  function click(conversationId: string, actionId: string, actionTs = `${Date.now() / 1000}`) {
    const payload = {
      type: 'block_actions',
      user: { id: 'U0OLIVIA', username: 'olivia', name: 'olivia', team_id: 'T0SANDBOX' },
      actions: [
        {
          action_id: actionId,
          block_id: 'sb_conv_actions',
          value: scoped(conversationId),
          type: 'button',
          action_ts: actionTs,
        },
      ],
    };
    return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  // Until done: a 503 (still working within Slack's 3 s, on a loaded machine) is sent again (postUntilDone).
  const postClick = (body: string, headers: Record<string, string>) =>
    postUntilDone(status('/slack/interactions'), { headers, body }, 'click');
  const postEvent = (body: string) =>
    postUntilDone(status('/slack/events'), { headers: signed(body, 'application/json'), body }, 'event');
  function threadReply(root: SandboxMessage, text: string, eventId: string) {
    return JSON.stringify({
      type: 'event_callback',
      event_id: eventId,
      team_id: 'T0SANDBOX',
      event: {
        type: 'message',
        channel: root.channel_id,
        user: 'U0OLIVIA',
        text,
        ts: `${Date.now() / 1000}`,
        thread_ts: root.ts,
        channel_type: 'channel',
      },
    });
  }
  async function conversation(conversationId: string, text: string) {
    const control = await bot.userSays(
      { conversationId, user: { id: `u-${conversationId}`, name: 'Uma' }, team: { id: 't-acme', name: 'Acme' } },
      text,
    );
    await rootOf(conversationId);
    await eventually(taskOf.bind(null, conversationId), Boolean, 30000, `the task of ${conversationId}`);
    return control;
  }
  const control = async (conversationId: string) =>
    (await (
      await fetch(status(`/v1/conversations/${conversationId}/control`), {
        headers: { authorization: `Bearer ${API_KEY}` },
      })
    ).json()) as { control: string; operator?: string };

  it('serves what becomes of Slack and Asana deliveries as 0 from start-up (first: before any delivery)', async () => {
    const scrape = await (await fetch(status('/metrics'))).text();
    const zero = (topic: string, outcome: string) =>
      new RegExp(`^switchboard_events_total\\{[^}]*topic="${topic}",outcome="${outcome}"[^}]*\\} 0$`, 'm');
    for (const outcome of ['ok', 'duplicate', 'explained', 'ignored', 'refused', 'rejected'])
      expect(scrape).toMatch(zero('slack', outcome));
    for (const outcome of ['ok', 'own', 'ignored', 'duplicate', 'rejected'])
      expect(scrape).toMatch(zero('asana', outcome));
  });

  it('takes signed button clicks, once each, and refuses unsigned, stale and tampered ones', async () => {
    await conversation('conv-buttons', 'I want a refund');
    const body = click('conv-buttons', 'sb_reviewed', '1700000000.000100');

    expect((await postClick(body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    const stale = await postClick(
      body,
      signed(body, 'application/x-www-form-urlencoded', Math.floor(Date.now() / 1000) - 600),
    );
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toContain('5 minutes');
    const headers = signed(body, 'application/x-www-form-urlencoded');
    expect((await postClick(body.replace('sb_reviewed', 'sb_spam'), headers)).status).toBe(401);

    expect((await postClick(body, headers)).status).toBe(200);
    expect((await postClick(body, headers)).status).toBe(200); // Slack delivering it again: handled once

    // The notifier re-renders the root with who reviewed it; the ticketer records it on the task.
    const root = await eventually(
      () => rootOf('conv-buttons'),
      (m) => /review/i.test(JSON.stringify(m.blocks ?? m.text)) && m.history.length > 0,
      30000,
      'the root updated',
    );
    expect(root.history.length).toBeGreaterThan(0); // chat.update of the root, not a new message
    const task = await eventually(
      () => taskOf('conv-buttons'),
      (t) => Boolean(t?.stories.some((s) => /review/i.test(s.text))),
      30000,
      'the task told',
    );
    expect(task!.stories.filter((s) => /review/i.test(s.text))).toHaveLength(1);
  });

  it('sends a thread reply to the bot as the bot, keeps a note: reply internal, and says human while taken over', async () => {
    expect(await conversation('conv-thread', 'my order never came')).toBe('bot');
    const root = await rootOf('conv-thread');

    const reply = threadReply(root, 'Hi Uma, I am looking into it &amp; will be back', 'Ev0001');
    const res = await postEvent(reply);
    expect(res.status).toBe(200);
    // Slack retries the same event: it is handled once.
    await fetch(status('/slack/events'), {
      method: 'POST',
      headers: { ...signed(reply, 'application/json'), 'x-slack-retry-num': '1' },
      body: reply,
    });

    const delivered = await eventually(
      async () => bot.received.filter((m) => m.conversationId === 'conv-thread'),
      (m) => m.length >= 1,
      30000,
      'the bot to receive the reply',
    );
    expect(delivered[0].text).toBe('Hi Uma, I am looking into it & will be back');
    expect(delivered[0].operator.source).toBe('slack');

    // Replying took the conversation over: ingress and the control API say so, and the bot stays silent.
    expect((await control('conv-thread')).control).toBe('human');
    const saidBefore = bot.said.get('conv-thread')?.length ?? 0;
    expect(
      await bot.userSays({ conversationId: 'conv-thread', user: { id: 'u-conv-thread', name: 'Uma' } }, 'thanks'),
    ).toBe('human');
    expect(bot.said.get('conv-thread')?.length ?? 0).toBe(saidBefore);

    const note = threadReply(root, 'note: customer is a VIP, refund approved', 'Ev0002');
    expect((await postEvent(note)).status).toBe(200);
    await eventually(
      () => taskOf('conv-thread'),
      (t) => Boolean(t?.stories.some((s) => s.text.includes('customer is a VIP'))),
      30000,
      'the note on the task',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.received.filter((m) => m.text.includes('VIP'))).toHaveLength(0);
    expect(bot.received.filter((m) => m.conversationId === 'conv-thread')).toHaveLength(1);

    // Hand back: the bot is in control again.
    const handBack = click('conv-thread', 'sb_handback');
    expect((await postClick(handBack, signed(handBack, 'application/x-www-form-urlencoded'))).status).toBe(200);
    expect((await control('conv-thread')).control).toBe('bot');
    expect(
      await bot.userSays({ conversationId: 'conv-thread', user: { id: 'u-conv-thread', name: 'Uma' } }, 'hello?'),
    ).toBe('bot');
  });

  it('answers Slack url_verification and refuses a body that is not JSON', async () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123' });
    const res = await fetch(status('/slack/events'), {
      method: 'POST',
      headers: signed(challenge, 'application/json'),
      body: challenge,
    });
    expect(await res.json()).toEqual({ challenge: 'abc123' });
    const bad = '{"type":';
    const broken = await fetch(status('/slack/events'), {
      method: 'POST',
      headers: signed(bad, 'application/json'),
      body: bad,
    });
    expect(broken.status).toBe(400);
  });

  it('registers the Asana webhook, checks its signature, and closes the conversation when the task is completed', async () => {
    await conversation('conv-asana', 'please cancel my plan');
    // The handshake happened at start-up; a handshake nobody asked for is refused.
    const planted = await fetch(status('/asana/webhook'), {
      method: 'POST',
      headers: { 'x-hook-secret': 'attacker' },
      body: '',
    });
    expect(planted.status).toBe(403);
    const forged = JSON.stringify({ events: [] });
    const unsigned = await fetch(status('/asana/webhook'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hook-signature': createHmac('sha256', 'attacker').update(forged).digest('hex'),
      },
      body: forged,
    });
    expect(unsigned.status).toBe(401);

    const task = (await taskOf('conv-asana'))!;
    // Our own token's changes (the ticketer's) coming back are not an operator's: completing and reopening the task
    // as the system changes nothing. (Acting on them let a late echo undo a later change, and the two flip for ever.)
    const ownChanges = async () =>
      Number(
        /switchboard_events_total\{[^}]*topic="asana"[^}]*outcome="own"[^}]*\} (\d+)/.exec(
          await (await fetch(status('/metrics'))).text(),
        )?.[1] ?? 0,
      );
    const asOurselves = async (completed: boolean) => {
      const before = await ownChanges();
      const put = await fetch(`${sandbox.asanaBaseUrl}/tasks/${task.gid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer asana-status-bot' },
        body: JSON.stringify({ data: { completed } }),
      });
      expect(put.status).toBe(200);
      await eventually(ownChanges, (n) => n > before, 30000, 'our own change to be seen and passed over');
    };
    await asOurselves(true);
    expect(/closed/i.test(JSON.stringify((await rootOf('conv-asana')).blocks))).toBe(false);
    await asOurselves(false);

    const done = await fetch(`${sandbox.asanaBaseUrl}/tasks/${task.gid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Bearer asana-user' },
      body: JSON.stringify({ data: { completed: true } }),
    });
    expect(done.status).toBe(200);
    // The conversation is closed: the Slack root says so.
    await eventually(
      () => rootOf('conv-asana'),
      (m) => /closed/i.test(JSON.stringify(m.blocks ?? m.text)),
      30000,
      'the root to say closed',
    );
  });

  it('needs a login for the console, shows the transcript, and sends a reply from it to the bot', async () => {
    await conversation('conv-console', 'is anyone there? <script>alert(1)</script>');
    // The console shows conversations by Switchboard's (bot-scoped) id.
    const consolePath = encodeURIComponent(scoped('conv-console'));
    const page = await fetch(status(`/console/conversations/${consolePath}`), { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toContain('/console/login');
    expect((await fetch(status(`/console/conversations/${consolePath}/stream`))).status).toBe(401);

    const wrong = await fetch(status('/console/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'olivia', password: 'nope' }).toString(),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(status('/console/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        login: 'olivia',
        password: PASSWORD,
        next: `/console/conversations/${consolePath}`,
      }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect(login.headers.get('set-cookie')).toContain('HttpOnly');

    // The task's Slack link goes through the console's sign-in to the conversation's message in Slack.
    const slackLink = /^Slack thread: (\S+)$/m.exec((await taskOf('conv-console'))!.notes)![1];
    expect(slackLink).toBe(status(`/console/conversations/${consolePath}/slack`));
    const anonymous = await fetch(slackLink, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(
      `/console/login?next=${encodeURIComponent(`/console/conversations/${consolePath}/slack`)}`,
    );
    const root = await rootOf('conv-console');
    const toSlack = await fetch(slackLink, { headers: { cookie }, redirect: 'manual' });
    expect(toSlack.status).toBe(303);
    expect(toSlack.headers.get('location')).toMatch(
      new RegExp(`/slack/archives/${root.channel_id}/p${root.ts.replace('.', '')}$`),
    );
    // And the Slack message's Asana link goes to the task the same way.
    const taskLink = /<([^|>]+)\|Asana task>/.exec(JSON.stringify(root.blocks))![1];
    expect(taskLink).toBe(status(`/console/conversations/${consolePath}/task`));
    const toAsana = await fetch(taskLink, { headers: { cookie }, redirect: 'manual' });
    expect(toAsana.status).toBe(303);
    expect(toAsana.headers.get('location')).toMatch(
      new RegExp(`/asana/0/\\d+/${(await taskOf('conv-console'))!.gid}$`),
    );
    const unknown = await fetch(status('/console/conversations/no-such-conversation/slack'), { headers: { cookie } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No such conversation');

    const html = await eventually(
      async () => (await fetch(status(`/console/conversations/${consolePath}`), { headers: { cookie } })).text(),
      (text) => text.includes('is anyone there?'),
      30000,
      'the transcript on the page',
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];

    const noCsrf = await fetch(status(`/console/conversations/${consolePath}/messages`), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text: 'hello' }).toString(),
      redirect: 'manual',
    });
    expect(noCsrf.status).toBe(403);

    const sent = await fetch(status(`/console/conversations/${consolePath}/messages`), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text: 'Hello from the console', _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    expect(sent.status).toBe(303);
    await eventually(
      async () => bot.received.filter((m) => m.text === 'Hello from the console'),
      (m) => m.length === 1,
      30000,
      'the bot to receive the console reply',
    );
    expect((await control('conv-console')).control).toBe('human');
    const after = await eventually(
      async () => (await fetch(status(`/console/conversations/${consolePath}`), { headers: { cookie } })).text(),
      (text) => text.includes('delivered to the bot'),
      30000,
      'the delivery shown',
    );
    expect(after).toContain('Hello from the console');
  });
});
