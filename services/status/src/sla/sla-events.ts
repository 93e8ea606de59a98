// The conv.status events the deadline clocks publish, and their ids. Pure. An id is derived from exactly what
// makes the event one (conversation, clock, cycle; and level and repeat for a breach), so a replica that
// publishes it again after a crash or a lost lease makes a duplicate every consumer drops by event id.
import {
  create,
  StatusChange,
  StatusEventSchema,
  timestampFromMs,
  type Operator,
  type StatusEvent,
} from '@switchboard/proto';
import { formatDuration } from './duration';
import type { ClockName } from './policy';
import { asksOf, type ClockPlan, type Step } from './schedule';

export const slaActor = (policy: string): Operator => ({
  $typeName: 'switchboard.v1.Operator',
  id: 'system',
  name: policy ? `SLA policy ${policy}` : 'SLA',
  email: '',
  source: 'sla',
});

export const slaEventIds = {
  breach: (conversationId: string, clock: ClockName, cycle: number, step: Pick<Step, 'level' | 'repeat'>) =>
    `sla:${conversationId}:${clock}:${cycle}:breach:${step.level}:${step.repeat}`,
  deadline: (conversationId: string, clock: ClockName, cycle: number) =>
    `sla:${conversationId}:${clock}:${cycle}:deadline`,
  stopped: (conversationId: string, clock: ClockName, cycle: number) =>
    `sla:${conversationId}:${clock}:${cycle}:stopped`,
};

export interface BreachInput {
  conversationId: string;
  clock: ClockName;
  cycle: number;
  plan: ClockPlan;
  priority: string;
  step: Step;
  startedMs: number;
  deadlineMs: number;
}

/** SLA_BREACHED for one step: the level reached and what it asks for (mentions, broadcast, channel, webhook). */
export function breachEvent(input: BreachInput, atMs: number): StatusEvent {
  const { conversationId, clock, cycle, plan, step } = input;
  const asks = asksOf(plan, step);
  return create(StatusEventSchema, {
    eventId: slaEventIds.breach(conversationId, clock, cycle, step),
    conversationId,
    change: StatusChange.SLA_BREACHED,
    actor: slaActor(plan.policy),
    at: timestampFromMs(atMs),
    note: `${clock} within ${formatDuration(plan.withinMs)}`,
    sla: {
      clock,
      cycle,
      deadline: timestampFromMs(input.deadlineMs),
      level: step.level,
      repeat: step.repeat,
      policy: plan.policy,
      priority: input.priority,
      mention: asks.mention,
      broadcast: asks.broadcast,
      channel: asks.channel ?? '',
      webhook: asks.webhook ?? '',
      started: timestampFromMs(input.startedMs),
    },
  });
}

/** SLA_DEADLINE: a run started (its deadline) or stopped (no deadline). */
export function deadlineEvent(
  input: {
    conversationId: string;
    clock: ClockName;
    cycle: number;
    policy: string;
    priority: string;
    startedMs?: number;
  },
  deadlineMs: number | null,
  atMs: number,
): StatusEvent {
  const { conversationId, clock, cycle } = input;
  return create(StatusEventSchema, {
    eventId:
      deadlineMs === null
        ? slaEventIds.stopped(conversationId, clock, cycle)
        : slaEventIds.deadline(conversationId, clock, cycle),
    conversationId,
    change: StatusChange.SLA_DEADLINE,
    actor: slaActor(input.policy),
    at: timestampFromMs(atMs),
    sla: {
      clock,
      cycle,
      deadline: deadlineMs === null ? undefined : timestampFromMs(deadlineMs),
      policy: input.policy,
      priority: input.priority,
      started: input.startedMs === undefined ? undefined : timestampFromMs(input.startedMs),
    },
  });
}

/** The transcript's line for an SLA event. */
export function slaLine(event: StatusEvent): string {
  const sla = event.sla;
  if (!sla) return 'SLA';
  if (event.change === StatusChange.SLA_DEADLINE)
    return sla.deadline
      ? `${sla.clock} due by ${new Date(Number(sla.deadline.seconds) * 1000).toISOString()} (SLA policy ${sla.policy})`
      : `${sla.clock} clock stopped`;
  const what =
    sla.level === 0
      ? sla.repeat === 0
        ? 'deadline passed'
        : `reminder ${sla.repeat}`
      : `escalation level ${sla.level}`;
  return `${sla.clock} ${what} (SLA policy ${sla.policy})`;
}
