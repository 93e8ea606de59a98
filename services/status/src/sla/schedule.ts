// Which reminder or escalation of a running clock comes next, and when. Pure arithmetic on a clock's
// start, its policy and the business hours: every step is an offset of open time from the start, so
// business hours hold all of them alike.
//
// Level 0 is the breach's reminders: repeat 0 at the deadline, then every `repeat_every`, doubling up to
// `max_repeat_every` (none without `repeat_every`). Level k (1..n) is the policy's kth escalation, once,
// `after` the deadline. Steps run in order of offset, a level before a higher one at the same offset.
import { addBusinessTime, type BusinessHours } from './business-hours';
import type { EscalationLevel, SlaPolicy } from './policy';

export interface Step {
  level: number;
  repeat: number;
  /** Open time from the clock's start. */
  offsetMs: number;
}

/** What a clock needs to know of its policy: fixed when the clock starts, so a reload never moves a run. */
export interface ClockPlan {
  policy: string;
  withinMs: number;
  repeatEveryMs?: number;
  maxRepeatEveryMs?: number;
  escalate: EscalationLevel[];
  businessHours?: BusinessHours;
}

export function planFor(policy: SlaPolicy, withinMs: number, businessHours?: BusinessHours): ClockPlan {
  return {
    policy: policy.name,
    withinMs,
    repeatEveryMs: policy.repeatEveryMs,
    maxRepeatEveryMs: policy.maxRepeatEveryMs,
    escalate: policy.escalate,
    businessHours,
  };
}

/** The gap before reminder `repeat` (1 and on): repeat_every, x2 each time, at most max_repeat_every. */
export function repeatGapMs(plan: ClockPlan, repeat: number): number {
  const every = plan.repeatEveryMs!;
  const max = plan.maxRepeatEveryMs ?? Number.POSITIVE_INFINITY;
  // 2^30 times any duration is past every cap a policy can hold; stop doubling before it overflows.
  return Math.min(every * 2 ** Math.min(repeat - 1, 30), max);
}

/** The open-time offset of reminder `repeat` (level 0). */
export function reminderOffsetMs(plan: ClockPlan, repeat: number): number {
  let offset = plan.withinMs;
  for (let r = 1; r <= repeat; r += 1) offset += repeatGapMs(plan, r);
  return offset;
}

const before = (a: Step, b: Step) => a.offsetMs < b.offsetMs || (a.offsetMs === b.offsetMs && a.level < b.level);

/** The first step of a clock: the breach itself. */
export const firstStep = (plan: ClockPlan): Step => ({ level: 0, repeat: 0, offsetMs: plan.withinMs });

/** The step after `step`, or null when nothing more is due (no repeats and no levels left). */
export function nextStep(plan: ClockPlan, step: Step): Step | null {
  const candidates: Step[] = [];
  if (plan.repeatEveryMs) {
    // The next reminder after this step: after a reminder its successor, after a level the first reminder past it.
    let repeat = step.level === 0 ? step.repeat + 1 : 0;
    let offsetMs = reminderOffsetMs(plan, repeat);
    while (!before(step, { level: 0, repeat, offsetMs })) {
      repeat += 1;
      offsetMs += repeatGapMs(plan, repeat);
    }
    candidates.push({ level: 0, repeat, offsetMs });
  }
  plan.escalate.forEach((level, i) => {
    const candidate = { level: i + 1, repeat: 0, offsetMs: plan.withinMs + level.afterMs };
    if (before(step, candidate)) candidates.push(candidate);
  });
  return candidates.reduce<Step | null>((best, c) => (best === null || before(c, best) ? c : best), null);
}

/** When a step falls due for a clock started at `startMs`. */
export const dueAtMs = (plan: ClockPlan, startMs: number, step: Step): number =>
  addBusinessTime(startMs, step.offsetMs, plan.businessHours);

/** What a breach event carries for a step: the level's own asks; a reminder carries every level reached so far. */
export function asksOf(plan: ClockPlan, step: Step): Omit<EscalationLevel, 'afterMs'> {
  if (step.level > 0) {
    const { afterMs: _after, ...asks } = plan.escalate[step.level - 1];
    return asks;
  }
  const reached = plan.escalate.filter((l) => plan.withinMs + l.afterMs <= step.offsetMs);
  return {
    mention: [...new Set(reached.flatMap((l) => l.mention))],
    broadcast: reached.some((l) => l.broadcast),
  };
}
