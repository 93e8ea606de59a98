// How Slack shows a deadline clock, pure: the wait on the root until an operator acts, the reminder's title,
// and the policy's mentions passed through only in Slack's mention forms.
import { create, StatusChange, StatusEventSchema, timestampFromMs } from '@switchboard/proto';
import { breachTitle, mentionText, waitedText, waitedWords, withDeadline } from '../src/sla-view';

const M = 60_000;
const NOW = 10_000_000_000;

describe('the wait a conversation shows', () => {
  const sla = { clock: 'review', sinceMs: NOW - 17 * M, deadlineMs: NOW + 3 * M };

  it('says how long it has waited and how long is left, then that the deadline passed', () => {
    expect(waitedText({ sla }, NOW)).toBe('unreviewed for 17 min · due in 3 min');
    expect(waitedText({ sla: { ...sla, breached: true } }, NOW)).toBe('unreviewed for 17 min · deadline passed');
    expect(waitedText({ sla: { ...sla, clock: 'reply' } }, NOW + 4 * M)).toBe(
      'waiting for a reply for 21 min · deadline passed',
    );
  });

  it('says nothing once an operator acted, even before the clock’s stop arrives', () => {
    expect(waitedText({ sla, reviewedBy: 'Xavier' }, NOW)).toBe('');
    expect(waitedText({ sla, takenOverBy: 'Zoe' }, NOW)).toBe('');
    expect(waitedText({ sla, closedBy: 'Zoe' }, NOW)).toBe('');
    expect(waitedText({ sla: { ...sla, clock: 'reply' }, reviewedBy: 'Xavier' }, NOW)).not.toBe('');
    expect(waitedText({}, NOW)).toBe('');
  });

  it('puts words on waits', () => {
    expect([40_000, 17 * M, 185 * M, 50 * 60 * M].map(waitedWords)).toEqual(['40 s', '17 min', '3 h 5 min', '2 d 2 h']);
  });

  it('keeps the clock from SLA_DEADLINE and drops it on the stop of that clock only', () => {
    const started = create(StatusEventSchema, {
      change: StatusChange.SLA_DEADLINE,
      sla: { clock: 'review', deadline: timestampFromMs(NOW), started: timestampFromMs(NOW - M) },
    });
    const view = withDeadline({}, started);
    expect(view.sla).toEqual({ clock: 'review', sinceMs: NOW - M, deadlineMs: NOW });
    const otherStopped = create(StatusEventSchema, { change: StatusChange.SLA_DEADLINE, sla: { clock: 'reply' } });
    expect(withDeadline(view, otherStopped).sla).toBeDefined();
    const stopped = create(StatusEventSchema, { change: StatusChange.SLA_DEADLINE, sla: { clock: 'review' } });
    expect(withDeadline(view, stopped).sla).toBeUndefined();
  });
});

describe('a breach in words', () => {
  it.each([
    [{ level: 0, repeat: 0, clock: 'review' }, 'Review deadline passed'],
    [{ level: 0, repeat: 2, clock: 'review' }, 'Review reminder 2'],
    [{ level: 1, repeat: 0, clock: 'reply' }, 'Reply escalation, level 1'],
  ])('calls %p "%s"', (sla, title) => {
    expect(breachTitle(create(StatusEventSchema, { change: StatusChange.SLA_BREACHED, sla }))).toBe(title);
  });

  it('passes Slack mentions through and escapes anything else', () => {
    expect(mentionText(['<!subteam^S0123>', '<@U0456>', '<!here>'])).toBe('<!subteam^S0123> <@U0456> <!here>');
    expect(mentionText(['<https://evil|click>', '@oncall'])).toBe('&lt;https://evil|click&gt; @oncall');
  });
});
