// The digest message: when new conversations arrive faster than a channel's Slack budget, they are listed
// together in one message ("14 new conversations, 3 high"), one line each with its transcript link. Pure.
import { Priority } from '@switchboard/proto';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import type { ConversationSummary, StatusView } from './conversation';
import type { SlackMessage } from './render';
import { clip, escapeMrkdwn, link, packSections, priorityFlag, whoText } from './render-text';

export interface DigestEntry {
  summary: ConversationSummary;
  status?: StatusView;
  transcriptUrl: string;
  /** The console's link to its Asana task (redirects once the ticketer has made it). */
  taskUrl: string;
  /** How long it has waited ("unreviewed for 17 min"), escaped; sla-view.ts. */
  waited?: string;
  /** Promoted to a root of its own ("Open thread"): the line says so, with a link to it (when known). */
  movedTo?: { permalink?: string };
}

/** Longest line, so that four fit in a section (3,000 characters) and 150 in the 48 sections left. */
export const LINE_ROOM = 700;
const MAX_SECTIONS = 48;

/** "14 new conversations, 3 high". */
export function digestHeadline(entries: DigestEntry[]): string {
  const n = entries.length;
  const count = (p: Priority) => entries.filter((e) => e.summary.priority === p).length;
  const parts = [`${n} new conversation${n === 1 ? '' : 's'}`];
  if (count(Priority.URGENT) > 0) parts.push(`${count(Priority.URGENT)} urgent`);
  if (count(Priority.HIGH) > 0) parts.push(`${count(Priority.HIGH)} high`);
  return parts.join(', ');
}

function statusWord(view: StatusView | undefined): string {
  if (!view) return '';
  const by = (name: string) => escapeMrkdwn(clip(name, 40));
  if (view.spamBy) return ` · :no_entry_sign: spam (${by(view.spamBy)})`;
  if (view.closedBy) return ` · :white_check_mark: closed (${by(view.closedBy)})`;
  if (view.takenOverBy) return ` · :raising_hand: taken over (${by(view.takenOverBy)})`;
  if (view.reviewedBy) return ` · :eyes: reviewed (${by(view.reviewedBy)})`;
  return '';
}

/** One conversation's line: flag, who, the first words, its links, and what operators did. */
export function digestLine(entry: DigestEntry): string {
  const build = (textMax: number, nameMax: number) => {
    const { summary } = entry;
    const words = clip(summary.text, textMax);
    const links = [link(entry.transcriptUrl, 'transcript'), link(entry.taskUrl, 'Asana task')].join(' · ');
    const moved = entry.movedTo
      ? ` · :arrow_right: ${entry.movedTo.permalink ? link(entry.movedTo.permalink, 'moved to its own thread') : 'moved to its own thread'}`
      : statusWord(entry.status);
    return `• ${priorityFlag(summary.priority)}${whoText(summary, nameMax)}${words ? `: ${escapeMrkdwn(words)}` : ''} · ${links}${moved}${entry.waited ? ` · :hourglass_flowing_sand: ${entry.waited}` : ''}`;
  };
  const line = build(120, 40);
  return line.length <= LINE_ROOM ? line : build(20, 16).slice(0, LINE_ROOM);
}

/** The "Open thread" button of a line: promotes its conversation to a root of its own (handled by status). */
function openThreadButton(conversationId: string): object {
  return {
    type: 'button',
    text: { type: 'plain_text', text: 'Open thread' },
    action_id: SLACK_ACTION_IDS.openThread,
    value: conversationId,
  };
}

/**
 * The lines as blocks: as many as fit get a section of their own with an "Open thread" button (high ones
 * first), the rest are packed into shared sections, all within `maxBlocks` (Slack allows 50 per message).
 * A line already moved to its own thread has no button.
 */
export function digestLineBlocks(ordered: DigestEntry[], maxBlocks: number): object[] {
  const lines = ordered.map(digestLine);
  let own = Math.min(ordered.length, maxBlocks);
  while (own > 0 && own + packSections(lines.slice(own)).length > maxBlocks) own -= 1;
  const owned = ordered.slice(0, own).map((entry, i) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: lines[i] },
    ...(entry.movedTo ? {} : { accessory: openThreadButton(entry.summary.conversationId) }),
  }));
  const packed = packSections(lines.slice(own))
    .slice(0, maxBlocks - own)
    .map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  return [...owned, ...packed];
}

/** The digest message. Urgent conversations are never given to it (they always get their own root). */
export function renderDigest(entries: DigestEntry[]): SlackMessage {
  const title = digestHeadline(entries);
  const ordered = [...entries].sort((a, b) => b.summary.priority - a.summary.priority);
  return {
    text: title,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:inbox_tray: *${title}*` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: "Grouped to stay within Slack's rate limit. Later messages of these conversations are replied in this thread; Open thread gives one its own.",
          },
        ],
      },
      ...digestLineBlocks(ordered, MAX_SECTIONS),
    ],
  };
}
