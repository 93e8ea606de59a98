// What the deadline clocks do to a conversation's task, decided without I/O: SLA_DEADLINE sets the task's
// due_at (Asana takes an ISO time) or clears it when the clock stopped; SLA_BREACHED tags the task
// `sla-breached` (found or created like the priority tags) and comments once per level of a run.
import { StatusChange, timestampDate, type StatusEvent } from '@switchboard/proto';
import type { TicketOp } from './plan';

export const SLA_BREACHED_TAG = 'sla-breached';

export function slaTicketOps(e: StatusEvent): TicketOp[] {
  const sla = e.sla;
  if (!sla) return [];
  if (e.change === StatusChange.SLA_DEADLINE)
    return [{ op: 'due', at: sla.deadline ? timestampDate(sla.deadline).toISOString() : null }];
  if (e.change !== StatusChange.SLA_BREACHED) return [];
  // Reminders repeat; the task hears of a run's breach and of each escalation level once.
  if (sla.repeat > 0) return [];
  const what =
    sla.level === 0 ? `The ${sla.clock} deadline passed` : `The ${sla.clock} deadline escalated to level ${sla.level}`;
  return [
    { op: 'addTag', name: SLA_BREACHED_TAG },
    { op: 'comment', text: `${what} (SLA policy ${sla.policy}).` },
  ];
}
