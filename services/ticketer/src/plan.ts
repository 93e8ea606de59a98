// What the ticketer does to a conversation's Asana task, decided without I/O: the task a first event makes,
// the line a later message adds, and `planTicketOps(state, event)` for every later event.
import { Direction, Priority, StatusChange, type ClassifiedEvent, type StatusEvent } from '@switchboard/proto';
import { conversationMarker } from '@switchboard/agreements';
import type { PriorityName } from './config';
import { slaTicketOps } from './sla-ops';

const MAX_NAME = 120;
export const SPAM_TAG = 'spam';

/** What the ticketer remembers of a task (Redis), enough to plan without asking Asana. */
export interface TicketState {
  completed: boolean;
  spam: boolean;
  /** The task's due_at from a running deadline clock (ISO); empty or absent: none. */
  dueAt?: string;
}

export const NEW_TICKET: TicketState = { completed: false, spam: false };

export type TicketOp =
  | { op: 'comment'; text: string }
  /** A line for the next batched comment (later user messages). */
  | { op: 'buffer'; line: string }
  | { op: 'complete' }
  | { op: 'uncomplete' }
  | { op: 'addTag'; name: string }
  | { op: 'removeTag'; name: string }
  /** Make the task's assignee the Asana user with this email (Asana takes an email as `assignee`). */
  | { op: 'assign'; email: string; name: string }
  /** The task's due time (a deadline clock's; null clears it). */
  | { op: 'due'; at: string | null };

export type TicketEvent = { type: 'message'; event: ClassifiedEvent } | { type: 'status'; event: StatusEvent };

export interface TaskDraft {
  name: string;
  notes: string;
  priority: PriorityName;
  /** Tag names the task is created with (its priority). */
  tags: string[];
}

/**
 * The conversation id as the marker line writes it: '%' and whitespace percent-encoded, so the line stays one
 * line and two ids never write the same marker (ids without either, nearly all, are written as they are).
 */
export const markerId = (conversationId: string) => conversationId.replace(/[%\s]/gu, (c) => encodeURIComponent(c));

/** The last line of every task's notes, by which the ticketer finds the task again in a project listing. */
export const taskMarker = (conversationId: string) => conversationMarker(markerId(conversationId));

const MARKER_PREFIX = conversationMarker('');

/**
 * The conversation a task's notes are marked with: the exact marker line (no trimming), or undefined when
 * there is none or several disagree. User text in the notes is quoted line by line (`> `), so it can never
 * form a marker line: a first message that types one does not make its task another conversation's.
 */
export function markedConversation(notes: string): string | undefined {
  const ids = new Set(
    notes
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter(
        (line) =>
          line.startsWith(MARKER_PREFIX) &&
          !/\s/u.test(line.slice(MARKER_PREFIX.length)) &&
          line.length > MARKER_PREFIX.length,
      )
      .map((line) => line.slice(MARKER_PREFIX.length)),
  );
  if (ids.size !== 1) return undefined;
  const [id] = ids;
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/** True when the notes carry this conversation's marker line. */
export const isMarkedFor = (notes: string, conversationId: string) => {
  const id = markedConversation(notes);
  return id !== undefined && markerId(id) === markerId(conversationId);
};

export const priorityName = (priority: Priority): PriorityName =>
  priority === Priority.URGENT
    ? 'urgent'
    : priority === Priority.HIGH
      ? 'high'
      : priority === Priority.LOW
        ? 'low'
        : 'normal';

const cut = (text: string, max: number) =>
  Array.from(text).length > max
    ? Array.from(text)
        .slice(0, max - 1)
        .join('') + '…'
    : text;

/** Where a task links to: the console's transcript, and the console's redirect to the conversation in Slack. */
export interface TaskLinks {
  transcript: string;
  slack: string;
}

/** The task for a conversation's first event. */
export function taskFor(event: ClassifiedEvent, links: TaskLinks): TaskDraft {
  const m = event.message!;
  const user = oneLine(m.user?.name || m.user?.id || 'unknown user');
  const team = oneLine(m.team?.name || m.team?.id || 'unknown team');
  const first = oneLine(m.text) || (m.handoff ? `${HANDOFF_LINE}${oneLine(m.handoff.reason)}` : '');
  const priority = priorityName(event.priority);
  const notes = [
    `Conversation ${oneLine(m.conversationId)} on ${oneLine(m.platform) || 'an unknown platform'}`,
    `User: ${user}${m.user?.id ? ` [${oneLine(m.user.id)}]` : ''}`,
    `Team: ${team}${m.team?.id ? ` [${oneLine(m.team.id)}]` : ''}`,
    `Priority: ${priority}`,
    event.tags.length > 0 ? `Tags: ${oneLine(event.tags.join(', '))}` : '',
    '',
    'First message:',
    quoted(m.text),
    ...attachmentLines(m.attachments),
    '',
    m.handoff ? handoffComment(m.handoff) : '',
    '',
    `Live transcript: ${links.transcript}`,
    slackLine(links.slack),
    '',
    taskMarker(m.conversationId),
  ].filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''));
  return {
    name: cut(`${user} (${team}): ${first || '(no text)'}`, MAX_NAME),
    notes: notes.join('\n'),
    priority,
    tags: [`priority: ${priority}`],
  };
}

/** Text the user controls, kept to one line wherever it stands in a line of its own making. */
const oneLine = (text: string) => text.replace(/\s+/gu, ' ').trim();

/** The user's text as a quote: every line starts with '> ', so none can pass for a line the ticketer writes. */
const quoted = (text: string) =>
  text
    .split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/u)
    .map((line) => `> ${line}`)
    .join('\n');

const slackLine = (url: string) => `Slack thread: ${url}`;

/**
 * The notes of a task made without a Slack link (by a ticketer before 2026-12-01, which added the permalink
 * later) with the link under the transcript link; unchanged when they have it.
 */
export function notesWithSlack(notes: string, url: string): string {
  if (notes.includes(slackLine(url))) return notes;
  const lines = notes.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Live transcript: '));
  lines.splice(at >= 0 ? at + 1 : lines.length, 0, slackLine(url));
  return lines.join('\n');
}

const HANDOFF_LINE = 'The bot asks for a human: ';

/** The bot's request for a human: its reason on one line, its summary quoted (the bot's text, like the user's). */
export function handoffComment(h: { reason: string; summary: string }): string {
  return `${HANDOFF_LINE}${oneLine(h.reason)}${h.summary ? `\n${quoted(h.summary)}` : ''}`;
}

const who = (m: ClassifiedEvent['message']) => m?.user?.name || m?.user?.id || 'User';
const actorOf = (e: StatusEvent) => e.actor?.name || e.actor?.email || e.actor?.id || 'someone';

/**
 * A message's attachments as lines of their own ("Attachment: name https://…"; Asana links the URL): only
 * http(s) URLs without whitespace, names on one line, so no attachment can pass for a line the ticketer writes.
 */
export function attachmentLines(attachments: readonly { type: string; url: string; name: string }[]): string[] {
  return attachments
    .filter((a) => /^https?:\/\/\S+$/.test(a.url) && a.url.length <= 2000)
    .slice(0, 10)
    .map((a) => `Attachment: ${cut(oneLine(a.name || a.type || 'file'), 120)} ${a.url}`);
}

/** The comment line a later message adds (and a line per attachment under it). */
export function commentLine(event: ClassifiedEvent): string {
  const m = event.message!;
  return [`${m.direction === Direction.BOT ? 'Bot' : who(m)}: ${m.text}`, ...attachmentLines(m.attachments)].join('\n');
}

/** How far a SPAM / NOT_SPAM reached, for its comment ('' for the conversation alone). */
const spamScope = (e: StatusEvent) =>
  e.wholeTeam ? ' (the whole team)' : e.wholeUser ? ' (everything from this user)' : '';

/** Everything to do to an existing task for one later event, in order. */
export function planTicketOps(state: TicketState, input: TicketEvent): TicketOp[] {
  if (input.type === 'message') {
    const m = input.event.message;
    if (!m || input.event.denied) return [];
    const handoff: TicketOp[] = m.handoff ? [{ op: 'comment', text: handoffComment(m.handoff) }] : [];
    if (m.direction !== Direction.USER && m.direction !== Direction.UNSPECIFIED) return handoff;
    // A completed task is reopened by the REOPENED the status service publishes for this message (the one
    // place that decides, so the task is reopened once, and never for a spam conversation), not here.
    return [...handoff, { op: 'buffer', line: commentLine(input.event) }];
  }
  const e = input.event;
  const actor = actorOf(e);
  switch (e.change) {
    case StatusChange.REVIEWED:
      return [{ op: 'comment', text: `Reviewed by ${actor}.` }];
    case StatusChange.SPAM:
      return [
        ...(state.spam ? [] : [{ op: 'addTag', name: SPAM_TAG } as const]),
        ...(state.completed ? [] : [{ op: 'complete' } as const]),
        { op: 'comment', text: `Marked as spam by ${actor}${spamScope(e)}${e.note ? `: ${e.note}` : '.'}` },
      ];
    case StatusChange.NOT_SPAM:
      return [
        ...(state.spam ? [{ op: 'removeTag', name: SPAM_TAG } as const] : []),
        ...(state.completed ? [{ op: 'uncomplete' } as const] : []),
        { op: 'comment', text: `Marked as not spam by ${actor}${spamScope(e)}.` },
      ];
    case StatusChange.TAKEOVER_STARTED:
      return [{ op: 'comment', text: `${actor} took over the conversation from the bot.` }];
    case StatusChange.TAKEOVER_ENDED:
      return [{ op: 'comment', text: `${actor} handed the conversation back to the bot.` }];
    case StatusChange.CLOSED:
      return state.completed ? [] : [{ op: 'complete' }];
    case StatusChange.REOPENED:
      return [
        ...(state.completed ? [{ op: 'uncomplete' } as const] : []),
        {
          op: 'comment',
          text: e.actor?.source === 'system' ? `Reopened: ${e.note || actor}.` : `Reopened by ${actor}.`,
        },
      ];
    case StatusChange.ASSIGNED:
      return assignOps(e, actor);
    case StatusChange.NOTE:
      // A note made by commenting on the task is on the task already.
      if (e.actor?.source === 'asana') return [];
      return e.note.trim() ? [{ op: 'comment', text: `Note from ${actor}: ${e.note}` }] : [];
    case StatusChange.SLA_DEADLINE:
    case StatusChange.SLA_BREACHED:
      return slaTicketOps(e);
    case StatusChange.HANDOFF_TIMED_OUT:
      return [{ op: 'comment', text: 'No operator took the handoff in time: the bot has the conversation again.' }];
    default:
      return [];
  }
}

const OWNER_VIA: Record<string, string> = {
  reply: ' (first reply)',
  slack: ' (from Slack)',
  console: ' (from the console)',
};

/**
 * A new owner: the task's assignee (by email) and a comment. Never for an owner that came from Asana's own
 * assignee: writing it back would make another change in Asana, and come back again.
 */
function assignOps(e: StatusEvent, actor: string): TicketOp[] {
  const source = e.actor?.source ?? '';
  if (source === 'asana') return [];
  const email = e.actor?.email ?? '';
  return [
    ...(email ? [{ op: 'assign', email, name: actor } as const] : []),
    { op: 'comment', text: `Owner: ${actor}${OWNER_VIA[source] ?? ''}.` },
  ];
}

/** The state after the ops are applied. */
export function nextState(state: TicketState, ops: TicketOp[]): TicketState {
  let next = { ...state };
  for (const op of ops) {
    if (op.op === 'complete') next = { ...next, completed: true };
    if (op.op === 'uncomplete') next = { ...next, completed: false };
    if (op.op === 'addTag' && op.name === SPAM_TAG) next = { ...next, spam: true };
    if (op.op === 'removeTag' && op.name === SPAM_TAG) next = { ...next, spam: false };
    if (op.op === 'due') next = { ...next, dueAt: op.at ?? '' };
  }
  return next;
}

/** A batch of buffered lines as one comment. */
export const batchText = (lines: string[]) => lines.join('\n');

/**
 * After a crash between writing a batch and recording it: was it written? Only the task's last few comments
 * count (a status comment may have come after it); an identical older comment is a different batch.
 */
export const batchAlreadyWritten = (comments: string[], text: string, lookBack = 3) =>
  comments.slice(-lookBack).includes(text);
