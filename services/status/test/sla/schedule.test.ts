// The deadline arithmetic: durations, the back-off of reminders, escalation levels in order, what a step
// asks for, and business hours across a weekend and the DST changes of a time zone.
import { addBusinessTime, zonedInstant, type BusinessHours } from '../../src/sla/business-hours';
import { formatDuration, parseDuration } from '../../src/sla/duration';
import { asksOf, dueAtMs, firstStep, nextStep, type ClockPlan, type Step } from '../../src/sla/schedule';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('durations', () => {
  it.each([
    ['45s', 45 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['1d', 24 * H],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['15', '1.5h', '0m', '-1m', '2w', 'm', ''])('refuses %p', (text) => expect(parseDuration(text)).toBeNull());

  it('writes them back in the largest unit that divides them', () => {
    expect(formatDuration(90 * M)).toBe('90m');
    expect(formatDuration(2 * H)).toBe('2h');
  });
});

const plan: ClockPlan = {
  policy: 'urgent',
  withinMs: 5 * M,
  repeatEveryMs: 10 * M,
  maxRepeatEveryMs: H,
  escalate: [
    { afterMs: 15 * M, mention: ['<!subteam^S1>'], broadcast: true },
    { afterMs: 45 * M, mention: [], broadcast: false, channel: '#leads' },
    { afterMs: 2 * H, mention: [], broadcast: false, webhook: 'https://example.test/hook' },
  ],
};

const steps = (p: ClockPlan, count: number): Step[] => {
  const out: Step[] = [firstStep(p)];
  while (out.length < count) {
    const next = nextStep(p, out[out.length - 1]);
    if (!next) break;
    out.push(next);
  }
  return out;
};

describe('the steps of a breached clock', () => {
  it('reminds at the deadline, then backs off x2 up to the cap, with each level once in between', () => {
    expect(steps(plan, 10).map((s) => [s.level, s.repeat, s.offsetMs / M])).toEqual([
      [0, 0, 5], // the breach
      [0, 1, 15], // +10m
      [1, 0, 20], // the first level, 15m after the breach
      [0, 2, 35], // +20m
      [2, 0, 50], // 45m after the breach
      [0, 3, 75], // +40m
      [3, 0, 125], // 2h after the breach
      [0, 4, 135], // +60m (the cap)
      [0, 5, 195], // +60m
      [0, 6, 255],
    ]);
  });

  it('without repeat_every, fires the breach and each level once, then nothing', () => {
    const once = { ...plan, repeatEveryMs: undefined };
    expect(steps(once, 10).map((s) => [s.level, s.offsetMs / M])).toEqual([
      [0, 5],
      [1, 20],
      [2, 50],
      [3, 125],
    ]);
    expect(nextStep({ ...once, escalate: [] }, firstStep(once))).toBeNull();
  });

  it('puts a level before a reminder due at the same moment, and fires both', () => {
    const tied: ClockPlan = { ...plan, escalate: [{ afterMs: 10 * M, mention: ['<@U1>'], broadcast: false }] };
    expect(steps(tied, 4).map((s) => [s.level, s.repeat, s.offsetMs / M])).toEqual([
      [0, 0, 5],
      [0, 1, 15],
      [1, 0, 15],
      [0, 2, 35],
    ]);
  });

  it('gives a level its own asks, and a reminder the mentions of every level reached so far', () => {
    expect(asksOf(plan, { level: 2, repeat: 0, offsetMs: 50 * M })).toEqual({
      mention: [],
      broadcast: false,
      channel: '#leads',
      webhook: undefined,
    });
    expect(asksOf(plan, { level: 0, repeat: 1, offsetMs: 15 * M })).toEqual({ mention: [], broadcast: false });
    expect(asksOf(plan, { level: 0, repeat: 2, offsetMs: 35 * M })).toEqual({
      mention: ['<!subteam^S1>'],
      broadcast: true,
    });
  });
});

describe('business hours', () => {
  const berlin: BusinessHours = {
    timeZone: 'Europe/Berlin',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    openMinute: 9 * 60,
    closeMinute: 18 * 60,
  };
  const at = (iso: string) => Date.parse(iso);

  it('runs a deadline inside the hours like plain time', () => {
    // Wednesday 2026-06-10 10:00 in Berlin (summer, UTC+2).
    expect(addBusinessTime(at('2026-06-10T08:00:00Z'), 30 * M, berlin)).toBe(at('2026-06-10T08:30:00Z'));
  });

  it('holds a deadline set on Friday evening until Monday opens, and runs the rest from there', () => {
    // Friday 2026-06-12 17:50 Berlin; 30 minutes: 10 on Friday, 20 from Monday 09:00.
    expect(addBusinessTime(at('2026-06-12T15:50:00Z'), 30 * M, berlin)).toBe(at('2026-06-15T07:20:00Z'));
    // Set on Saturday: the whole duration from Monday's opening.
    expect(addBusinessTime(at('2026-06-13T10:00:00Z'), 5 * M, berlin)).toBe(at('2026-06-15T07:05:00Z'));
  });

  it('follows the wall clock across the DST changes (09:00 is 08:00 UTC in winter, 07:00 in summer)', () => {
    // Friday 2026-03-27 17:30 CET (16:30 UTC); the clocks go forward on Sunday 29 March.
    expect(addBusinessTime(at('2026-03-27T16:30:00Z'), H, berlin)).toBe(at('2026-03-30T07:30:00Z'));
    // Friday 2026-10-23 17:30 CEST (15:30 UTC); the clocks go back on Sunday 25 October.
    expect(addBusinessTime(at('2026-10-23T15:30:00Z'), H, berlin)).toBe(at('2026-10-26T08:30:00Z'));
  });

  it('spans several days of hours (a 1d deadline is 24 open hours)', () => {
    // Monday 09:00 Berlin + 24 open hours of 9 a day: Wednesday 15:00.
    expect(addBusinessTime(at('2026-06-08T07:00:00Z'), 24 * H, berlin)).toBe(at('2026-06-10T13:00:00Z'));
  });

  it('finds the instant of a wall-clock time, and moves a time the spring change skips an hour on', () => {
    expect(zonedInstant({ year: 2026, month: 1, day: 5 }, 9 * 60, 'Europe/Berlin')).toBe(at('2026-01-05T08:00:00Z'));
    expect(zonedInstant({ year: 2026, month: 3, day: 29 }, 2 * 60 + 30, 'Europe/Berlin')).toBe(
      at('2026-03-29T01:30:00Z'),
    );
  });

  it('puts every step of a clock in open time', () => {
    const held: ClockPlan = { ...plan, businessHours: berlin };
    // Started Friday 17:58 Berlin: the breach (5m) is Monday 09:03.
    expect(dueAtMs(held, at('2026-06-12T15:58:00Z'), firstStep(held))).toBe(at('2026-06-15T07:03:00Z'));
  });
});
