// The sandbox page: the triage channel and the Asana tasks as HTML, with every piece of user text escaped.
import type { WebClient } from '@slack/web-api';
import { startSandbox, type RunningSandbox } from '../src';
import { type AsanaClient, asanaClient, slackClient } from './clients';

describe('sandbox page', () => {
  let sandbox: RunningSandbox;
  let slack: WebClient;
  let asana: AsanaClient;

  const page = async (path = '/') => {
    const response = await fetch(`${sandbox.url}${path}`);
    expect(response.headers.get('content-type')).toContain('text/html');
    return response.text();
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    slack = slackClient(sandbox, 'xoxb-test');
    asana = asanaClient(sandbox, 'test-pat');
  });
  afterAll(() => sandbox.close());
  beforeEach(() => fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' }));

  it('escapes <script> in message text, blocks and task names', async () => {
    await slack.chat.postMessage({
      channel: '#triage',
      text: '<script>alert("text")</script>',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '<script>alert("block")</script>' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'x', text: { type: 'plain_text', text: '<img src=x onerror=alert(1)>' } },
          ],
        },
      ],
    });
    await asana.tasks.createTask(
      { data: { name: '<script>alert("task")</script>', projects: ['1200000000000001'] } },
      {},
    );

    for (const html of [await page('/'), await page('/?fragment=1')]) {
      expect(html).not.toMatch(/<script>alert/);
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;script&gt;alert(&quot;text&quot;)&lt;/script&gt;');
      expect(html).toContain('&lt;script&gt;alert(&quot;block&quot;)&lt;/script&gt;');
      expect(html).toContain('&lt;script&gt;alert(&quot;task&quot;)&lt;/script&gt;');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    // Only the page's own refresh script.
    expect((await page('/')).match(/<script>/g)).toHaveLength(1);
    expect(await page('/?fragment=1')).not.toContain('<script>');
  });

  it('shows the triage channel with threads and buttons, and the tasks with tags, completion and comments', async () => {
    const root = await slack.chat.postMessage({
      channel: '#triage',
      text: 'Ann (Acme): hi',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*Ann* (Acme): hi' } },
        {
          type: 'actions',
          elements: ['Reviewed', 'Spam', 'Take over'].map((label) => ({
            type: 'button',
            action_id: label,
            text: { type: 'plain_text', text: label },
          })),
        },
      ],
    });
    await slack.chat.postMessage({ channel: root.channel!, thread_ts: root.ts!, text: 'are you there?' });
    const task = (
      await asana.tasks.createTask({ data: { name: 'Ann (Acme): hi', projects: ['1200000000000001'] } }, {})
    ).data;
    const tag = (await asana.tags.createTag({ data: { name: 'refund', workspace: '1100000000000001' } }, {})).data;
    await asana.tasks.addTagForTask({ data: { tag: tag.gid } }, task.gid);
    await asana.tasks.updateTask({ data: { completed: true } }, task.gid, {});

    const html = await page('/');
    expect(html).toContain('#triage');
    for (const label of ['Reviewed', 'Spam', 'Take over'])
      expect(html).toContain(`<button type="submit" class="button" title="action_id ${label}">${label}</button>`);
    expect(html).toMatch(/<div class="thread">[\s\S]*are you there\?/);
    expect(html).toContain(`id="task-${task.gid}"`);
    expect(html).toContain('<span class="tag">refund</span>');
    expect(html).toContain('task done');
    expect(html).toContain('marked this task complete');
  });

  it('shows mrkdwn as Slack does, and plain_text as typed', async () => {
    await slack.chat.postMessage({
      channel: '#triage',
      text: ':rotating_light: *URGENT* <https://console.example/c/1|Ann> wrote <!date^1700000000^{date_short} {time}|2023-11-14 22:13 UTC>',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '*not bold* in a header' } },
        { type: 'section', text: { type: 'mrkdwn', text: '_refund_ asked by <@U123> in <#C1|support> &lt;b&gt;' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '~old~ `code`' }] },
      ],
    });
    const html = await page('/?fragment=1');
    expect(html).toContain(
      '🚨 <strong>URGENT</strong> <a href="https://console.example/c/1" rel="noopener noreferrer" target="_blank">Ann</a> wrote <span class="date" title="2023-11-14 22:13 UTC (shown in UTC)">Nov 14, 2023 10:13 PM</span>',
    );
    expect(html).toContain('<div class="text">*not bold* in a header</div>');
    expect(html).toContain(
      '<em>refund</em> asked by <span class="mention">@u123</span> in <span class="mention">#support</span> &lt;b&gt;',
    );
    expect(html).toContain('<div class="context"><del>old</del> <code>code</code></div>');
  });
});
