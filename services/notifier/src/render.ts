// Slack messages for one conversation, as Block Kit: pure functions from what the notifier knows (the first
// event's summary, the operators' status, the links) to message payloads. Re-rendering the same inputs gives
// the same message, which is what makes chat.update after a status change or a late task link safe.
import type { ClassifiedEvent } from '@switchboard/proto';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { buttonsFor, STATE_BUTTONS, type ButtonName, type ButtonSpec } from './buttons';
import { type ConversationSummary, type HandoffView, type StatusView } from './conversation';
import {
  PRIORITY_LABEL,
  clip,
  escapeMrkdwn,
  link,
  packSections,
  priorityFlag,
  slackDate,
  userText,
  whoText,
} from './render-text';
import { waitedText } from './sla-view';
import {
  attachmentLinks,
  classifiedLine,
  renderLine,
  renderLineText,
  type LineAttachment,
  type LineInDigest,
} from './thread-lines';

/**
 * The first message's attachments in its root, as links: an image Slack cannot fetch makes it refuse the whole
 * message, and the root must never depend on that (the thread's lines show images, with a fallback).
 */
const attachmentBlocks = (attachments: LineAttachment[]): object[] =>
  attachments.length === 0 ? [] : [{ type: 'section', text: { type: 'mrkdwn', text: attachmentLinks(attachments) } }];

export interface SlackMessage {
  text: string;
  blocks: object[];
}

/** The operator buttons' action ids; the status service handles the clicks. Values carry the conversation id. */

const BUTTONS: Record<ButtonName, ButtonSpec> = {
  reviewed: { label: 'Reviewed', actionId: SLACK_ACTION_IDS.reviewed, style: 'primary' },
  spam: { label: 'Spam', actionId: SLACK_ACTION_IDS.spam, style: 'danger' },
  takeover: { label: 'Take over', actionId: SLACK_ACTION_IDS.takeover },
  handback: { label: 'Hand back', actionId: SLACK_ACTION_IDS.handback, style: 'primary' },
  not_spam: { label: 'Not spam', actionId: SLACK_ACTION_IDS.notSpam },
  ...STATE_BUTTONS,
};

export interface RootInputs {
  summary: ConversationSummary;
  status?: StatusView;
  transcriptUrl: string;
  /** The console's link to its Asana task (redirects once the ticketer has made it). */
  taskUrl: string;
  /** The time of rendering, for how long the conversation has waited (sla-view.ts); no wait shown without it. */
  nowMs?: number;
}

/** "Reviewed by Xavier · Taken over by Zoe": who did what, escaped (operator names come from Slack profiles). */
export function statusLine(view: StatusView | undefined): string {
  if (!view) return '';
  const by = (name: string) => `*${escapeMrkdwn(name)}*`;
  const facts: string[] = [];
  if (view.spamBy) facts.push(`:no_entry_sign: Marked spam by ${by(view.spamBy)}`);
  if (view.closedBy) facts.push(`:white_check_mark: Closed by ${by(view.closedBy)}`);
  if (view.takenOverBy) facts.push(`:raising_hand: Taken over by ${by(view.takenOverBy)}`);
  if (view.reviewedBy) facts.push(`:eyes: Reviewed by ${by(view.reviewedBy)}`);
  if (view.ownedBy) facts.push(`:bust_in_silhouette: Owner: ${by(view.ownedBy)}`);
  const last = view.last;
  if (last?.change === 'handed_back')
    facts.push(`:leftwards_arrow_with_hook: Handed back to the bot by ${by(last.by)}`);
  if (last?.change === 'not_spam') facts.push(`Marked not spam by ${by(last.by)}`);
  if (last?.change === 'reopened') facts.push(`Reopened by ${by(last.by)}`);
  if (last?.change === 'handoff_timed_out')
    facts.push(':hourglass: No operator took the handoff in time: back to the bot');
  return facts.join('  ·  ');
}

function headline(summary: ConversationSummary): string {
  const what = summary.resumed ? 'Conversation resumed' : 'New conversation';
  return `${priorityFlag(summary.priority)}*${what}* with ${whoText(summary)}`;
}

/** The triage channel's root message for a conversation, with the buttons its status allows. */
export function renderRoot({ summary, status, transcriptUrl, taskUrl, nowMs }: RootInputs): SlackMessage {
  const facts = [`Priority: ${PRIORITY_LABEL[summary.priority]}`];
  if (summary.tags.length > 0)
    facts.push(
      `Tags: ${summary.tags
        .slice(0, 10)
        .map((t) => escapeMrkdwn(clip(t, 40)))
        .join(', ')}`,
    );
  const when = slackDate(summary.atMs);
  if (when) facts.push(when);
  facts.push(link(transcriptUrl, 'Live transcript'));
  facts.push(link(taskUrl, 'Asana task'));
  const quoted = userText(summary.text);
  const handoff = status?.handoff;
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: headline(summary) } },
    ...(handoff ? [{ type: 'section', text: { type: 'mrkdwn', text: handoffText(handoff) } }] : []),
    // A conversation that starts with a message-less handoff has no first text to quote.
    ...(quoted || !handoff ? [{ type: 'section', text: { type: 'mrkdwn', text: `>${quoted || '_(no text)_'}` } }] : []),
    ...attachmentBlocks(summary.attachments ?? []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join('  ·  ') }] },
  ];
  const done = statusLine(status);
  if (done) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: done }] });
  const waited = nowMs === undefined ? '' : waitedText(status, nowMs);
  if (waited)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:hourglass_flowing_sand: ${waited}` }] });
  const buttons = buttonsFor(status ?? {});
  if (buttons.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: 'sb_conv_actions',
      elements: buttons.map((name) => {
        const b = BUTTONS[name];
        return {
          type: 'button',
          text: { type: 'plain_text', text: b.label },
          action_id: b.actionId,
          value: summary.conversationId,
          ...(b.style ? { style: b.style } : {}),
        };
      }),
    });
  }
  return {
    text: `${headline(summary)}: ${handoff ? `The bot asks for a human: ${userText(clip(handoff.reason, 200))}` : quoted}`,
    blocks,
  };
}

/** "The bot asks for a human: <reason>" and the bot's summary quoted; both the bot's text, escaped. */
export function handoffText(handoff: HandoffView): string {
  const lines = [
    `:sos: *The bot asks for a human:* ${userText(clip(handoff.reason, 500))}${handoff.team ? ` (team ${userText(clip(handoff.team, 64))})` : ''}`,
  ];
  if (handoff.summary) lines.push(`>${userText(handoff.summary, 1000, 2000).replace(/\n/g, '\n>')}`);
  return lines.join('\n');
}

/** One later message as a line of its thread: who speaks, a flag when high or urgent, the escaped text. */
export function replyLine(event: ClassifiedEvent, room = 2400): string {
  return renderLineText(classifiedLine(event), room);
}

/** Where a reply in a digest's thread says which conversation it belongs to (that thread is shared). */
export interface DigestThread {
  summary: ConversationSummary;
  transcriptUrl: string;
}

const inDigestLabel = (d: DigestThread) => link(d.transcriptUrl, `${d.summary.user} (${d.summary.team})`);

/** The conversation a line in a digest's thread names. */
export const lineInDigest = (d: DigestThread | undefined): LineInDigest | undefined =>
  d && { user: d.summary.user, team: d.summary.team, transcriptUrl: d.transcriptUrl };

/** A later message of the conversation, as a reply in its thread (its root's, or its digest's). */
export function renderThreadReply(event: ClassifiedEvent, inDigest?: DigestThread): SlackMessage {
  return renderLine(classifiedLine(event), lineInDigest(inDigest));
}

/** Most replies grouped in one message; queued lines are rendered with this room, so three fit a section. */
export const MAX_REPLY_GROUP = 40;
export const QUEUED_LINE_ROOM = 900;

/** Several later messages that queued up while the channel was busy, as one reply in the thread. */
export function renderReplyGroup(lines: string[], inDigest?: DigestThread): SlackMessage {
  if (lines.length === 1 && !inDigest)
    return { text: lines[0], blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines[0] } }] };
  const title = `${lines.length} message${lines.length === 1 ? '' : 's'}${inDigest ? ` in ${inDigestLabel(inDigest)}` : ''}`;
  return {
    text: `${title}: ${lines[0].slice(0, 200)}`,
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: title }] },
      ...packSections(lines).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ],
  };
}
