// Close, Reopen and Assign to me through the whole system (real Kafka, real Redis, the five services as
// processes, the sandbox for Slack and Asana): signed clicks complete and reopen the task and re-render the
// root; the owner shows on the root, in the console and as the task's assignee; a user writing again on a
// closed conversation reopens it on every surface; the console offers the same actions and an internal note.
import type { ExampleBot } from '@switchboard/example-bot';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { eventually } from '../../../test/support/services';
import { startOperatorSystem, type OperatorSystem } from '../../../test/support/operator-system';
import { signedHeaders } from '../../../test/support/slack';

const API_KEY = 'actions-key-0123456789abcdef';
const SIGNING_SECRET = 'actions-test-signing-secret';
const WEBHOOK_SECRET = 'actions-test-bot-webhook-secret';
const PASSWORD = 'correct horse battery staple';
/** A sandbox Slack operator whose email the sandbox Asana workspace knows. */
const OLIVIA = { id: 'U0SANDBOXOP1', name: 'Olivia Operator', email: 'olivia@example.test' };

jest.setTimeout(240000);

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: { type: string; elements?: { action_id?: string }[] }[];
  history: unknown[];
}
interface SandboxTask {
  gid: string;
  notes: string;
  completed: boolean;
  assignee_email: string | null;
  stories: { type: string; text: string }[];
}

describe('close, reopen and assign, everywhere', () => {
  let whole: OperatorSystem;
  let bot: ExampleBot;
  let cookie = '';

  beforeAll(async () => {
    whole = await startOperatorSystem({
      bot: 'actions-bot',
      apiKey: API_KEY,
      signingSecret: SIGNING_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      password: PASSWORD,
      channel: '#triage-actions',
    });
    ({ bot } = whole);
    cookie = await whole.login();
  });

  afterAll(async () => {
    await whole?.stop();
  });

  const status = (path: string) => whole.status(path);
  const scoped = (conversationId: string) => whole.scoped(conversationId);
  const taskOf = (conversationId: string) => whole.taskOf<SandboxTask>(conversationId);
  const comments = (t: SandboxTask | undefined) =>
    (t?.stories ?? []).filter((s) => s.type === 'comment').map((s) => s.text);
  const rootNow = (conversationId: string) => whole.rootOf<SandboxMessage>(conversationId);
  const buttons = (m: SandboxMessage | undefined) =>
    (m?.blocks ?? []).find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id) ?? [];
  const rootUntil = (conversationId: string, ok: (m: SandboxMessage) => boolean, what: string) =>
    eventually(
      () => rootNow(conversationId),
      (m) => m !== undefined && ok(m),
      30000,
      what,
    ) as Promise<SandboxMessage>;
  const taskUntil = (conversationId: string, ok: (t: SandboxTask) => boolean, what: string) =>
    eventually(
      () => taskOf(conversationId),
      (t) => t !== undefined && ok(t),
      30000,
      what,
    ) as Promise<SandboxTask>;

  const signed = (body: string, contentType: string) => signedHeaders(SIGNING_SECRET, body, contentType);
  async function click(conversationId: string, actionId: string, userId = OLIVIA.id): Promise<number> {
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: 'olivia', name: 'olivia', team_id: 'T0SANDBOX0' },
      actions: [
        {
          action_id: actionId,
          block_id: 'sb_conv_actions',
          value: scoped(conversationId),
          type: 'button',
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await fetch(status('/slack/interactions'), {
      method: 'POST',
      headers: signed(body, 'application/x-www-form-urlencoded'),
      body,
    });
    return res.status;
  }
  async function conversation(conversationId: string, text: string) {
    await bot.userSays(
      {
        conversationId,
        user: { id: `u-${conversationId}`, name: 'Uma' },
        team: { id: `t-${conversationId}`, name: 'Acme' },
      },
      text,
    );
    await rootUntil(conversationId, (m) => buttons(m).includes(SLACK_ACTION_IDS.close), 'the root with Close');
    await taskUntil(conversationId, () => true, `the task of ${conversationId}`);
  }
  const pagePath = (conversationId: string) => `/console/conversations/${encodeURIComponent(scoped(conversationId))}`;
  const page = async (conversationId: string) =>
    (await fetch(status(pagePath(conversationId)), { headers: { cookie } })).text();
  const pageUntil = (conversationId: string, ok: (html: string) => boolean, what: string) =>
    eventually(() => page(conversationId), ok, 30000, what);
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  async function form(path: string, fields: Record<string, string>, withCsrf = true): Promise<Response> {
    const csrf = withCsrf ? csrfOf(await (await fetch(status('/console'), { headers: { cookie } })).text()) : '';
    return fetch(status(path), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...(withCsrf ? { _csrf: csrf } : {}) }).toString(),
      redirect: 'manual',
    });
  }

  it('completes the task on a signed sb_close and shows Reopen on the root; sb_reopen reopens both', async () => {
    await conversation('conv-close', 'please close my ticket');
    expect(await click('conv-close', SLACK_ACTION_IDS.close)).toBe(200);

    const closed = await rootUntil(
      'conv-close',
      (m) => buttons(m).includes(SLACK_ACTION_IDS.reopen),
      'the root to offer Reopen',
    );
    expect(buttons(closed)).toEqual([SLACK_ACTION_IDS.reopen]);
    expect(JSON.stringify(closed.blocks)).toContain(`Closed by *${OLIVIA.name}*`);
    expect(closed.history.length).toBeGreaterThan(0); // chat.update of the root, not a new message
    await taskUntil('conv-close', (t) => t.completed, 'the task completed');
    await pageUntil('conv-close', (html) => html.includes('badge closed'), 'the console to say closed');

    expect(await click('conv-close', SLACK_ACTION_IDS.reopen)).toBe(200);
    const reopened = await rootUntil(
      'conv-close',
      (m) => buttons(m).includes(SLACK_ACTION_IDS.close),
      'the root to offer Close again',
    );
    expect(JSON.stringify(reopened.blocks)).toContain(`Reopened by *${OLIVIA.name}*`);
    const task = await taskUntil('conv-close', (t) => !t.completed, 'the task reopened');
    expect(comments(task).filter((c) => c.startsWith('Reopened'))).toEqual([`Reopened by ${OLIVIA.name}.`]);
  });

  it('shows the owner set by Assign to me on the root, in the console and as the task’s assignee', async () => {
    await conversation('conv-assign', 'who is handling this?');
    expect(await click('conv-assign', SLACK_ACTION_IDS.assignMe)).toBe(200);

    await rootUntil(
      'conv-assign',
      (m) => JSON.stringify(m.blocks).includes(`Owner: *${OLIVIA.name}*`),
      'the owner on the root',
    );
    const task = await taskUntil('conv-assign', (t) => t.assignee_email === OLIVIA.email, 'the task assigned');
    expect(comments(task)).toContain(`Owner: ${OLIVIA.name} (from Slack).`);
    const html = await pageUntil(
      'conv-assign',
      (text) => text.includes(`badge owner">owner ${OLIVIA.name}`),
      'the owner in the console',
    );
    expect(html).toContain(`${OLIVIA.name} is the owner now (from Slack)`);
    const list = await (await fetch(status('/console'), { headers: { cookie } })).text();
    expect(list).toContain(`owner ${OLIVIA.name}`);

    // Clicking it again changes nothing: no second assignment on the task.
    expect(await click('conv-assign', SLACK_ACTION_IDS.assignMe)).toBe(200);
    expect(await click('conv-assign', SLACK_ACTION_IDS.reviewed)).toBe(200);
    const reviewed = await taskUntil(
      'conv-assign',
      (t) => comments(t).some((c) => c.startsWith('Reviewed')),
      'reviewed',
    );
    expect(comments(reviewed).filter((c) => c.startsWith('Owner:'))).toHaveLength(1);
  });

  it('reopens a closed conversation on the console, the root and the task when the user writes again', async () => {
    await conversation('conv-again', 'thanks, bye');
    expect(await click('conv-again', SLACK_ACTION_IDS.close)).toBe(200);
    await rootUntil('conv-again', (m) => buttons(m).includes(SLACK_ACTION_IDS.reopen), 'closed on the root');
    await taskUntil('conv-again', (t) => t.completed, 'the task completed');

    await bot.userSays(
      { conversationId: 'conv-again', user: { id: 'u-conv-again', name: 'Uma' } },
      'wait, one more thing',
    );

    const root = await rootUntil(
      'conv-again',
      (m) => buttons(m).includes(SLACK_ACTION_IDS.close),
      'the root open again',
    );
    expect(JSON.stringify(root.blocks)).toContain('Reopened by *the user writing again*');
    const task = await taskUntil(
      'conv-again',
      (t) => !t.completed && comments(t).some((c) => c.includes('wait, one more thing')),
      'the task open again with the message',
    );
    const html = await pageUntil(
      'conv-again',
      (text) => text.includes('reopened: the user wrote again') && !text.includes('badge closed'),
      'the console open again',
    );
    // One reopening, however it travelled: the task's change coming back through the Asana webhook is ignored.
    await form(`${pagePath('conv-again')}/notes`, { text: 'sentinel after the reopen' });
    const after = await pageUntil('conv-again', (text) => text.includes('sentinel after the reopen'), 'the sentinel');
    expect(after.match(/reopened/g)).toHaveLength(html.match(/reopened/g)!.length);
    expect(after).not.toContain('reopened it');
    expect(comments(await taskOf('conv-again')).filter((c) => c.startsWith('Reopened'))).toEqual([
      'Reopened: the user wrote again.',
    ]);
    expect(comments(task).filter((c) => c.startsWith('Reopened'))).toHaveLength(1);
  });

  it('offers the same actions in the console, with the spam scope and an internal note', async () => {
    await conversation('conv-console', 'hello from the console test');
    const path = pagePath('conv-console');
    const html = await page('conv-console');
    for (const action of ['assign_me', 'close', 'spam', 'reviewed']) expect(html).toContain(`data-action="${action}"`);
    expect(html).toContain('name="scope" value="team"');
    expect(html).toContain(`action="${path}/notes"`);

    expect((await form(`${path}/actions`, { action: 'assign_me' }, false)).status).toBe(403);
    expect((await form(`${path}/actions`, { action: 'spam', scope: 'galaxy' })).status).toBe(400);
    expect((await form(`${path}/notes`, { text: '   ' })).status).toBe(400);
    expect((await form(`${path}/notes`, { text: 'x'.repeat(4001) })).status).toBe(400);

    expect((await form(`${path}/actions`, { action: 'assign_me' })).status).toBe(303);
    await rootUntil(
      'conv-console',
      (m) => JSON.stringify(m.blocks).includes('Owner: *olivia*'),
      'the console owner on the root',
    );
    await pageUntil('conv-console', (text) => text.includes('badge owner">owner olivia'), 'the owner in the console');

    expect((await form(`${path}/notes`, { text: 'called them <b>back</b>' })).status).toBe(303);
    const noted = await pageUntil(
      'conv-console',
      (text) => text.includes('called them &lt;b&gt;back&lt;/b&gt;'),
      'the note',
    );
    expect(noted).not.toContain('<b>back</b>');
    await taskUntil(
      'conv-console',
      (t) => comments(t).includes('Note from olivia: called them <b>back</b>'),
      'the note on the task',
    );

    expect((await form(`${path}/actions`, { action: 'spam', scope: 'team' })).status).toBe(303);
    await pageUntil('conv-console', (text) => text.includes('marked it as spam (the whole team)'), 'team spam line');
    await rootUntil('conv-console', (m) => buttons(m).includes(SLACK_ACTION_IDS.notSpam), 'spam on the root');
    expect((await form(`${path}/actions`, { action: 'not_spam', scope: 'team' })).status).toBe(303);
    await pageUntil('conv-console', (text) => text.includes('marked it as not spam (the whole team)'), 'not spam');

    expect((await form(`${path}/actions`, { action: 'close' })).status).toBe(303);
    await rootUntil('conv-console', (m) => buttons(m).includes(SLACK_ACTION_IDS.reopen), 'closed from the console');
    await taskUntil('conv-console', (t) => t.completed, 'the task completed from the console');
    expect((await form(`${path}/actions`, { action: 'reopen' })).status).toBe(303);
    await taskUntil('conv-console', (t) => !t.completed, 'the task reopened from the console');
  });

  it('makes the first human reply’s operator the owner, once', async () => {
    await conversation('conv-reply', 'is a human there?');
    const path = pagePath('conv-reply');
    expect((await form(`${path}/messages`, { text: 'Yes, Olivia here' })).status).toBe(303);
    await rootUntil('conv-reply', (m) => JSON.stringify(m.blocks).includes('Owner: *olivia*'), 'the replier as owner');
    await pageUntil('conv-reply', (text) => text.includes('olivia is the owner now (first reply)'), 'first reply line');
    expect((await form(`${path}/messages`, { text: 'Still here' })).status).toBe(303);
    const html = await pageUntil('conv-reply', (text) => text.includes('Still here'), 'the second reply');
    expect(html.match(/is the owner now/g)).toHaveLength(1);
  });
});
