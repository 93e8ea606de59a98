// Deadlines as Slack shows them: the wait on the root and on a digest line ("unreviewed for 17 min"), the
// reminder in the conversation's thread, and the escalation post in another channel. Pure. Mentions come
// from the SLA policy and are passed through only in Slack's own mention forms; everything else is escaped.
import type { StatusEvent } from '@switchboard/proto';
import { timestampMs } from '@switchboard/proto';
import type { ConversationSummary, StatusView } from './conversation';
import type { SlackMessage } from './render';
import { escapeMrkdwn, link, whoText } from './render-text';

/** A running clock as the notifier keeps it (in the status view): what it counts from and to. */
export interface SlaView {
  clock: string;
  sinceMs: number;
  deadlineMs: number;
  /** Its deadline passed (a breach event came). */
  breached?: boolean;
}

/** A user, a user group, @here or @channel: the forms Slack renders as a mention (as the policy file checks). */
const MENTION = /^<(@[UW][A-Z0-9]{2,}|!subteam\^S[A-Z0-9]{2,}|!here|!channel)>$/;

export const mentionText = (mentions: string[]) =>
  mentions.map((m) => (MENTION.test(m) ? m : escapeMrkdwn(m))).join(' ');

/** The view after an SLA_DEADLINE event: the clock's run, or none when it stopped. */
export function withDeadline(view: StatusView, event: StatusEvent): StatusView {
  const sla = event.sla;
  if (!sla?.deadline) {
    if (view.sla && view.sla.clock !== sla?.clock) return view;
    const { sla: _stopped, ...rest } = view;
    return rest;
  }
  return {
    ...view,
    sla: {
      clock: sla.clock,
      sinceMs: sla.started ? timestampMs(sla.started) : event.at ? timestampMs(event.at) : 0,
      deadlineMs: timestampMs(sla.deadline),
    },
  };
}

/** The view after a breach: the clock is marked past its deadline. */
export function withBreach(view: StatusView, event: StatusEvent): StatusView {
  const sla = event.sla!;
  const since = sla.started ? timestampMs(sla.started) : (view.sla?.sinceMs ?? 0);
  const deadlineMs = sla.deadline ? timestampMs(sla.deadline) : (view.sla?.deadlineMs ?? 0);
  return { ...view, sla: { clock: sla.clock, sinceMs: since, deadlineMs, breached: true } };
}

/** Human words for a wait: `40 s`, `17 min`, `3 h 5 min`, `2 d 4 h`. */
export function waitedWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const WAITING: Record<string, string> = { review: 'unreviewed', reply: 'waiting for a reply' };

/**
 * "unreviewed for 17 min · deadline passed" while the clock runs; empty once an operator acted (a review
 * clock's stop may reach the notifier after the action itself) or when no clock runs.
 */
export function waitedText(view: StatusView | undefined, nowMs: number): string {
  const sla = view?.sla;
  if (!sla || !(sla.sinceMs > 0)) return '';
  if (view.spamBy || view.closedBy) return '';
  if (sla.clock === 'review' && (view.reviewedBy || view.takenOverBy)) return '';
  const state = WAITING[sla.clock] ?? escapeMrkdwn(sla.clock);
  const waited = `${state} for ${waitedWords(nowMs - sla.sinceMs)}`;
  if (sla.breached || nowMs >= sla.deadlineMs) return `${waited} · deadline passed`;
  return `${waited} · due in ${waitedWords(sla.deadlineMs - nowMs)}`;
}

/** What the breach is, in a few words: "Review deadline passed", "Reminder 2", "Escalation level 1". */
export function breachTitle(event: StatusEvent): string {
  const sla = event.sla!;
  const clock = sla.clock === 'reply' ? 'Reply' : 'Review';
  if (sla.level > 0) return `${clock} escalation, level ${sla.level}`;
  return sla.repeat === 0 ? `${clock} deadline passed` : `${clock} reminder ${sla.repeat}`;
}

/** Where the reminder is posted in a digest's thread, it names its conversation (that thread is shared). */
export interface BreachPlace {
  summary?: ConversationSummary;
  transcriptUrl: string;
  inDigest: boolean;
}

/** The reminder, as a reply in the conversation's thread (its root's or its digest's). */
export function renderBreach(event: StatusEvent, place: BreachPlace, nowMs: number): SlackMessage {
  const sla = event.sla!;
  const since = sla.started ? timestampMs(sla.started) : 0;
  const who =
    place.inDigest && place.summary
      ? ` for ${link(place.transcriptUrl, `${place.summary.user} (${place.summary.team})`)}`
      : '';
  const waited = since > 0 ? ` · ${WAITING[sla.clock] ?? 'waiting'} for ${waitedWords(nowMs - since)}` : '';
  const policy = ` (SLA policy ${escapeMrkdwn(sla.policy)}${event.note ? `: ${escapeMrkdwn(event.note)}` : ''})`;
  const mentions = sla.mention.length > 0 ? `\n${mentionText(sla.mention)}` : '';
  const text = `:alarm_clock: *${breachTitle(event)}*${who}${waited}${policy}${mentions}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The escalation in another channel: what is late, linking the conversation's thread. */
export function renderEscalation(
  event: StatusEvent,
  summary: ConversationSummary | undefined,
  permalink: string,
  nowMs: number,
): SlackMessage {
  const sla = event.sla!;
  const since = sla.started ? timestampMs(sla.started) : 0;
  const who = summary ? whoText(summary) : escapeMrkdwn(event.conversationId);
  const waited = since > 0 ? `${WAITING[sla.clock] ?? 'waiting'} for ${waitedWords(nowMs - since)}` : 'late';
  const mentions = sla.mention.length > 0 ? `\n${mentionText(sla.mention)}` : '';
  const text = `:rotating_light: *${breachTitle(event)}*: the conversation with ${who} is ${waited} (SLA policy ${escapeMrkdwn(sla.policy)}). ${link(permalink, 'Open its thread')}${mentions}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
