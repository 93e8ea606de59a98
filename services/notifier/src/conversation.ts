// What the notifier remembers of a conversation to render (and re-render) its Slack message: a summary of
// the first event and the operators' status. Pure data and transitions; stored as JSON in Redis.
import {
  EventKind,
  Priority,
  StatusChange,
  timestampMs,
  type ClassifiedEvent,
  type Operator,
} from '@switchboard/proto';
import { truncate } from './render-text';
import type { SlaView } from './sla-view';
import { lineAttachments, type LineAttachment } from './thread-lines';

/** The first text's length kept (and shown in the root); the transcript has all of it. */
export const SUMMARY_TEXT = 1000;

/** The render inputs of a conversation's root message or digest line, taken from its first event. */
export interface ConversationSummary {
  conversationId: string;
  eventId: string;
  user: string;
  userId: string;
  team: string;
  teamId: string;
  platform: string;
  /** The first text, raw (escaped only when rendered), cut to SUMMARY_TEXT characters. */
  text: string;
  priority: Priority;
  tags: string[];
  resumed: boolean;
  /** When the user sent it (or ingress received it), ms since the epoch; 0 when unknown. */
  atMs: number;
  /** When ingress received it, for the end-to-end latency metric; 0 when unknown. */
  receivedAtMs: number;
  /** The operators' team a handoff in the first event asks for (routes `team:` match it first). */
  handoffTeam?: string;
  /** The first message's attachments (http(s) links only). */
  attachments?: LineAttachment[];
}

export function summarize(event: ClassifiedEvent): ConversationSummary {
  const m = event.message;
  const receivedAtMs = m?.receivedAt ? timestampMs(m.receivedAt) : 0;
  return {
    conversationId: m?.conversationId ?? '',
    eventId: m?.eventId ?? '',
    user: m?.user?.name || m?.user?.id || 'unknown user',
    userId: m?.user?.id ?? '',
    team: m?.team?.name || m?.team?.id || 'unknown team',
    teamId: m?.team?.id ?? '',
    platform: m?.platform ?? '',
    text: truncate(m?.text ?? '', SUMMARY_TEXT),
    priority: event.priority,
    tags: [...event.tags],
    resumed: event.kind === EventKind.CONVERSATION_RESUMED,
    atMs: m?.sentAt ? timestampMs(m.sentAt) : receivedAtMs,
    receivedAtMs,
    ...(m?.handoff?.team ? { handoffTeam: m.handoff.team } : {}),
    ...(m && lineAttachments(m.attachments).length > 0 ? { attachments: lineAttachments(m.attachments) } : {}),
  };
}

/** The bot's open request for a human, as the root shows it (raw text; escaped when rendered). */
export interface HandoffView {
  reason: string;
  summary: string;
  team: string;
  atMs: number;
}

/**
 * Pure: the view showing the request, unless a takeover or a timeout recorded after the request already settled
 * it (conv.status and conv.classified are separate topics: the answer may be read before the question).
 */
export function withHandoff(view: StatusView, handoff: HandoffView): StatusView {
  const last = view.last;
  const settled =
    last !== undefined &&
    (last.change === 'taken_over' || last.change === 'handoff_timed_out' || last.change === 'closed') &&
    last.atMs >= handoff.atMs;
  return settled ? view : { ...view, handoff };
}

/** Pure: the view with the request of a HANDOFF_REQUESTED event, or null when the event carries none. */
export function handoffOf(event: ClassifiedEvent): HandoffView | null {
  const h = event.message?.handoff;
  if (event.kind !== EventKind.HANDOFF_REQUESTED || !h) return null;
  const m = event.message!;
  return {
    reason: h.reason,
    summary: truncate(h.summary, SUMMARY_TEXT),
    team: h.team,
    atMs: m.receivedAt ? timestampMs(m.receivedAt) : Date.now(),
  };
}

/** Operators' actions on a conversation, as its Slack message shows them. Absent fields: not so. */
export interface StatusView {
  reviewedBy?: string;
  spamBy?: string;
  takenOverBy?: string;
  closedBy?: string;
  /** The operator responsible (Assign to me, first human reply, the Asana assignee); not who holds a takeover. */
  ownedBy?: string;
  /** The bot asked for a human and no operator took over yet. */
  handoff?: HandoffView;
  /** The latest change, shown as "who acted last". */
  last?: { change: StatusName; by: string; atMs: number };
  /** A running deadline clock (sla-view.ts): how long the conversation has waited. */
  sla?: SlaView;
}

export type StatusName =
  | 'reviewed'
  | 'spam'
  | 'not_spam'
  | 'taken_over'
  | 'handed_back'
  | 'closed'
  | 'reopened'
  | 'handoff_timed_out'
  | 'assigned';

const NAMES: Partial<Record<StatusChange, StatusName>> = {
  [StatusChange.REVIEWED]: 'reviewed',
  [StatusChange.SPAM]: 'spam',
  [StatusChange.NOT_SPAM]: 'not_spam',
  [StatusChange.TAKEOVER_STARTED]: 'taken_over',
  [StatusChange.TAKEOVER_ENDED]: 'handed_back',
  [StatusChange.CLOSED]: 'closed',
  [StatusChange.REOPENED]: 'reopened',
  [StatusChange.HANDOFF_TIMED_OUT]: 'handoff_timed_out',
  [StatusChange.ASSIGNED]: 'assigned',
};

/** True when the change shows on the Slack message (notes and unknown changes do not). */
export function isVisibleChange(change: StatusChange): boolean {
  return NAMES[change] !== undefined;
}

/** Who acted, as a person reads it. */
export function actorName(actor: Operator | undefined): string {
  return actor?.name || actor?.email || actor?.id || 'someone';
}

/** Pure: the status after one change. Changes that do not show return the view unchanged. */
export function applyStatus(view: StatusView, change: StatusChange, by: string, atMs: number): StatusView {
  const name = NAMES[change];
  if (!name) return view;
  const next: StatusView = { ...view, last: { change: name, by, atMs } };
  switch (name) {
    case 'reviewed':
      next.reviewedBy = by;
      break;
    case 'spam':
      next.spamBy = by;
      break;
    case 'not_spam':
      delete next.spamBy;
      break;
    case 'taken_over':
      next.takenOverBy = by;
      delete next.handoff;
      break;
    case 'handoff_timed_out':
      delete next.handoff;
      break;
    case 'handed_back':
      delete next.takenOverBy;
      break;
    case 'closed':
      next.closedBy = by;
      delete next.takenOverBy;
      delete next.handoff;
      break;
    case 'reopened':
      delete next.closedBy;
      break;
    case 'assigned':
      next.ownedBy = by;
      break;
  }
  return next;
}
