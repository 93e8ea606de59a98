// What starts and stops the deadline clocks, from the bus: a conversation's start or resume starts its
// review clock, a user's message after an operator's reply starts the reply clock; Reviewed, Spam, Take over
// and Close stop the review clock, an operator's reply (and Spam, Close) the reply clock. Each start and stop
// is published as SLA_DEADLINE, again (same id) when a redelivery finds it done already.
import {
  Direction,
  EventKind,
  OperatorMessageKind,
  Priority,
  StatusChange,
  timestampMs,
  type ClassifiedEventSchema,
  type OperatorMessageSchema,
  type StatusEvent,
  type StatusEventSchema,
} from '@switchboard/proto';
import { Topics, type Delivery, type Publisher } from '@switchboard/bus';
import type { RouteSubject } from '@switchboard/agreements';
import type { ClockStore } from './clock-store';
import { dueAtMs, firstStep, planFor } from './schedule';
import { deadlineEvent } from './sla-events';
import { policyFor, withinMs, type ClockName, type SlaPolicies } from './policy';

export interface SlaRecorderDeps {
  clocks: ClockStore;
  publisher: Publisher;
  policies: () => SlaPolicies;
  /** The channel the notifier routes a conversation to (NOTIFIER_ROUTES, else SLACK_TRIAGE_CHANNEL). */
  routeOf: (subject: RouteSubject) => string;
}

const STOPS_REVIEW = new Set([
  StatusChange.REVIEWED,
  StatusChange.SPAM,
  StatusChange.TAKEOVER_STARTED,
  StatusChange.CLOSED,
]);
const STOPS_REPLY = new Set([StatusChange.SPAM, StatusChange.CLOSED]);

const publish = (publisher: Publisher, event: StatusEvent) =>
  publisher.publish(Topics.status, [{ key: event.conversationId, value: event }]);

/** Starts `clock` for the conversation if a policy has it, and publishes its deadline. */
async function startClock(
  deps: SlaRecorderDeps,
  input: {
    conversationId: string;
    clock: ClockName;
    startedBy: string;
    startedMs: number;
    priority: string;
    teamId: string;
    route: string;
  },
): Promise<void> {
  const policies = deps.policies();
  const policy = policyFor(policies, input);
  const within = policy && withinMs(policy, input.clock);
  if (!policy || within === undefined) return;
  const plan = planFor(policy, within, policies.businessHours);
  const first = firstStep(plan);
  const deadlineMs = dueAtMs(plan, input.startedMs, first);
  const started = await deps.clocks.start(input.conversationId, { ...input, plan, first, deadlineMs });
  if (!started) return;
  const run = { ...input, cycle: started.cycle, policy: plan.policy };
  await publish(deps.publisher, deadlineEvent(run, started.deadlineMs, input.startedMs));
}

async function stopClock(
  deps: SlaRecorderDeps,
  input: { conversationId: string; clock: ClockName; stoppedBy: string; atMs: number; isReply?: boolean },
): Promise<void> {
  const cycle = await deps.clocks.stop(input.conversationId, input.clock, input.stoppedBy, input.atMs, input.isReply);
  if (cycle === null) return;
  const run = { conversationId: input.conversationId, clock: input.clock, cycle, policy: '', priority: '' };
  await publish(deps.publisher, deadlineEvent(run, null, input.atMs));
}

export function slaClassifiedRecorder(deps: SlaRecorderDeps) {
  return async ({ event }: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const m = event.message;
    if (!m || event.denied) return;
    const atMs = m.receivedAt ? timestampMs(m.receivedAt) : Date.now();
    const priority = Priority[event.priority]?.toLowerCase() ?? 'unspecified';
    const teamId = m.team?.id ?? '';
    const base = {
      conversationId: m.conversationId,
      startedBy: m.eventId,
      startedMs: atMs,
      priority,
      teamId,
      route: deps.routeOf({ priority, teamId, platform: m.platform, handoffTeam: m.handoff?.team || undefined }),
    };
    if (m.direction === Direction.OPERATOR) {
      await stopClock(deps, {
        conversationId: m.conversationId,
        clock: 'reply',
        stoppedBy: m.eventId,
        atMs,
        isReply: true,
      });
      return;
    }
    if (event.kind === EventKind.CONVERSATION_STARTED || event.kind === EventKind.CONVERSATION_RESUMED)
      await startClock(deps, { ...base, clock: 'review' });
    if (m.direction === Direction.USER || m.direction === Direction.UNSPECIFIED)
      await startClock(deps, { ...base, clock: 'reply' });
  };
}

export function slaStatusRecorder(deps: SlaRecorderDeps) {
  return async ({ event }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    if (!event.conversationId) return;
    const atMs = event.at ? timestampMs(event.at) : Date.now();
    const stop = { conversationId: event.conversationId, stoppedBy: event.eventId, atMs };
    if (STOPS_REVIEW.has(event.change)) await stopClock(deps, { ...stop, clock: 'review' });
    if (STOPS_REPLY.has(event.change)) await stopClock(deps, { ...stop, clock: 'reply' });
  };
}

export function slaOutboundRecorder(deps: SlaRecorderDeps) {
  return async ({ event }: Delivery<typeof OperatorMessageSchema>): Promise<void> => {
    if (!event.conversationId) return;
    if (event.kind !== OperatorMessageKind.MESSAGE && event.kind !== OperatorMessageKind.UNSPECIFIED) return;
    const atMs = event.sentAt ? timestampMs(event.sentAt) : Date.now();
    await stopClock(deps, {
      conversationId: event.conversationId,
      clock: 'reply',
      stoppedBy: event.eventId,
      atMs,
      isReply: true,
    });
  };
}
