// A conversation's triage timeline (started, resumed, first reviewed, taken over, first human reply, spam,
// closed, reopened) and its pure transitions: (timeline, event) → (fields to write, facts to measure). The
// state (closed, spam, taken over) follows from the latest times, so the order of the topics does not matter.
import {
  Direction,
  OperatorMessageKind,
  Priority,
  StatusChange,
  timestampMs,
  type ClassifiedEvent,
  type OperatorMessage,
  type StatusEvent,
} from '@switchboard/proto';
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
const FACT_FIELD: Record<FactName, string> = {
  review: 'reviewedAt',
  first_human_reply: 'firstHumanReplyAt',
  close: 'firstClosedAt',
};

export const priorityLabel = (p: string | undefined): PriorityLabel =>
  (PRIORITIES as readonly string[]).includes(p ?? '') ? (p as PriorityLabel) : 'unspecified';

/** The bucket the gauge counts this conversation in. */
export function openBucket(t: Timeline): OpenBucket | null {
  if (!t.startedAt || t.closed === '1' || t.spam === '1') return null;
  const state: OpenState = t.control === 'human' ? 'taken_over' : t.reviewedAt ? 'reviewed' : 'unreviewed';
  return { state, priority: priorityLabel(t.priority) };
}

const num = (v: string | undefined) => (v ? Number(v) : 0);
const later = (current: string | undefined, at: number) => (num(current) >= at ? (current ?? '') : String(at));

/**
 * The flags that follow from the times, so that the order events come in (three topics, redeliveries, a
 * replay) does not matter: the latest of close against reopen or resume, spam against not spam, a
 * takeover against its end or a close.
 */
function derived(t: Timeline): Timeline {
  // A user writing after a close resumes the conversation, whenever the message is applied.
  const closed = num(t.closedAt) > Math.max(num(t.reopenedAt), num(t.lastUserAt));
  const spam = num(t.spamLastAt) > num(t.notSpamAt);
  const human = !closed && num(t.takeoverLastAt) > Math.max(num(t.takeoverEndedAt), num(t.closedAt));
  return { closed: closed ? '1' : '', spam: spam ? '1' : '', control: human ? 'human' : '' };
}

/**
 * The change one event makes to the timeline; `current` is the stored hash ({} for none). A message's change
 * is idempotent by itself (first values, latest times, and a resume only while closed before it), so a
 * message need not be remembered as applied; a status change is (a reopen counts).
 */
export function timelineTransition(current: Timeline, event: TimelineEvent): Transition {
  const next: Timeline = { ...current };
  const unset = (field: string) => !next[field];
  const first = (field: string, value: string) => {
    if (unset(field)) next[field] = value;
  };
  const at = event.at;
  if (event.kind === 'message') {
    first('startedAt', String(at));
    if (RANK.indexOf(event.priority) > RANK.indexOf(next.priority ?? '')) next.priority = event.priority;
    if (event.platform) first('platform', event.platform);
    if (event.teamId) first('teamId', event.teamId);
    if (event.teamName) first('teamName', event.teamName);
    if (event.from === 'user') {
      if (event.userId) first('userId', event.userId);
      if (event.userName) first('userName', event.userName);
      // A user writing into a conversation closed before the message resumes it (counted when the close
      // is already known; the state is right either way, through lastUserAt).
      if (derived(next).closed === '1' && at > num(next.closedAt)) {
        next.lastResumedAt = String(at);
        next.resumes = String(num(next.resumes) + 1);
      }
      next.lastUserAt = later(next.lastUserAt, at);
    }
    if (event.from === 'operator') firstReply(next, at, event.by);
  } else if (event.kind === 'operator_message') {
    firstReply(next, at, event.by);
  } else {
    switch (event.change) {
      case StatusChange.REVIEWED:
        if (unset('reviewedAt')) {
          next.reviewedAt = String(at);
          next.reviewedBy = event.by;
        }
        break;
      case StatusChange.SPAM:
        first('spamAt', String(at));
        next.spamLastAt = later(next.spamLastAt, at);
        break;
      case StatusChange.NOT_SPAM:
        next.notSpamAt = later(next.notSpamAt, at);
        break;
      case StatusChange.TAKEOVER_STARTED:
        if (unset('takenOverAt')) {
          next.takenOverAt = String(at);
          next.takenOverBy = event.by;
        }
        next.takeoverLastAt = later(next.takeoverLastAt, at);
        break;
      case StatusChange.TAKEOVER_ENDED:
        next.takeoverEndedAt = later(next.takeoverEndedAt, at);
        break;
      case StatusChange.CLOSED:
        first('firstClosedAt', String(at));
        next.closedAt = later(next.closedAt, at);
        break;
      case StatusChange.REOPENED:
        if (derived(next).closed === '1' && at > num(next.closedAt)) next.reopens = String(num(next.reopens) + 1);
        next.reopenedAt = later(next.reopenedAt, at);
        break;
      default:
        break;
    }
  }
  Object.assign(next, derived(next));
  const set: Timeline = {};
  for (const [field, value] of Object.entries(next)) if ((current[field] ?? '') !== value) set[field] = value;
  return { set, facts: factsCompleted(current, next) };
}

/**
 * A conversation's messages folded in order: the fields to set against `current` and the facts completed on
 * the way, as applying them one by one would give. Messages only: they need no done-mark.
 */
export function foldMessages(current: Timeline, events: TimelineEvent[]): Transition {
  let next = current;
  const facts: Fact[] = [];
  for (const event of events) {
    if (event.kind !== 'message') throw new Error('foldMessages takes messages only');
    const step = timelineTransition(next, event);
    next = { ...next, ...step.set };
    facts.push(...step.facts);
  }
  const set: Timeline = {};
  for (const [field, value] of Object.entries(next)) if ((current[field] ?? '') !== value) set[field] = value;
  return { set, facts };
}

function firstReply(next: Timeline, at: number, by: string): void {
  if (next.firstHumanReplyAt) return;
  next.firstHumanReplyAt = String(at);
  next.firstHumanReplyBy = by;
}

/** Facts whose two ends are known after the change and were not both known before: each is measured once. */
function factsCompleted(before: Timeline, after: Timeline): Fact[] {
  if (!after.startedAt) return [];
  const started = Number(after.startedAt);
  const facts: Fact[] = [];
  for (const fact of Object.keys(FACT_FIELD) as FactName[]) {
    const field = FACT_FIELD[fact];
    if (!after[field] || (before.startedAt && before[field])) continue;
    facts.push({
      fact,
      priority: priorityLabel(after.priority),
      seconds: Math.max(0, (Number(after[field]) - started) / 1000),
    });
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
  return {
    kind: 'status',
    eventId: event.eventId,
    at: event.at ? timestampMs(event.at) : nowMs,
    change: event.change,
    by: operatorName(event.actor),
  };
}

/**
 * Pure: the timeline's view of an operator's message to the user; null for a control change told to the bot
 * (handed back, handoff timed out), which is no reply to anyone.
 */
export function fromOperatorMessage(event: OperatorMessage, nowMs = Date.now()): TimelineEvent | null {
  if (event.kind !== OperatorMessageKind.UNSPECIFIED && event.kind !== OperatorMessageKind.MESSAGE) return null;
  return {
    kind: 'operator_message',
    eventId: event.eventId,
    at: event.sentAt ? timestampMs(event.sentAt) : nowMs,
    by: operatorName(event.operator),
  };
}
