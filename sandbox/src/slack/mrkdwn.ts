// Slack mrkdwn as HTML, the way a Slack client shows it: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes,
// <url|label> links, <@user>/<#channel>/<!here> mentions, <!date^…> dates and a few emoji. Pure; everything
// else is escaped, so no text a user typed can open a tag or an attribute on the sandbox page.

/** Text for an HTML page: everything that could open a tag, an attribute or an entity becomes an entity. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const e = escapeHtml;

export interface MrkdwnNames {
  /** The display name of a user id (`<@U123>` → `@name`); the id itself when absent. */
  user?: (id: string) => string | undefined;
  /** The name of a channel id (`<#C123>` → `#name`) when the sequence carries no label. */
  channel?: (id: string) => string | undefined;
  /** "Now" for {date_pretty} (today / yesterday / tomorrow) and {ago}; dates are shown in UTC. */
  now?: Date;
}

/** The shortcodes Switchboard's own messages use, and a few common ones; others stay as typed. */
const EMOJI: Record<string, string> = {
  warning: '⚠️',
  rotating_light: '🚨',
  inbox_tray: '📥',
  eyes: '👀',
  no_entry_sign: '🚫',
  raising_hand: '🙋',
  white_check_mark: '✅',
  leftwards_arrow_with_hook: '↩️',
  heavy_check_mark: '✔️',
  x: '❌',
  tada: '🎉',
  wave: '👋',
  '+1': '👍',
  thumbsup: '👍',
  fire: '🔥',
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ordinal = (n: number) =>
  `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
const pad = (n: number) => String(n).padStart(2, '0');
const LINK_SCHEMES = /^(https?:\/\/|mailto:)[^\s"'<>]+$/i;

/** Slack's three entities back to characters (&amp; last, so "&amp;lt;" stays "&lt;" as text). */
const decode = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function time(d: Date, seconds: boolean): string {
  const h = d.getUTCHours() % 12 || 12;
  return `${h}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

function ago(d: Date, now: Date): string {
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const [n, unit] =
    Math.abs(s) < 60
      ? [Math.abs(s), 'second']
      : Math.abs(s) < 3600
        ? [Math.round(Math.abs(s) / 60), 'minute']
        : Math.abs(s) < 86400
          ? [Math.round(Math.abs(s) / 3600), 'hour']
          : [Math.round(Math.abs(s) / 86400), 'day'];
  const amount = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return s >= 0 ? `${amount} ago` : `in ${amount}`;
}

function pretty(d: Date, now: Date, otherwise: string): string {
  const day = (x: Date) => Math.floor(x.getTime() / 86400000);
  const diff = day(d) - day(now);
  return diff === 0 ? 'today' : diff === -1 ? 'yesterday' : diff === 1 ? 'tomorrow' : otherwise;
}

/** One {token} of a <!date^…> format, or undefined for a token Slack does not know. */
function dateToken(token: string, d: Date, now: Date): string | undefined {
  const month = MONTHS[d.getUTCMonth()];
  const short = `${month.slice(0, 3)} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
  const long = `${DAYS[d.getUTCDay()]}, ${month} ${ordinal(d.getUTCDate())}, ${d.getUTCFullYear()}`;
  const plain = `${month} ${ordinal(d.getUTCDate())}, ${d.getUTCFullYear()}`;
  switch (token) {
    case 'date_num':
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    case 'date':
      return plain;
    case 'date_short':
      return short;
    case 'date_long':
      return long;
    case 'date_pretty':
      return pretty(d, now, plain);
    case 'date_short_pretty':
      return pretty(d, now, short);
    case 'date_long_pretty':
      return pretty(d, now, long);
    case 'time':
      return time(d, false);
    case 'time_secs':
      return time(d, true);
    case 'ago':
      return ago(d, now);
    default:
      return undefined;
  }
}

/** `!date^<epoch>^<format>[^<link>]` with its fallback → HTML; the fallback when it cannot be read. */
function dateHtml(body: string, fallback: string | undefined, now: Date): string {
  const [, epoch, format, link] = body.split('^');
  const seconds = Number(epoch);
  const shownFallback = e(decode(fallback ?? body));
  if (!/^\d{1,12}$/.test(epoch ?? '') || format === undefined) return shownFallback;
  const d = new Date(seconds * 1000);
  let unknown = false;
  const text = decode(format).replace(
    /\{([a-z_]+)\}/g,
    (whole, token: string) => dateToken(token, d, now) ?? ((unknown = true), whole),
  );
  if (unknown) return shownFallback;
  const title = fallback !== undefined ? ` title="${e(decode(fallback))} (shown in UTC)"` : ' title="shown in UTC"';
  const shown = `<span class="date"${title}>${e(text)}</span>`;
  return link && LINK_SCHEMES.test(decode(link))
    ? `<a href="${e(decode(link))}" rel="noopener noreferrer" target="_blank">${shown}</a>`
    : shown;
}

/** One `<…>` control sequence → HTML; a sequence Slack would not read is shown as the text it is. */
function controlHtml(inner: string, names: MrkdwnNames, now: Date): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  const mention = (text: string) => `<span class="mention">${e(text)}</span>`;
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return mention(`@${names.user?.(id) ?? (label ? decode(label) : id)}`);
  }
  if (/^#C[A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return mention(`#${label ? decode(label) : (names.channel?.(id) ?? id)}`);
  }
  if (/^!(here|channel|everyone)$/.test(target)) return mention(`@${target.slice(1)}`);
  if (/^!subteam\^[A-Z0-9]+$/.test(target))
    return mention(label ? decode(label) : `@${target.slice('!subteam^'.length)}`);
  if (target.startsWith('!date^')) return dateHtml(target, label, now);
  const url = decode(target);
  if (LINK_SCHEMES.test(url)) {
    const text = label !== undefined && label !== '' ? decode(label) : url.replace(/^mailto:/i, '');
    return `<a href="${e(url)}" rel="noopener noreferrer" target="_blank">${e(text)}</a>`;
  }
  return e(`<${decode(inner)}>`);
}

// Pieces already rendered wait in the text as \uE000<index>\uE001 while the rest is formatted; the input's own
// private-use characters are replaced first, so a user cannot forge one.
const HOLD = (i: number) => `\uE000${i}\uE001`;
const HELD = /\uE000(\d+)\uE001/g;
const WORD = '\\p{L}\\p{N}';
/** `mark` as it goes in a regex: between marks, text that neither starts nor ends with a space, on one line. */
const emphasis = (mark: string, tag: string) => ({
  pattern: new RegExp(
    `(?<![${WORD}${mark}])${mark}(?=[^\\s${mark}])([^\\n]*?[^\\s${mark}])${mark}(?![${WORD}${mark}])`,
    'gu',
  ),
  tag,
});
const EMPHASIS = [emphasis('\\*', 'strong'), emphasis('_', 'em'), emphasis('~', 'del')];

/** Renders one mrkdwn string as HTML (newlines kept as \n; the page shows them with white-space: pre-wrap). */
export function mrkdwnToHtml(text: string, names: MrkdwnNames = {}): string {
  const now = names.now ?? new Date();
  const held: { html: string; source: string }[] = [];
  const hold = (source: string, html: string) => HOLD(held.push({ html, source }) - 1);
  /** A held piece inside a `<…>` sequence goes back to the text it was: code is not formatted inside a link. */
  const unhold = (part: string) => part.replace(HELD, (_m, i: string) => held[Number(i)].source);
  let out = text.replace(/[\uE000\uE001]/g, '\uFFFD');
  out = out.replace(/```([\s\S]*?)```/g, (whole, code: string) =>
    hold(whole, `<pre>${e(decode(code.replace(/^\n/, '')))}</pre>`),
  );
  out = out.replace(/`([^`\n]+)`/g, (whole, code: string) => hold(whole, `<code>${e(decode(code))}</code>`));
  out = out.replace(/<([^<>\n]*)>/g, (whole, inner: string) => hold(whole, controlHtml(unhold(inner), names, now)));
  out = e(decode(out));
  for (const { pattern, tag } of EMPHASIS)
    out = out.replace(pattern, (_m, inner: string) => `<${tag}>${inner}</${tag}>`);
  out = out.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
  out = out
    .split('\n')
    .map((line) => (line.startsWith('&gt;') ? `<blockquote>${line.slice(4).replace(/^ /, '')}</blockquote>` : line))
    .join('\n')
    .replace(/<\/blockquote>\n/g, '</blockquote>');
  return out.replace(HELD, (_m, i: string) => held[Number(i)].html);
}
