// A conversation's triage timeline (started, resumed, first reviewed, taken over, first human reply, spam,
// closed, reopened) and its pure transitions: (timeline, event) → (fields to write, facts to measure).
import { Direction, Priority, StatusChange, timestampMs, type ClassifiedEvent, type OperatorMessage, type StatusEvent } from '@switchboard/proto';
import { operatorName } from './conversation-state';

/** The stored timeline: one Redis hash, every value a string (times in epoch ms, '' or missing when unknown). */
export type Timeline = Record<string, string>;

export const PRIORITIES = ['low', 'normal', 'high', 'urgent', 'unspecified'] as const;
export type PriorityLabel = (typeof PRIORITIES)[number];
export const OPEN_STATES = ['unreviewed', 'reviewed', 'taken_over'] as const;
export type OpenState = (typeof OPEN_STATES)[number];

/** What the timeline reacts to, taken from conv.classified, conv.status and bot.outbound. */
export type TimelineEvent =
  | {
      kind: 'message';
      eventId: string;
      at: number;
      from: 'user' | 'bot' | 'operator';
      priority: string;
      platform: string;
      teamId: string;
      teamName: string;
      userId: string;
      userName: string;
      by: string;
    }
  | { kind: 'status'; eventId: string; at: number; change: StatusChange; by: string }
  | { kind: 'operator_message'; eventId: string; at: number; by: string };

export type FactName = 'review' | 'first_human_reply' | 'close';
/** A duration measured once per conversation, when both its ends are known. */
export interface Fact {
  fact: FactName;
  priority: PriorityLabel;
  seconds: number;
}

export interface Transition {
  /** Fields to set (an empty string clears one). Empty when the event changes nothing. */
  set: Timeline;
  facts: Fact[];
}

/** Where an open conversation counts, or null when it is closed, spam or not started. */
export interface OpenBucket {
  state: OpenState;
  priority: PriorityLabel;
}

const RANK = ['', 'low', 'normal', 'high', 'urgent'];
const FACT_FIELD: Record<FactName, string> = { review: 'reviewedAt', first_human_reply: 'firstHumanReplyAt', close: 'firstClosedAt' };

export const priorityLabel = (p: string | undefined): PriorityLabel => ((PRIORITIES as readonly string[]).includes(p ?? '') ? (p as PriorityLabel) : 'unspecified');

/** The bucket the gauge counts this conversation in. */
export function openBucket(t: Timeline): OpenBucket | null {
  if (!t.startedAt || t.closed === '1' || t.spam === '1') return null;
  const state: OpenState = t.control === 'human' ? 'taken_over' : t.reviewedAt ? 'reviewed' : 'unreviewed';
  return { state, priority: priorityLabel(t.priority) };
}

/** The change one event makes to the timeline; `current` is the stored hash ({} for none). */
export function timelineTransition(current: Timeline, event: TimelineEvent): Transition {
  const set: Timeline = {};
  const unset = (field: string) => current[field] === undefined || current[field] === '';
  const put = (field: string, value: string) => {
    if ((current[field] ?? '') !== value) set[field] = value;
  };
  const at = String(event.at);
  if (event.kind === 'message') {
    if (unset('startedAt')) put('startedAt', at);
    const rank = RANK.indexOf(event.priority);
    if (rank > RANK.indexOf(current.priority ?? '')) put('priority', event.priority);
    if (unset('platform') && event.platform) put('platform', event.platform);
    if (unset('teamId') && event.teamId) put('teamId', event.teamId);
    if (unset('teamName') && event.teamName) put('teamName', event.teamName);
    if (event.from === 'user') {
      if (unset('userId') && event.userId) put('userId', event.userId);
      if (unset('userName') && event.userName) put('userName', event.userName);
      // A user writing into a closed conversation resumes it.
      if (current.closed === '1') {
        put('closed', '');
        put('lastResumedAt', at);
        put('resumes', String(Number(current.resumes ?? 0) + 1));
      }
    }
    if (event.from === 'operator') firstReply(current, set, at, event.by);
  } else if (event.kind === 'operator_message') {
    firstReply(current, set, at, event.by);
  } else {
    switch (event.change) {
      case StatusChange.REVIEWED:
        if (unset('reviewedAt')) {
          put('reviewedAt', at);
          put('reviewedBy', event.by);
        }
        break;
      case StatusChange.SPAM:
        if (current.spam !== '1') {
          put('spam', '1');
          put('spamAt', at);
        }
        break;
      case StatusChange.NOT_SPAM:
        put('spam', '');
        break;
      case StatusChange.TAKEOVER_STARTED:
        if (unset('takenOverAt')) {
          put('takenOverAt', at);
          put('takenOverBy', event.by);
        }
        if (current.closed !== '1') put('control', 'human');
        break;
      case StatusChange.TAKEOVER_ENDED:
        put('control', '');
        break;
      case StatusChange.CLOSED:
        if (current.closed !== '1') {
          put('closed', '1');
          put('closedAt', at);
          put('control', '');
          if (unset('firstClosedAt')) put('firstClosedAt', at);
        }
        break;
      case StatusChange.REOPENED:
        if (current.closed === '1') {
          put('closed', '');
          put('reopenedAt', at);
          put('reopens', String(Number(current.reopens ?? 0) + 1));
        }
        break;
      default:
        break;
    }
  }
  return { set, facts: factsCompleted(current, { ...current, ...set }) };
}

function firstReply(current: Timeline, set: Timeline, at: string, by: string): void {
  if (current.firstHumanReplyAt) return;
  set.firstHumanReplyAt = at;
  set.firstHumanReplyBy = by;
}

/** Facts whose two ends are known after the change and were not both known before: each is measured once. */
function factsCompleted(before: Timeline, after: Timeline): Fact[] {
  if (!after.startedAt) return [];
  const started = Number(after.startedAt);
  const facts: Fact[] = [];
  for (const fact of Object.keys(FACT_FIELD) as FactName[]) {
    const field = FACT_FIELD[fact];
    if (!after[field] || (before.startedAt && before[field])) continue;
    facts.push({ fact, priority: priorityLabel(after.priority), seconds: Math.max(0, (Number(after[field]) - started) / 1000) });
  }
  return facts;
}

const PRIORITY_NAME = (p: Priority) => (p === Priority.UNSPECIFIED ? '' : (Priority[p]?.toLowerCase() ?? ''));
const FROM: Record<Direction, 'user' | 'bot' | 'operator'> = {
  [Direction.UNSPECIFIED]: 'user',
  [Direction.USER]: 'user',
  [Direction.BOT]: 'bot',
  [Direction.OPERATOR]: 'operator',
};

/** Pure: the timeline's view of a classified message (null without a message). */
export function fromClassified(event: ClassifiedEvent, nowMs = Date.now()): TimelineEvent | null {
  const m = event.message;
  if (!m) return null;
  const ts = m.sentAt ?? m.receivedAt;
  return {
    kind: 'message',
    eventId: m.eventId,
    at: ts ? timestampMs(ts) : nowMs,
    from: FROM[m.direction] ?? 'user',
    priority: PRIORITY_NAME(event.priority),
    platform: m.platform,
    teamId: m.team?.id ?? '',
    teamName: m.team?.name ?? '',
    userId: m.user?.id ?? '',
    userName: m.user?.name ?? '',
    by: m.user?.name || m.user?.id || '',
  };
}

/** Pure: the timeline's view of a status change. */
export function fromStatus(event: StatusEvent, nowMs = Date.now()): TimelineEvent {
  return { kind: 'status', eventId: event.eventId, at: event.at ? timestampMs(event.at) : nowMs, change: event.change, by: operatorName(event.actor) };
}

/** Pure: the timeline's view of an operator's message to the user. */
export function fromOperatorMessage(event: OperatorMessage, nowMs = Date.now()): TimelineEvent {
  return { kind: 'operator_message', eventId: event.eventId, at: event.sentAt ? timestampMs(event.sentAt) : nowMs, by: operatorName(event.operator) };
}
