// The console's links to a conversation's place in Slack and to its Asana task (the task's "Slack thread" line,
// the Slack message's "Asana task"): where they may redirect, and the page for one not made yet.
import { isHttpUrl, notYetPage } from '../../src/console/console-html';

const user = { name: 'Olga', csrf: 'c', canSignOut: true, formId: () => 'f'.repeat(16) };

describe('the console links to Slack and Asana', () => {
  it('redirect only to an http(s) URL', () => {
    for (const stored of [
      'https://acme.slack.com/archives/C1/p123',
      'https://app.asana.com/0/1/42',
      'http://127.0.0.1:4000/slack/archives/C1/p1',
    ])
      expect(isHttpUrl(stored)).toBe(true);
    for (const stored of [undefined, '', 'javascript:alert(1)', 'data:text/html,x', '//evil.example/x', 'not a url'])
      expect(isHttpUrl(stored)).toBe(false);
  });

  it('say a conversation is not in Slack, or has no task, yet, with its id escaped and a link to its transcript', () => {
    const slack = notYetPage(user, 'bot:<b>1</b>', 'slack');
    expect(slack).toContain('Not in Slack yet');
    expect(slack).toContain('<code>bot:&lt;b&gt;1&lt;/b&gt;</code>');
    expect(slack).toContain('href="/console/conversations/bot%3A%3Cb%3E1%3C%2Fb%3E"');
    const task = notYetPage(user, 'bot:<b>1</b>', 'task');
    expect(task).toContain('No Asana task yet');
    expect(task).toContain('<code>bot:&lt;b&gt;1&lt;/b&gt;</code>');
  });
});
