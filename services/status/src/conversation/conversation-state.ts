// What the console knows of a conversation, and what an operator may do next. Pure: events in, fields out.
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { slaLine } from '../sla/sla-events';
import {
  Direction,
  Priority,
  StatusChange,
  timestampDate,
  type ClassifiedEvent,
  type Operator,
  type StatusEvent,
} from '@switchboard/proto';

export interface ConversationSummary {
  id: string;
  platform: string;
  teamId: string;
  teamName: string;
  userId: string;
  userName: string;
  botId: string;
  startedAt: string;
  lastAt: string;
  lastText: string;
  lastFrom: string;
  /** The highest priority any of its messages had: low, normal, high, urgent. */
  priority: string;
  tags: string[];
  messages: number;
  reviewedBy: string;
  spam: boolean;
  closed: boolean;
  /** When it was last closed (ISO), while closed; a message ingress received before it reopens nothing. */
  closedAt: string;
  control: 'human' | 'bot';
  /** Who holds it while taken over. */
  operator: string;
  /** Who is responsible for it (owner.ts); not who holds a takeover. */
  owner: string;
}

export type ActionName = 'reviewed' | 'spam' | 'not_spam' | 'takeover' | 'handback' | 'assign_me' | 'close' | 'reopen';

export const ACTIONS: Record<ActionName, { change: StatusChange; label: string }> = {
  reviewed: { change: StatusChange.REVIEWED, label: 'Reviewed' },
  spam: { change: StatusChange.SPAM, label: 'Spam' },
  not_spam: { change: StatusChange.NOT_SPAM, label: 'Not spam' },
  takeover: { change: StatusChange.TAKEOVER_STARTED, label: 'Take over' },
  handback: { change: StatusChange.TAKEOVER_ENDED, label: 'Hand back' },
  assign_me: { change: StatusChange.ASSIGNED, label: 'Assign to me' },
  close: { change: StatusChange.CLOSED, label: 'Close' },
  reopen: { change: StatusChange.REOPENED, label: 'Reopen' },
};

export const isActionName = (name: string): name is ActionName => Object.hasOwn(ACTIONS, name);

/** The Slack buttons the notifier renders (render.ts), by action_id. */
export const SLACK_ACTIONS: Record<string, ActionName> = {
  [SLACK_ACTION_IDS.reviewed]: 'reviewed',
  [SLACK_ACTION_IDS.spam]: 'spam',
  [SLACK_ACTION_IDS.notSpam]: 'not_spam',
  [SLACK_ACTION_IDS.takeover]: 'takeover',
  [SLACK_ACTION_IDS.handback]: 'handback',
  [SLACK_ACTION_IDS.assignMe]: 'assign_me',
  [SLACK_ACTION_IDS.close]: 'close',
  [SLACK_ACTION_IDS.reopen]: 'reopen',
};

/** What an operator may do now: each action only where it changes something. */
export function availableActions(s: ConversationSummary): ActionName[] {
  const out: ActionName[] = [];
  if (!s.reviewedBy) out.push('reviewed');
  out.push(s.spam ? 'not_spam' : 'spam');
  if (!s.closed) out.push(s.control === 'human' ? 'handback' : 'takeover');
  if (!s.closed && !s.spam) out.push('assign_me');
  out.push(s.closed ? 'reopen' : 'close');
  return out;
}

const PRIORITY_ORDER = ['', 'low', 'normal', 'high', 'urgent'];
const priorityName = (p: Priority) => (p === Priority.UNSPECIFIED ? '' : (Priority[p]?.toLowerCase() ?? ''));
const FROM: Record<Direction, string> = {
  [Direction.UNSPECIFIED]: 'user',
  [Direction.USER]: 'user',
  [Direction.BOT]: 'bot',
  [Direction.OPERATOR]: 'operator',
};

/** The summary's fields after a classified message (`current` as stored, or null for a new conversation). */
export function summaryAfterMessage(
  current: Partial<ConversationSummary> | null,
  event: ClassifiedEvent,
  isNew = true,
): Record<string, string> {
  const m = event.message!;
  const at =
    (m.sentAt ?? m.receivedAt) ? timestampDate((m.sentAt ?? m.receivedAt)!).toISOString() : new Date().toISOString();
  const priority = priorityName(event.priority);
  const keep =
    PRIORITY_ORDER.indexOf(current?.priority ?? '') >= PRIORITY_ORDER.indexOf(priority)
      ? (current?.priority ?? '')
      : priority;
  const tags = [...new Set([...(current?.tags ?? []), ...event.tags])];
  const fields: Record<string, string> = {
    id: m.conversationId,
    lastAt: at,
    lastText: m.text.slice(0, 500),
    lastFrom: FROM[m.direction],
    priority: keep,
    tags: JSON.stringify(tags),
    // A redelivered event (already in the transcript) refreshes the summary without counting twice.
    messages: String((current?.messages ?? 0) + (isNew ? 1 : 0)),
  };
  if (!current?.startedAt) fields.startedAt = at;
  if (m.platform) fields.platform = m.platform;
  if (m.team?.id) fields.teamId = m.team.id;
  if (m.team?.name) fields.teamName = m.team.name;
  if (m.botId) fields.botId = m.botId;
  if (m.direction === Direction.USER || m.direction === Direction.UNSPECIFIED) {
    if (m.user?.id) fields.userId = m.user.id;
    if (m.user?.name) fields.userName = m.user.name;
  }
  return fields;
}

export const operatorName = (o: Operator | undefined) => o?.name || o?.email || o?.id || 'someone';

/** The summary's fields after a status change. */
export function summaryAfterStatus(event: StatusEvent): Record<string, string> {
  const by = operatorName(event.actor);
  switch (event.change) {
    case StatusChange.REVIEWED:
      return { reviewedBy: by };
    case StatusChange.SPAM:
      return { spam: '1' };
    case StatusChange.NOT_SPAM:
      return { spam: '' };
    case StatusChange.TAKEOVER_STARTED:
      return { control: 'human', operator: by };
    case StatusChange.TAKEOVER_ENDED:
      return { control: 'bot', operator: '' };
    case StatusChange.CLOSED:
      return {
        closed: '1',
        closedAt: (event.at ? timestampDate(event.at) : new Date()).toISOString(),
        control: 'bot',
        operator: '',
      };
    case StatusChange.REOPENED:
      return { closed: '', closedAt: '' };
    case StatusChange.ASSIGNED:
      return { owner: by };
    default:
      return {};
  }
}

const OWNER_VIA: Record<string, string> = {
  reply: ' (first reply)',
  asana: ' (assignee in Asana)',
  slack: ' (from Slack)',
  console: '',
};

/** The transcript's line for a status change: who did what. */
export function statusLine(event: StatusEvent): string {
  const by = operatorName(event.actor);
  const team = event.wholeTeam ? ' (the whole team)' : event.wholeUser ? ' (everything from this user)' : '';
  switch (event.change) {
    case StatusChange.REVIEWED:
      return `${by} marked it reviewed`;
    case StatusChange.SPAM:
      return `${by} marked it as spam${team}`;
    case StatusChange.NOT_SPAM:
      return `${by} marked it as not spam${team}`;
    case StatusChange.TAKEOVER_STARTED:
      return `${by} took over: the bot stays silent`;
    case StatusChange.TAKEOVER_ENDED:
      return event.actor?.source === 'system' ? `handed back to the bot (${by})` : `${by} handed it back to the bot`;
    case StatusChange.CLOSED:
      return `${by} closed it`;
    case StatusChange.REOPENED:
      return event.actor?.source === 'system' ? `reopened: ${event.note || by}` : `${by} reopened it`;
    case StatusChange.ASSIGNED:
      return `${by} is the owner now${OWNER_VIA[event.actor?.source ?? ''] ?? ''}`;
    case StatusChange.NOTE:
      return event.note;
    case StatusChange.SLA_BREACHED:
    case StatusChange.SLA_DEADLINE:
      return slaLine(event);
    case StatusChange.HANDOFF_TIMED_OUT:
      return `no operator took over in time: handed back to the bot (it had asked for a human: ${event.note})`;
    case StatusChange.THREAD_OPENED:
      return `${by} gave it a Slack thread of its own (it was listed in a digest)`;
    default:
      return `${by}: ${StatusChange[event.change] ?? 'unknown change'}`;
  }
}

/** The summary of a conversation known only by its timeline (its console summary expired). */
export function summaryFromTimeline(t: Record<string, string>): ConversationSummary {
  const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : '');
  return {
    ...summaryFromHash({ id: t.id })!,
    platform: t.platform ?? '',
    teamId: t.teamId ?? '',
    teamName: t.teamName ?? '',
    userId: t.userId ?? '',
    userName: t.userName ?? '',
    startedAt: iso(t.startedAt),
    lastAt: iso(t.closedAt || t.startedAt),
    priority: t.priority ?? '',
    reviewedBy: t.reviewedBy ?? '',
    spam: t.spam === '1',
    closed: t.closed === '1',
    closedAt: t.closed === '1' ? iso(t.closedAt) : '',
    control: t.control === 'human' ? 'human' : 'bot',
  };
}

/** A stored hash back into a summary (missing fields become empty). */
export function summaryFromHash(hash: Record<string, string>): ConversationSummary | null {
  if (!hash.id) return null;
  let tags: string[] = [];
  try {
    tags = JSON.parse(hash.tags || '[]') as string[];
  } catch {
    tags = [];
  }
  return {
    id: hash.id,
    platform: hash.platform ?? '',
    teamId: hash.teamId ?? '',
    teamName: hash.teamName ?? '',
    userId: hash.userId ?? '',
    userName: hash.userName ?? '',
    botId: hash.botId ?? '',
    startedAt: hash.startedAt ?? '',
    lastAt: hash.lastAt ?? '',
    lastText: hash.lastText ?? '',
    lastFrom: hash.lastFrom ?? '',
    priority: hash.priority ?? '',
    tags,
    messages: Number(hash.messages ?? 0),
    reviewedBy: hash.reviewedBy ?? '',
    spam: hash.spam === '1',
    closed: hash.closed === '1',
    closedAt: hash.closedAt ?? '',
    control: hash.control === 'human' ? 'human' : 'bot',
    operator: hash.operator ?? '',
    owner: hash.owner ?? '',
  };
}

export interface ListFilter {
  status?: 'open' | 'closed' | 'spam' | 'taken_over' | 'unreviewed' | 'reviewed';
  priority?: string;
  team?: string;
  /** Who reviewed, took over or first answered it. */
  operator?: string;
  /** First and last day of the start (YYYY-MM-DD, UTC). */
  from?: string;
  to?: string;
  /** Words to find in the user, team or last message. */
  q?: string;
}

export function matchesFilter(s: ConversationSummary, f: ListFilter): boolean {
  if (f.status === 'open' && (s.closed || s.spam)) return false;
  if (f.status === 'closed' && !s.closed) return false;
  if (f.status === 'spam' && !s.spam) return false;
  if (f.status === 'taken_over' && s.control !== 'human') return false;
  if (f.status === 'unreviewed' && (s.reviewedBy || s.spam)) return false;
  if (f.status === 'reviewed' && (!s.reviewedBy || s.spam || s.closed)) return false;
  if (f.priority && s.priority !== f.priority) return false;
  if (f.team && s.teamId !== f.team && s.teamName.toLowerCase() !== f.team.toLowerCase()) return false;
  if (f.q) {
    const hay = `${s.id} ${s.userName} ${s.userId} ${s.teamName} ${s.lastText}`.toLowerCase();
    if (
      !f.q
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean)
        .every((w) => hay.includes(w))
    )
      return false;
  }
  return true;
}
