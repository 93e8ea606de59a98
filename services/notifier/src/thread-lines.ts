// The lines of a conversation's Slack thread, whatever they come from: a later user or bot message
// (conv.classified), an operator's reply (bot.outbound), a note or a state change (conv.status). Pure: each
// source becomes a ThreadLine (escaped mrkdwn, with its attachments), rendered alone or in a digest's thread.
import {
  Direction,
  OperatorMessageKind,
  Priority,
  StatusChange,
  timestampMs,
  type Attachment,
  type ClassifiedEvent,
  type OperatorMessage,
  type StatusEvent,
} from '@switchboard/proto';
import { actorName } from './conversation';
import { MAX_TEXT, PRIORITY_LABEL, clip, escapeMrkdwn, link, userText } from './render-text';

/** An attachment as the thread shows it: a link (only http(s) URLs), an image block for images. */
export interface LineAttachment {
  url: string;
  name: string;
  image: boolean;
}

/** One line of a conversation's thread, ready to post alone or to queue with others. */
export interface ThreadLine {
  conversationId: string;
  /**
   * The line's id for done-marks, intent markers and the post's metadata: unique across the notifier's three
   * sources (the source's event id, prefixed for bot.outbound and conv.status).
   */
  lineId: string;
  /** Who speaks or what happened, mrkdwn (escaped): `*User*`, `*Ann* (operator)`, `:eyes: reviewed by *Ann*`. */
  head: string;
  /** Shown after the head (and after the conversation's name in a digest's thread): the priority flag. */
  flag?: string;
  /** The raw text after the head (escaped when rendered); empty for a state change without a note. */
  body: string;
  /** A note: its body is shown as an internal note, never sent to the user. */
  note?: boolean;
  /** An operator's own state line: shown in a conversation marked spam too (the user's lines are not). */
  evenIfSpam?: boolean;
  priority: Priority;
  /** When ingress (or the status service) received it, for the latency metric; 0 when unknown. */
  receivedAtMs: number;
  attachments: LineAttachment[];
}

/** Most attachments shown per line. */
export const MAX_LINE_ATTACHMENTS = 5;
/** Most image blocks per message (Slack allows 50 blocks; images are large). */
export const MAX_IMAGES = 3;

const HTTP_URL = /^https?:\/\/[^\s<>|]+$/;
/** Longer URLs are not linked (a line must fit a section). */
const MAX_URL = 1000;

/** The message's attachments that can be linked (http(s) URLs only), at most MAX_LINE_ATTACHMENTS. */
export function lineAttachments(attachments: readonly Attachment[]): LineAttachment[] {
  return attachments
    .filter((a) => a.url.length <= MAX_URL && HTTP_URL.test(a.url))
    .slice(0, MAX_LINE_ATTACHMENTS)
    .map((a) => ({
      url: a.url,
      name:
        a.name ||
        a.url
          .replace(/^https?:\/\//, '')
          .split(/[?#]/)[0]
          .split('/')
          .pop() ||
        a.type ||
        'attachment',
      image: /^image/i.test(a.type) || /\.(png|jpe?g|gif|webp)(\?|#|$)/i.test(a.url),
    }));
}

/**
 * ":paperclip: <url|name>, …": the attachments as links, escaped, in at most `room` characters (the last ones
 * are left out until they fit). Empty when there are none.
 */
export function attachmentLinks(attachments: readonly LineAttachment[], room = 1500): string {
  const render = (shown: readonly LineAttachment[]) =>
    `:paperclip: ${shown.map((a) => link(a.url, clip(a.name, 80))).join(', ')}`;
  for (let shown = attachments.length; shown > 0; shown -= 1) {
    const text = render(attachments.slice(0, shown));
    if (text.length <= room) return text;
  }
  return '';
}

/** Image blocks for the image attachments (only http(s) URLs ever reach here). */
export function imageBlocks(attachments: readonly LineAttachment[]): object[] {
  return attachments
    .filter((a) => a.image)
    .slice(0, MAX_IMAGES)
    .map((a) => ({ type: 'image', image_url: a.url, alt_text: clip(a.name, 200) || 'image' }));
}

const SPEAKER: Record<Direction, string> = {
  [Direction.UNSPECIFIED]: 'User',
  [Direction.USER]: 'User',
  [Direction.BOT]: 'Bot',
  [Direction.OPERATOR]: 'Operator',
};

/** A later message of the conversation (a user's, a bot's, a rule hit) as a thread line. */
export function classifiedLine(event: ClassifiedEvent): ThreadLine {
  const m = event.message!;
  const flag = event.priority >= Priority.HIGH ? ` ${PRIORITY_LABEL[event.priority]}` : '';
  return {
    conversationId: m.conversationId,
    lineId: m.eventId,
    head: `*${SPEAKER[m.direction ?? Direction.USER]}*`,
    ...(flag ? { flag } : {}),
    body: m.text,
    priority: event.priority,
    receivedAtMs: m.receivedAt ? timestampMs(m.receivedAt) : 0,
    attachments: lineAttachments(m.attachments),
  };
}

/** The operator's name, escaped and on one line. */
const who = (name: string) => `*${escapeMrkdwn(clip(name, 80))}*`;

/**
 * An operator's message to the user (bot.outbound) as a thread line, or null when the thread must not show it:
 * one typed in Slack is in the thread already, and the control changes for the bot (handed back, handoff
 * timeout) show as the state lines of their conv.status events.
 */
export function outboundLine(message: OperatorMessage): ThreadLine | null {
  const kind = message.kind || OperatorMessageKind.MESSAGE;
  if (kind !== OperatorMessageKind.MESSAGE) return null;
  if (message.operator?.source === 'slack') return null;
  const via =
    message.operator?.source && message.operator.source !== 'console' ? `, from ${message.operator.source}` : '';
  return {
    conversationId: message.conversationId,
    lineId: `outbound:${message.eventId}`,
    head: `:speech_balloon: ${who(actorName(message.operator))} (operator${escapeMrkdwn(clip(via, 40))})`,
    body: message.text,
    priority: Priority.NORMAL,
    receivedAtMs: message.sentAt ? timestampMs(message.sentAt) : 0,
    attachments: [],
  };
}

/** The short line of a state change; null for changes the thread does not show. */
export function stateChangeText(event: StatusEvent): { head: string; body: string; note?: boolean } | null {
  const by = who(actorName(event.actor));
  switch (event.change) {
    case StatusChange.REVIEWED:
      return { head: `:eyes: _reviewed by_ ${by}`, body: '' };
    case StatusChange.TAKEOVER_STARTED:
      return { head: `:raising_hand: _taken over by_ ${by}`, body: '' };
    case StatusChange.TAKEOVER_ENDED:
      // The note is for the bot; the thread shows it too, so operators see what the bot was told.
      return event.actor?.source === 'system'
        ? {
            head: `:leftwards_arrow_with_hook: _handed back to the bot_ (${escapeMrkdwn(clip(actorName(event.actor), 80))})`,
            body: '',
          }
        : { head: `:leftwards_arrow_with_hook: _handed back by_ ${by}`, body: event.note };
    case StatusChange.CLOSED:
      return { head: `:white_check_mark: _closed by_ ${by}`, body: '' };
    case StatusChange.REOPENED:
      return event.note
        ? { head: ':arrows_counterclockwise: _reopened_', body: event.note }
        : { head: `:arrows_counterclockwise: _reopened by_ ${by}`, body: '' };
    case StatusChange.SPAM:
      return { head: `:no_entry_sign: _marked spam${event.wholeTeam ? ' (whole team)' : ''} by_ ${by}`, body: '' };
    case StatusChange.NOT_SPAM:
      return { head: `_marked not spam by_ ${by}`, body: '' };
    case StatusChange.ASSIGNED:
      return { head: `:bust_in_silhouette: _owner:_ ${by}`, body: '' };
    case StatusChange.HANDOFF_TIMED_OUT:
      return { head: ':hourglass: _no operator took the handoff in time: back to the bot_', body: '' };
    case StatusChange.NOTE:
      // One typed in Slack (`note: …`) is in the thread already.
      if (event.actor?.source === 'slack' || !event.note) return null;
      return { head: `:memo: *Internal note* by ${by}`, body: event.note, note: true };
    default:
      return null;
  }
}

/** A state change or a note (conv.status) as a thread line, or null when the thread does not show it. */
export function statusLine(event: StatusEvent): ThreadLine | null {
  const text = stateChangeText(event);
  if (!text) return null;
  return {
    conversationId: event.conversationId,
    lineId: `status:${event.eventId}`,
    ...text,
    evenIfSpam: true,
    priority: Priority.NORMAL,
    receivedAtMs: event.at ? timestampMs(event.at) : 0,
    attachments: [],
  };
}

/** The conversation a line in a digest's thread belongs to (that thread is shared). */
export interface LineInDigest {
  user: string;
  team: string;
  transcriptUrl: string;
}

/**
 * The line as mrkdwn: head, escaped body (a note's quoted, so it reads as internal) and attachment links,
 * cut so that it fits `room` characters of escaped text; in a digest's thread the head names the conversation.
 */
export function renderLineText(line: ThreadLine, room = 2400, inDigest?: LineInDigest): string {
  const where = inDigest ? ` in ${link(inDigest.transcriptUrl, `${inDigest.user} (${inDigest.team})`)}` : '';
  const links = attachmentLinks(line.attachments, room / 2);
  const lead = `${line.head}${where}${line.flag ?? ''}`;
  const bodyRoom = Math.max(100, room - lead.length - links.length - 4);
  let text = lead;
  if (line.body) {
    const body = userText(line.body, MAX_TEXT, bodyRoom);
    text += line.note ? `\n>${body.replace(/\n/g, '\n>')}` : `: ${body}`;
  }
  if (links) text += `\n${links}`;
  return text;
}

/** A line posted on its own: one section, and image blocks for its images. */
export function renderLine(line: ThreadLine, inDigest?: LineInDigest): { text: string; blocks: object[] } {
  const text = renderLineText(line, 2400, inDigest);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, ...imageBlocks(line.attachments)] };
}
