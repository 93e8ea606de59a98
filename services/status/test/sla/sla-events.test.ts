// The events the clocks publish, pure: ids derived from exactly conversation, clock, cycle, level and repeat
// (so a republished step is a duplicate downstream), what a breach carries, and the transcript's lines.
import { StatusChange } from '@switchboard/proto';
import { breachEvent, deadlineEvent, slaEventIds, slaLine } from '../../src/sla/sla-events';
import type { ClockPlan } from '../../src/sla/schedule';

const plan: ClockPlan = {
  policy: 'urgent',
  withinMs: 300_000,
  repeatEveryMs: 600_000,
  escalate: [{ afterMs: 900_000, mention: ['<!subteam^S1>'], broadcast: true, channel: '#leads' }],
};
const T = Date.parse('2026-06-15T07:00:00Z');

describe('SLA events', () => {
  it('derives a breach id from conversation, clock, cycle, level and repeat only', () => {
    const input = {
      conversationId: 'bot:c1',
      clock: 'review' as const,
      cycle: 2,
      plan,
      priority: 'urgent',
      startedMs: T,
      deadlineMs: T + 300_000,
    };
    const a = breachEvent({ ...input, step: { level: 1, repeat: 0, offsetMs: 1_200_000 } }, T + 1_200_000);
    const b = breachEvent({ ...input, step: { level: 1, repeat: 0, offsetMs: 1_200_000 } }, T + 9_999_999);
    expect(a.eventId).toBe('sla:bot:c1:review:2:breach:1:0');
    expect(b.eventId).toBe(a.eventId);
    expect(a.change).toBe(StatusChange.SLA_BREACHED);
    expect(a.sla).toMatchObject({
      clock: 'review',
      cycle: 2,
      level: 1,
      repeat: 0,
      policy: 'urgent',
      mention: ['<!subteam^S1>'],
      broadcast: true,
      channel: '#leads',
    });
    expect(slaLine(a)).toBe('review escalation level 1 (SLA policy urgent)');
    const reminder = breachEvent({ ...input, step: { level: 0, repeat: 2, offsetMs: 2_100_000 } }, T);
    expect(reminder.sla?.mention).toEqual(['<!subteam^S1>']); // the level reached before it
    expect(slaLine(reminder)).toBe('review reminder 2 (SLA policy urgent)');
  });

  it('marks a start with its deadline and a stop without one', () => {
    const run = {
      conversationId: 'bot:c1',
      clock: 'reply' as const,
      cycle: 1,
      policy: 'urgent',
      priority: 'high',
      startedMs: T,
    };
    const started = deadlineEvent(run, T + 120_000, T);
    const stopped = deadlineEvent(run, null, T + 60_000);
    expect([started.eventId, stopped.eventId]).toEqual([
      slaEventIds.deadline('bot:c1', 'reply', 1),
      'sla:bot:c1:reply:1:stopped',
    ]);
    expect(slaLine(started)).toBe('reply due by 2026-06-15T07:02:00.000Z (SLA policy urgent)');
    expect(slaLine(stopped)).toBe('reply clock stopped');
  });
});
