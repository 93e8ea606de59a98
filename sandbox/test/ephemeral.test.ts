// Ephemeral messages with buttons: chat.postEphemeral keeps the blocks, the page shows them to their user only,
// and a click on one reaches the app signed, as Slack sends it (container.is_ephemeral, no message); nobody
// else can click it.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../src';
import { SANDBOX_OPERATOR_ID } from '../src/slack/workspace';
import { slackClient } from './clients';

const SECRET = 'ephemeral-signing-secret';

describe('ephemeral messages', () => {
  let sandbox: RunningSandbox;
  let server: Server;
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = await startSandbox({
      port: 0,
      slack: { interactivityUrl: `${url}/slack/interactions`, signingSecret: SECRET },
    });
  });
  afterAll(async () => {
    await sandbox.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const choice = [
    { type: 'section', text: { type: 'plain_text', text: 'Mark what as spam?' } },
    {
      type: 'actions',
      block_id: 'sb_spam_scope',
      elements: [
        { type: 'button', action_id: 'sb_spam_user', value: 'bot:c1', text: { type: 'plain_text', text: 'This user' } },
      ],
    },
  ];
  const click = (ts: string, userId?: string) =>
    fetch(`${sandbox.url}/_sandbox/slack/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: '#triage', ts, actionId: 'sb_spam_user', ...(userId ? { userId } : {}) }),
    });

  it('sends a click on an ephemeral message to the app as Slack does, and lets only its user click', async () => {
    const slack = slackClient(sandbox, 'xoxb-ephemeral');
    await slack.chat.postMessage({ channel: '#triage', text: 'a root' });
    const posted = await slack.chat.postEphemeral({
      channel: '#triage',
      user: SANDBOX_OPERATOR_ID,
      text: 'Mark what as spam?',
      blocks: choice,
    });
    const ts = posted.message_ts!;

    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain('only visible to you');
    expect(page).toContain('name="actionId" value="sb_spam_user"');

    const refused = await click(ts, 'U0SOMEONE2');
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { detail: string }).detail).toContain(`visible to ${SANDBOX_OPERATOR_ID} only`);

    const res = await click(ts);
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    const at = String(headers['x-slack-request-timestamp']);
    expect(headers['x-slack-signature']).toBe(
      `v0=${createHmac('sha256', SECRET).update(`v0:${at}:${body}`).digest('hex')}`,
    );
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as Record<string, unknown>;
    expect(payload.container).toMatchObject({ message_ts: ts, is_ephemeral: true });
    expect(payload.message).toBeUndefined();
    expect(payload.user).toMatchObject({ id: SANDBOX_OPERATOR_ID });
    expect(payload.actions).toEqual([expect.objectContaining({ action_id: 'sb_spam_user', value: 'bot:c1' })]);
  });

  it('refuses blocks that are not Block Kit, as Slack does', async () => {
    const slack = slackClient(sandbox, 'xoxb-ephemeral');
    await expect(
      slack.chat.postEphemeral({ channel: '#triage', user: SANDBOX_OPERATOR_ID, text: 'x', blocks: [{} as never] }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });
});
