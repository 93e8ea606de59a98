// The console's link to a conversation in Slack (the task's "Slack thread" line): where it may redirect, and
// the page for a conversation not posted yet.
import { notInSlackPage } from '../../src/console/console-html';
import { slackDestination } from '../../src/console/conversation-routes';

const user = { name: 'Olga', csrf: 'c', canSignOut: true, formId: () => 'f'.repeat(16) };

describe('the console link to Slack', () => {
  it('redirects only to an http(s) permalink', () => {
    expect(slackDestination('https://acme.slack.com/archives/C1/p123')).toBe('https://acme.slack.com/archives/C1/p123');
    expect(slackDestination('http://127.0.0.1:4000/slack/archives/C1/p1')).toBe(
      'http://127.0.0.1:4000/slack/archives/C1/p1',
    );
    for (const stored of [undefined, '', 'javascript:alert(1)', 'data:text/html,x', '//evil.example/x', 'not a url'])
      expect(slackDestination(stored)).toBeUndefined();
  });

  it('says a conversation is not in Slack yet, with its id escaped and a link to its transcript', () => {
    const html = notInSlackPage(user, 'bot:<b>1</b>');
    expect(html).toContain('Not in Slack yet');
    expect(html).toContain('<code>bot:&lt;b&gt;1&lt;/b&gt;</code>');
    expect(html).toContain('href="/console/conversations/bot%3A%3Cb%3E1%3C%2Fb%3E"');
  });
});
