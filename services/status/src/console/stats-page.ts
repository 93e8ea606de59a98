// The console's stats page: the window read from the query string, the tables, and the plot of daily volume
// and median time to review as an SVG drawn here (no script: the console's CSP forbids inline script and
// style, so the plot uses presentation attributes only). Pure: query and stats in, HTML out; text escaped.
import { escapeHtml as e } from '@switchboard/core';
import type { DayRow, Durations, StatsRow, TriageStats } from '../conversation/triage-stats';
import { dayStart } from './list-filter';

export const WINDOWS = ['today', '7d', '30d', 'custom'] as const;
export type WindowName = (typeof WINDOWS)[number];
const DAY_MS = 86_400_000;
/** The longest custom window: the page folds every conversation started in it. */
export const MAX_WINDOW_DAYS = 92;

export interface StatsWindow {
  window: WindowName;
  sinceMs: number;
  untilMs: number;
  from: string;
  to: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Pure: the window asked for (default: 7 days up to now), or why it cannot be. */
export function statsWindow(query: Record<string, unknown>, nowMs: number): StatsWindow | { error: string } {
  const name = typeof query.window === 'string' && query.window ? query.window : '7d';
  if (!(WINDOWS as readonly string[]).includes(name))
    return { error: `"window" must be one of ${WINDOWS.join(', ')}, got "${name.slice(0, 40)}"` };
  const today = Date.parse(day(nowMs));
  if (name === 'today')
    return { window: 'today', sinceMs: today, untilMs: nowMs + 1, from: day(today), to: day(today) };
  if (name === '7d' || name === '30d') {
    const days = name === '7d' ? 7 : 30;
    const since = today - (days - 1) * DAY_MS;
    return { window: name, sinceMs: since, untilMs: nowMs + 1, from: day(since), to: day(today) };
  }
  const from = typeof query.from === 'string' ? dayStart(query.from) : null;
  const to = typeof query.to === 'string' ? dayStart(query.to) : null;
  if (from === null || to === null) return { error: 'a custom window needs "from" and "to" as days (YYYY-MM-DD)' };
  if (to < from) return { error: '"to" is before "from"' };
  if ((to - from) / DAY_MS + 1 > MAX_WINDOW_DAYS)
    return { error: `a custom window is at most ${MAX_WINDOW_DAYS} days; use the export for longer` };
  return { window: 'custom', sinceMs: from, untilMs: to + DAY_MS, from: day(from), to: day(to) };
}

/** Pure: seconds as a short duration (45 s, 3 m 20 s, 2 h 5 m, 1 d 3 h); an en dash for none. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} m` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

const cells = (d: Durations) => `<td>${d.count}</td><td>${e(duration(d.p50))}</td><td>${e(duration(d.p90))}</td>`;

function table(caption: string, first: string, rows: StatsRow[]): string {
  if (rows.length === 0) return `<h2>${e(caption)}</h2><p class="empty">Nothing in this window.</p>`;
  return `<h2>${e(caption)}</h2><table class="stats"><thead><tr><th>${e(first)}</th><th>Conversations</th><th>Reviewed</th><th>Review p50</th><th>Review p90</th><th>Answered</th><th>First reply p50</th><th>First reply p90</th></tr></thead><tbody>${rows
    .map((r) => `<tr><td>${e(r.key)}</td><td>${r.conversations}</td>${cells(r.review)}${cells(r.reply)}</tr>`)
    .join('')}</tbody></table>`;
}

/** Pure: the plot of daily volume (bars, left axis) and median time to review (line, right axis, minutes). */
export function dailyPlot(days: DayRow[]): string {
  const W = 760;
  const H = 260;
  const left = 48;
  const right = 56;
  const top = 16;
  const bottom = 40;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const maxCount = Math.max(1, ...days.map((d) => d.conversations));
  const medians = days.map((d) => d.medianReview).filter((m): m is number => m !== null);
  const maxMinutes = Math.max(1, ...medians.map((m) => m / 60));
  const step = plotW / Math.max(1, days.length);
  const barW = Math.max(1, step * 0.6);
  const x = (i: number) => left + i * step + step / 2;
  const yCount = (n: number) => top + plotH - (n / maxCount) * plotH;
  const yMinutes = (m: number) => top + plotH - (m / maxMinutes) * plotH;
  const bars = days
    .map(
      (d, i) =>
        `<rect class="bar" x="${(x(i) - barW / 2).toFixed(1)}" y="${yCount(d.conversations).toFixed(1)}" width="${barW.toFixed(1)}" height="${(top + plotH - yCount(d.conversations)).toFixed(1)}" fill="#9db7d5"><title>${e(d.day)}: ${d.conversations} conversation(s)</title></rect>`,
    )
    .join('');
  const points = days
    .map((d, i) => (d.medianReview === null ? null : { x: x(i), y: yMinutes(d.medianReview / 60), d }))
    .filter((p) => p !== null);
  const line =
    points.length > 1
      ? `<polyline class="median" fill="none" stroke="#c0392b" stroke-width="2" points="${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`
      : '';
  const dots = points
    .map(
      (p) =>
        `<circle class="median-point" cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="3" fill="#c0392b"><title>${e(p.d.day)}: median time to review ${e(duration(p.d.medianReview))}</title></circle>`,
    )
    .join('');
  const every = Math.max(1, Math.ceil(days.length / 10));
  const labels = days
    .map((d, i) =>
      i % every === 0
        ? `<text x="${x(i).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle" font-size="11" fill="#444">${e(d.day.slice(5))}</text>`
        : '',
    )
    .join('');
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${W - right}" y2="${top + plotH}" stroke="#888"/>
<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11" fill="#444">${maxCount}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end" font-size="11" fill="#444">0</text>
<text x="${W - right + 6}" y="${top + 4}" font-size="11" fill="#c0392b">${e(maxMinutes.toFixed(maxMinutes < 10 ? 1 : 0))} min</text><text x="${W - right + 6}" y="${top + plotH}" font-size="11" fill="#c0392b">0</text>
<text x="${left}" y="${H - 6}" font-size="11" fill="#444">bars: conversations started per day (UTC) · line: median time to review</text>`;
  return `<svg id="daily-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Conversations per day and median time to review"><title>Conversations per day and median time to review</title>${axis}${bars}${line}${dots}${labels}</svg>`;
}

export const STATS_HELP = `<details class="help" open><summary>What these numbers mean</summary>
<p>Every conversation that <strong>started</strong> in the window counts, whatever happened to it since. Times run from its first message:
<strong>time to review</strong> to the first "reviewed" (a Slack button, the Asana task or this console), <strong>time to first reply</strong> to the first
message an operator sent the user (from this console or a Slack thread). p50 is the median; p90 is the time within which nine in ten were handled.
Conversations not yet reviewed or answered count in "Conversations" but not in the times.</p>
<p><strong>By operator</strong>: review times under who reviewed it, reply times under who answered first. The priority is the highest the conversation has had.
Days are UTC. The same measures, live and for all status replicas, are on the Grafana dashboard's Triage row; <a href="/console/export?format=csv">the export</a> gives one row per conversation.</p></details>`;

export function statsBody(win: StatsWindow, stats: TriageStats): string {
  const choice = (w: WindowName, label: string) =>
    `<option value="${w}"${win.window === w ? ' selected' : ''}>${e(label)}</option>`;
  const exportUrl = `/console/export?format=csv&since=${encodeURIComponent(new Date(win.sinceMs).toISOString())}&until=${encodeURIComponent(new Date(win.untilMs).toISOString())}`;
  return `<p><a href="/console">← All conversations</a></p>
<h1>Triage stats</h1>
<form method="get" action="/console/stats" class="filters">
<label>Window <select name="window">${choice('today', 'Today')}${choice('7d', 'Last 7 days')}${choice('30d', 'Last 30 days')}${choice('custom', 'Custom')}</select></label>
<label>From <input name="from" type="date" value="${e(win.from)}"></label>
<label>to <input name="to" type="date" value="${e(win.to)}"></label>
<button type="submit">Show</button></form>
<p class="summary">${e(win.from)} to ${e(win.to)} (UTC): <strong>${stats.conversations}</strong> conversations started, ${stats.reviewed} reviewed, ${stats.replied} answered by a person, ${stats.closed} closed, ${stats.spam} spam ·
time to review p50 <strong>${e(duration(stats.total.review.p50))}</strong>, p90 ${e(duration(stats.total.review.p90))} · first reply p50 <strong>${e(duration(stats.total.reply.p50))}</strong>, p90 ${e(duration(stats.total.reply.p90))} · <a href="${e(exportUrl)}">Export these (CSV)</a></p>
<figure class="plot">${dailyPlot(stats.days)}</figure>
${table('By priority', 'Priority', stats.byPriority)}
${table('By operator', 'Operator', stats.byOperator)}
${STATS_HELP}`;
}
