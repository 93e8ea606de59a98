// Ephemeral messages as Slack has them: blocks checked like any message's, shown on the page to the one user
// who sees them, and their buttons clicked only by that user, with `container.is_ephemeral` and no `message` in the
// payload. Also the image block checks (an image Slack cannot download makes it refuse the message).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebClient } from '@slack/web-api';
import { startSandbox, type RunningSandbox } from '../../src';
import { slackClient } from '../clients';

describe('ephemeral messages', () => {
  let sandbox: RunningSandbox;
  let slack: WebClient;
  let server: Server;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks).toString());
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = await startSandbox({
      port: 0,
      slack: { interactivityUrl: `${url}/slack/interactions`, signingSecret: 'ephemeral-secret' },
    });
    slack = slackClient(sandbox, 'xoxb-ephemeral');
  });

  afterAll(async () => {
    await sandbox.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const question = [
    { type: 'section', text: { type: 'mrkdwn', text: 'Send this reply?' } },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'sb_reply_send', value: 'pending-1', text: { type: 'plain_text', text: 'Send' } },
      ],
    },
  ];

  it('keeps blocks and thread, shows them on the page, and clicks them as the user who sees them', async () => {
    const posted = await slack.chat.postEphemeral({
      channel: '#triage',
      user: 'U0SANDBOXOP1',
      text: 'Send this reply?',
      blocks: question,
      thread_ts: '1700000000.000100',
    });
    const ts = posted.message_ts!;
    const [stored] = (await (await fetch(`${sandbox.url}/_sandbox/slack/ephemeral`)).json()) as {
      ts: string;
      threadTs: string;
      blocks: unknown[];
    }[];
    expect(stored).toMatchObject({ ts, threadTs: '1700000000.000100', blocks: question });
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain('only visible to you');
    expect(page).toContain('Send this reply?');

    const clickAs = async (userId: string) =>
      fetch(`${sandbox.url}/_sandbox/slack/click`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: '#triage', ts, actionId: 'sb_reply_send', userId }),
      });
    // Nobody else sees it, so nobody else can click it.
    expect((await clickAs('U0SOMEONEELSE')).status).toBe(404);
    const click = await clickAs('U0SANDBOXOP1');
    expect(((await click.json()) as { ok: boolean }).ok).toBe(true);
    const payload = JSON.parse(new URLSearchParams(received[received.length - 1]).get('payload')!) as {
      user: { id: string };
      container: { is_ephemeral: boolean; message_ts: string };
      message?: unknown;
      actions: { action_id: string; value: string }[];
    };
    expect(payload.user.id).toBe('U0SANDBOXOP1');
    expect(payload.container).toMatchObject({ is_ephemeral: true, message_ts: ts });
    expect(payload.message).toBeUndefined();
    expect(payload.actions[0]).toMatchObject({ action_id: 'sb_reply_send', value: 'pending-1' });
  });

  it('refuses ephemeral blocks Slack would refuse', async () => {
    await expect(
      slack.chat.postEphemeral({
        channel: '#triage',
        user: 'U0SANDBOXOP1',
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '' } }],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('takes image blocks with an http(s) URL and alt text, and refuses one it cannot download', async () => {
    const image = (url: string) => ({ type: 'image', image_url: url, alt_text: 'cat' });
    await expect(
      slack.chat.postMessage({ channel: '#triage', text: 'cat', blocks: [image('https://files.example/cat.png')] }),
    ).resolves.toMatchObject({ ok: true });
    await expect(
      slack.chat.postMessage({ channel: '#triage', text: 'cat', blocks: [image('https://images.invalid/cat.png')] }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    await expect(
      slack.chat.postMessage({ channel: '#triage', text: 'cat', blocks: [image('javascript:alert(1)')] }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });
});
