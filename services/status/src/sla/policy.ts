// The SLA policy in force: which deadline clock a conversation gets and what happens after it passes.
// Pure: the types the policy file becomes, and the first-match choice of a policy for a conversation.
import { sameChannel } from '@switchboard/agreements';
import type { BusinessHours } from './business-hours';

export type ClockName = 'review' | 'reply';
export const CLOCKS: ClockName[] = ['review', 'reply'];

/** One escalation level: `after` the breach (open time), what it asks for. */
export interface EscalationLevel {
  afterMs: number;
  mention: string[];
  broadcast: boolean;
  /** A channel to post in, linking the conversation's thread. */
  channel?: string;
  /** A URL that gets the breach as signed JSON. */
  webhook?: string;
}

export interface SlaPolicy {
  /** Its name in the file, else `policies[i]`. */
  name: string;
  /** `route`: the Slack channels (names or ids) the conversation may be routed to (NOTIFIER_ROUTES). */
  match: { priority?: string[]; teamId?: string[]; route?: string[] };
  reviewWithinMs?: number;
  replyWithinMs?: number;
  repeatEveryMs?: number;
  maxRepeatEveryMs?: number;
  escalate: EscalationLevel[];
}

export interface SlaPolicies {
  policies: SlaPolicy[];
  businessHours?: BusinessHours;
}

export const noPolicies: SlaPolicies = { policies: [] };

/** What a conversation is matched on. */
export interface ConversationTraits {
  priority: string;
  teamId: string;
  /** The channel the notifier routes the conversation to (@switchboard/agreements routeChannel). */
  route: string;
}

/** The first policy whose match holds (an absent field matches anything), or undefined. */
export function policyFor(policies: SlaPolicies, traits: ConversationTraits): SlaPolicy | undefined {
  return policies.policies.find(
    ({ match }) =>
      (!match.priority || match.priority.includes(traits.priority)) &&
      (!match.teamId || match.teamId.includes(traits.teamId)) &&
      (!match.route || match.route.some((channel) => sameChannel(channel, traits.route))),
  );
}

/** How long a clock runs before it is breached under a policy; undefined when the policy has no such clock. */
export const withinMs = (policy: SlaPolicy, clock: ClockName): number | undefined =>
  clock === 'review' ? policy.reviewWithinMs : policy.replyWithinMs;
