// The console's queue: conversations whose deadline clock runs, the one with the least time left first
// (overdue ones on top). Pure: rows in, HTML out; every text from a user or a bot escaped.
import { escapeHtml as e } from '@switchboard/core';
import type { ConversationSummary } from '../conversation/conversation-state';

export interface QueueRow {
  conversationId: string;
  clock: string;
  deadlineMs: number;
  summary: ConversationSummary | null;
}

const WAITING: Record<string, string> = { review: 'review', reply: 'reply' };

/** "in 3 min", "overdue by 2 h 5 min". */
export function timeLeft(deadlineMs: number, nowMs: number): string {
  const ms = deadlineMs - nowMs;
  const min = Math.floor(Math.abs(ms) / 60_000);
  const words =
    min < 1
      ? `${Math.floor(Math.abs(ms) / 1000)} s`
      : min < 60
        ? `${min} min`
        : `${Math.floor(min / 60)} h ${min % 60} min`;
  return ms >= 0 ? `in ${words}` : `overdue by ${words}`;
}

export function queueBody(rows: QueueRow[], nowMs: number): string {
  const sorted = [...rows].sort((a, b) => a.deadlineMs - b.deadlineMs);
  const lines = sorted.map((row) => {
    const s = row.summary;
    const href = `/console/conversations/${encodeURIComponent(row.conversationId)}`;
    const who = s
      ? `${s.userName || s.userId || 'unknown user'} (${s.teamName || s.teamId || 'unknown team'})`
      : row.conversationId;
    const overdue = row.deadlineMs <= nowMs;
    return `<tr${overdue ? ' class="overdue"' : ''}><td><a href="${e(href)}">${e(who)}</a></td><td>${e(WAITING[row.clock] ?? row.clock)}</td><td>${e(s?.priority ?? '')}</td><td><time datetime="${e(new Date(row.deadlineMs).toISOString())}">${e(timeLeft(row.deadlineMs, nowMs))}</time></td><td>${e(s?.lastText ?? '')}</td></tr>`;
  });
  return `<h1>Queue</h1>
<p class="hint">Conversations waiting for a review or a reply under the SLA policy, the least time left first. <a href="/console">All conversations</a></p>
${
  lines.length === 0
    ? '<p>Nothing is waiting.</p>'
    : `<table class="conversations queue"><thead><tr><th>Conversation</th><th>Waits for</th><th>Priority</th><th>Deadline</th><th>Last message</th></tr></thead><tbody>${lines.join('')}</tbody></table>`
}`;
}
