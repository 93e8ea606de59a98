// Text pieces every Slack message of the notifier is built from. User text is untrusted: it is escaped so
// `<!channel>`, `<@U123>` or `<http://x|y>` typed by a user shows as text and can never ping anyone or
// disguise a link; links are only ever made by us, from URLs we built or checked.
import { Priority } from '@switchboard/proto';

export const MAX_TEXT = 2500;

/** Escapes the three characters Slack treats as control sequences in mrkdwn. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts overlong text on a character boundary (not inside a surrogate pair) and says so. */
export function truncate(text: string, max = MAX_TEXT): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, max).join('') + ` … (${chars.length - max} more characters)`;
}

/** Cuts short text for one line: whitespace folded, an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(folded);
  return chars.length <= max ? folded : chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Room for escaped user text in one section (Slack refuses a section over 3,000 characters). */
export const SECTION_ROOM = 2900;

/**
 * User text ready for mrkdwn: escaped, and cut with a marker so that it has at most `max` characters and its
 * escaped form fits in `room` (escaping can make text five times longer, and Slack would refuse the block).
 */
export function userText(text: string, max = MAX_TEXT, room = SECTION_ROOM): string {
  const chars = Array.from(text);
  let out = '';
  let kept = 0;
  for (const ch of chars) {
    const escaped = escapeMrkdwn(ch);
    if (kept >= max || out.length + escaped.length > room) break;
    out += escaped;
    kept += 1;
  }
  return kept < chars.length ? `${out} … (${chars.length - kept} more characters)` : out;
}

/** A mrkdwn link, or just the label when the URL is not plain http(s) (a link can never be smuggled in). */
export function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeMrkdwn(label);
  return `<${url}|${escapeMrkdwn(label)}>`;
}

/** A date Slack shows in each reader's own time zone, with a UTC fallback. */
export function slackDate(ms: number): string {
  if (!(ms > 0)) return '';
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
}

export const PRIORITY_LABEL: Record<Priority, string> = {
  [Priority.UNSPECIFIED]: 'normal',
  [Priority.LOW]: 'low',
  [Priority.NORMAL]: 'normal',
  [Priority.HIGH]: ':warning: *HIGH*',
  [Priority.URGENT]: ':rotating_light: *URGENT*',
};

/** The flag in front of a headline: only high and urgent conversations get one, so they stand out. */
export function priorityFlag(priority: Priority): string {
  return priority >= Priority.HIGH ? `${PRIORITY_LABEL[priority]} ` : '';
}

/** "Ann (Acme, slack)", escaped. */
export function whoText(party: { user: string; team: string; platform: string }, max = 80): string {
  const platform = party.platform ? `, ${escapeMrkdwn(clip(party.platform, 30))}` : '';
  return `${escapeMrkdwn(clip(party.user, max))} (${escapeMrkdwn(clip(party.team, max))}${platform})`;
}

/** Lines packed into as few sections as Slack allows (3,000 characters each); a longer line is cut. */
export function packSections(lines: string[], room = 3000): string[] {
  const sections: string[] = [];
  let current = '';
  for (const line of lines) {
    const piece = line.slice(0, room);
    if (current && current.length + 1 + piece.length > room) {
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${piece}` : piece;
  }
  if (current) sections.push(current);
  return sections;
}
