// The console's queue page, pure: the least time left first (overdue on top), time left in words, and every
// text from a user or a bot escaped.
import { queueBody, timeLeft } from '../../src/console/queue-page';
import type { ConversationSummary } from '../../src/conversation/conversation-state';

const NOW = 1_800_000_000_000;
const summary = (over: Partial<ConversationSummary>) =>
  ({ userName: 'Ann', teamName: 'Acme', priority: 'urgent', lastText: '', ...over }) as ConversationSummary;

describe('the queue page', () => {
  it('says how much time is left, or how long overdue', () => {
    expect(timeLeft(NOW + 3 * 60_000, NOW)).toBe('in 3 min');
    expect(timeLeft(NOW - 125 * 60_000, NOW)).toBe('overdue by 2 h 5 min');
    expect(timeLeft(NOW + 30_000, NOW)).toBe('in 30 s');
  });

  it('lists the least time left first and escapes what users wrote', () => {
    const html = queueBody(
      [
        {
          conversationId: 'bot:later',
          clock: 'review',
          deadlineMs: NOW + 600_000,
          summary: summary({ userName: 'Bo' }),
        },
        {
          conversationId: 'bot:<late>',
          clock: 'reply',
          deadlineMs: NOW - 60_000,
          summary: summary({ userName: '<script>alert(1)</script>', lastText: '<b>hello</b>' }),
        },
      ],
      NOW,
    );
    expect(html.indexOf('overdue by 1 min')).toBeLessThan(html.indexOf('in 10 min'));
    expect(html).toContain('<tr class="overdue">');
    expect(html).toContain('href="/console/conversations/bot%3A%3Clate%3E"');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; (Acme)');
    expect(html).toContain('&lt;b&gt;hello&lt;/b&gt;');
    expect(html).not.toContain('<script>');
  });

  it('says so when nothing waits', () => {
    expect(queueBody([], NOW)).toContain('Nothing is waiting.');
  });
});
