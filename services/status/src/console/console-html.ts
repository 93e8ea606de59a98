// The console's pages, rendered on the server. Pure: data in, HTML out. Every piece of text that came from
// a user, an operator or a bot goes through escapeHtml; there is no inline script or style (the CSP
// forbids them), and live updates come from console.js, which writes text with textContent only.
import { escapeHtml as e } from '@switchboard/core';
import {
  ACTIONS,
  availableActions,
  type ActionName,
  type ConversationSummary,
  type ListFilter,
} from '../conversation/conversation-state';
import type { TranscriptEntry } from '../conversation/transcript';
import type { HandoffRequest } from '../conversation/handoff';
import type { Takeover } from '../conversation/takeover';

export interface PageUser {
  name: string;
  csrf: string;
  /** False behind an auth proxy: signing out is the proxy's business. */
  canSignOut: boolean;
  /** A new random id for each rendered action or reply form: a resend of that form is acted on once. */
  formId: () => string;
}

const ASSETS = '/console/assets';

function layout(title: string, user: PageUser | null, body: string, data: Record<string, string> = {}): string {
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${e(v)}"`)
    .join('');
  const header = user
    ? `<header><a class="brand" href="/console">Switchboard</a><span class="who">${e(user.name)}</span>${
        user.canSignOut
          ? `<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${e(user.csrf)}"><button>Sign out</button></form>`
          : ''
      }</header>`
    : '<header><span class="brand">Switchboard</span></header>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · Switchboard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${ASSETS}/console.css">
<script src="${ASSETS}/console.js" defer></script></head>
<body${attrs}>${header}<main>${body}</main></body></html>`;
}

export function loginPage(options: { error?: string; next: string }): string {
  return layout(
    'Sign in',
    null,
    `<h1>Sign in</h1>${options.error ? `<p class="error" role="alert">${e(options.error)}</p>` : ''}
<form method="post" action="/console/login" class="login">
<input type="hidden" name="next" value="${e(options.next)}">
<label>Login <input name="login" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

function statusBadges(s: ConversationSummary): string {
  const badges: string[] = [];
  if (s.closed) badges.push('<span class="badge closed">closed</span>');
  if (s.spam) badges.push('<span class="badge spam">spam</span>');
  if (s.control === 'human')
    badges.push(`<span class="badge human">taken over${s.operator ? ` by ${e(s.operator)}` : ''}</span>`);
  if (s.reviewedBy) badges.push(`<span class="badge reviewed">reviewed by ${e(s.reviewedBy)}</span>`);
  if (badges.length === 0) badges.push('<span class="badge open">new</span>');
  // The owner is shown apart from the state (an owned conversation is still "new" until someone acts).
  if (s.owner) badges.push(`<span class="badge owner">owner ${e(s.owner)}</span>`);
  return badges.join(' ');
}

const STATUS_FILTERS: [ListFilter['status'] | '', string][] = [
  ['', 'all'],
  ['open', 'open'],
  ['unreviewed', 'unreviewed'],
  ['reviewed', 'reviewed'],
  ['taken_over', 'taken over'],
  ['closed', 'closed'],
  ['spam', 'spam'],
];
const PRIORITIES = ['', 'urgent', 'high', 'normal', 'low', 'unspecified'];

/** The list's query string with the filter and a cursor (for the next page's link). */
function listUrl(filter: ListFilter, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, String(v));
  if (cursor) params.set('cursor', cursor);
  const qs = params.toString();
  return qs ? `/console?${qs}` : '/console';
}

export function listPage(
  user: PageUser,
  conversations: ConversationSummary[],
  filter: ListFilter,
  paging: { next?: string; first: boolean } = { first: true },
): string {
  const option = (value: string, label: string, current: string | undefined) =>
    `<option value="${e(value)}"${value === (current ?? '') ? ' selected' : ''}>${e(label)}</option>`;
  const rows = conversations.map((s) => conversationRow(s)).join('');
  return layout(
    'Conversations',
    user,
    `<h1>Conversations</h1>
<form method="get" action="/console" class="filters">
<label>Status <select name="status">${STATUS_FILTERS.map(([v, l]) => option(v ?? '', l, filter.status)).join('')}</select></label>
<label>Priority <select name="priority">${PRIORITIES.map((p) => option(p, p || 'any', filter.priority)).join('')}</select></label>
<label>Team <input name="team" value="${e(filter.team ?? '')}"></label>
<label>Operator <input name="operator" value="${e(filter.operator ?? '')}"></label>
<label>Started from <input name="from" type="date" value="${e(filter.from ?? '')}"></label>
<label>to <input name="to" type="date" value="${e(filter.to ?? '')}"></label>
<label>Search <input name="q" type="search" value="${e(filter.q ?? '')}"></label>
<button type="submit">Filter</button></form>
<p class="hint">Newest conversations first (by when they started), fifty to a page. <a href="/console/stats">Triage stats</a> · <a href="/console/queue">Queue</a></p>
<table class="conversations"><thead><tr><th>Last activity</th><th>User</th><th>Team</th><th>Priority</th><th>Status</th><th>Last message</th></tr></thead>
<tbody id="conversation-rows">${rows || ''}</tbody></table>
${conversations.length === 0 ? '<p class="empty">No conversations match on this page.</p>' : ''}
<nav class="pages">${paging.first ? '' : `<a href="${e(listUrl(filter))}">First page</a> `}${paging.next ? `<a rel="next" href="${e(listUrl(filter, paging.next))}">Older conversations →</a>` : ''}</nav>`,
    // Live rows (new conversations on top) only on the first page.
    paging.first ? { page: 'list', stream: '/console/stream' } : { page: 'list-older' },
  );
}

export function conversationRow(s: ConversationSummary): string {
  const href = `/console/conversations/${encodeURIComponent(s.id)}`;
  return `<tr data-conversation-id="${e(s.id)}" class="priority-${e(s.priority || 'none')}">
<td><time datetime="${e(s.lastAt)}">${e(s.lastAt.replace('T', ' ').slice(0, 19))}</time></td>
<td><a href="${e(href)}">${e(s.userName || s.userId || s.id)}</a></td><td>${e(s.teamName || s.teamId)}</td>
<td>${e(s.priority)}</td><td>${statusBadges(s)}</td><td class="last">${e(s.lastText)}</td></tr>`;
}

export interface ConversationView {
  summary: ConversationSummary;
  entries: TranscriptEntry[];
  deliveries: Map<string, string>;
  takeover: Takeover;
  /** The bot's latest request for a human, if it ever asked. */
  handoff?: HandoffRequest | null;
  slackUrl?: string;
  taskUrl?: string;
}

/** Whether a URL from outside (a bot's attachment, a stored permalink) may be linked or followed: plain http(s) only. */
export const isHttpUrl = (url: string | undefined): url is string => !!url && /^https?:\/\/\S+$/i.test(url);

/** An entry's attachments: http(s) URLs as links (escaped), anything else as text only. */
export function attachmentsHtml(attachments: TranscriptEntry['attachments']): string {
  if (!attachments || attachments.length === 0) return '';
  const item = (a: { name: string; url: string; type: string }) => {
    const label = a.name || a.type || a.url || 'attachment';
    return isHttpUrl(a.url)
      ? `<li><a href="${e(a.url)}" rel="noopener noreferrer nofollow" target="_blank">${e(label)}</a></li>`
      : `<li>${e(label)}${a.url ? ` (${e(a.url)})` : ''}</li>`;
  };
  return `<ul class="attachments">${attachments.map(item).join('')}</ul>`;
}

export function entryItem(entry: TranscriptEntry, delivery?: string): string {
  return `<li class="entry from-${e(entry.from)}" data-event-id="${e(entry.eventId)}">
<div class="meta"><span class="author">${e(entry.author || entry.from)}</span> <time datetime="${e(entry.at)}">${e(entry.at.replace('T', ' ').slice(0, 19))}</time>${
    entry.priority && entry.priority !== 'unspecified' ? ` <span class="priority">${e(entry.priority)}</span>` : ''
  }</div><div class="text">${e(entry.text)}</div>${attachmentsHtml(entry.attachments)}<div class="delivery">${e(delivery ?? '')}</div></li>`;
}

function actionForm(id: string, action: ActionName, user: PageUser, shown: boolean): string {
  return `<form method="post" action="/console/conversations/${e(encodeURIComponent(id))}/actions" data-action="${action}"${shown ? '' : ' hidden'}>
<input type="hidden" name="_csrf" value="${e(user.csrf)}"><input type="hidden" name="_form" value="${e(user.formId())}"><input type="hidden" name="action" value="${action}">${
    action === 'handback'
      ? '<input type="text" name="note" maxlength="1000" placeholder="Note for the bot (optional)" aria-label="Note for the bot">'
      : action === 'spam' || action === 'not_spam'
        ? spamScopeChoice(action)
        : ''
  }
<button type="submit" class="action-${action}">${e(ACTIONS[action].label)}</button></form>`;
}

/** Spam and Not spam ask what they apply to: every conversation of this user, or the whole team. */
function spamScopeChoice(action: 'spam' | 'not_spam'): string {
  return `<fieldset class="spam-scope"><legend>${action === 'spam' ? 'Spam from' : 'Not spam from'}</legend><label><input type="radio" name="scope" value="user" checked> this user</label> <label><input type="radio" name="scope" value="team"> the whole team</label></fieldset>`;
}

/** The internal-note box: a NOTE on conv.status, shown in the transcript, the thread and the task, never sent to the user. */
function noteForm(path: string, user: PageUser): string {
  return `<form method="post" action="${e(path)}/notes" class="note">
<input type="hidden" name="_csrf" value="${e(user.csrf)}"><input type="hidden" name="_form" value="${e(user.formId())}">
<label for="note-text">Internal note (operators only; never sent to the user)</label>
<textarea id="note-text" name="text" rows="2" maxlength="4000" required></textarea>
<button type="submit">Add note</button></form>`;
}

const OUTCOME: Record<HandoffRequest['outcome'], string> = {
  waiting: 'waiting for an operator',
  taken: 'taken over',
  timed_out: 'no operator in time: handed back to the bot',
};

/** The bot's request for a human: reason, summary, team and metadata, all the bot's text escaped. */
export function handoffSection(h: HandoffRequest): string {
  const metadata = Object.entries(h.metadata);
  return `<section id="handoff" class="handoff handoff-${e(h.outcome)}"><h2>The bot asks for a human: ${e(h.reason)}</h2>
<p class="facts">${e(OUTCOME[h.outcome] ?? h.outcome)} · asked ${e(h.requestedAt.replace('T', ' ').slice(0, 19))} UTC${h.outcome === 'waiting' ? ` · back to the bot at ${e(h.until.replace('T', ' ').slice(0, 19))} UTC` : ''}${h.team ? ` · team <strong>${e(h.team)}</strong>` : ''}</p>${
    h.summary ? `<p class="summary">${e(h.summary)}</p>` : ''
  }${metadata.length ? `<dl class="metadata">${metadata.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>` : ''}</section>`;
}

export function conversationPage(user: PageUser, view: ConversationView): string {
  const { summary: s, entries, deliveries, takeover } = view;
  const shown = new Set(availableActions(s));
  const path = `/console/conversations/${encodeURIComponent(s.id)}`;
  const links = [
    view.slackUrl ? `<a href="${e(view.slackUrl)}">Slack thread</a>` : '',
    view.taskUrl ? `<a href="${e(view.taskUrl)}">Asana task</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return layout(
    s.userName || s.id,
    user,
    `<p><a href="/console">← All conversations</a></p>
<h1>${e(s.userName || s.userId || 'Conversation')} <small>${e(s.teamName || s.teamId)}</small></h1>
<p class="facts">Conversation <code>${e(s.id)}</code>${s.platform ? ` on ${e(s.platform)}` : ''}${s.priority ? ` · priority <strong>${e(s.priority)}</strong>` : ''}${
      s.tags.length ? ` · tags ${s.tags.map((t) => `<span class="tag">${e(t)}</span>`).join(' ')}` : ''
    }${links ? ` · ${links}` : ''}</p>
<p id="status" class="status">${statusBadges(s)}</p>
<p id="control" class="control">${
      takeover.control === 'human'
        ? `${e(takeover.operator ?? 'An operator')} holds this conversation; the bot stays silent${takeover.until ? ` until ${e(takeover.until.replace('T', ' ').slice(0, 16))} UTC unless someone speaks` : ''}.`
        : takeover.control === 'waiting'
          ? 'The bot asked for a human and holds the user: take over to answer.'
          : 'The bot is answering.'
    }</p>${view.handoff ? handoffSection(view.handoff) : ''}
<div class="actions">${(Object.keys(ACTIONS) as ActionName[]).map((a) => actionForm(s.id, a, user, shown.has(a))).join('')}</div>
<ol id="transcript" class="transcript">${entries.map((entry) => entryItem(entry, deliveries.get(entry.eventId))).join('')}</ol>
<form method="post" action="${e(path)}/messages" class="reply">
<input type="hidden" name="_csrf" value="${e(user.csrf)}"><input type="hidden" name="_form" value="${e(user.formId())}">
<label for="reply-text">Reply as the bot${s.control === 'human' ? '' : ' (this takes the conversation over)'}</label>
<textarea id="reply-text" name="text" rows="3" maxlength="4000" required></textarea>
<button type="submit">Send as bot</button></form>
${noteForm(path, user)}`,
    { page: 'conversation', stream: `${path}/stream`, 'conversation-id': s.id },
  );
}

/** The stats page around its body (stats-page.ts). */
export function statsPage(user: PageUser, body: string): string {
  return layout('Triage stats', user, body, { page: 'stats' });
}

/** The queue page around its body (queue-page.ts). */
export function queuePage(user: PageUser, body: string): string {
  return layout('Queue', user, body, { page: 'queue' });
}

const NOT_YET = {
  slack: {
    title: 'Not in Slack yet',
    why: (id: string) =>
      `The notifier has not posted <code>${e(id)}</code> to Slack yet: its message waits for a slot in the triage channel (Slack takes about one post a second per channel).`,
  },
  task: {
    title: 'No Asana task yet',
    why: (id: string) =>
      `The ticketer has not made the Asana task of <code>${e(id)}</code> yet: tasks are made at Asana's pace (at most 25 a second).`,
  },
};

/** A conversation known here whose Slack message or Asana task is not made yet (it waits for the vendor's pace). */
export function notYetPage(user: PageUser, id: string, where: keyof typeof NOT_YET): string {
  const path = `/console/conversations/${encodeURIComponent(id)}`;
  return layout(
    NOT_YET[where].title,
    user,
    `<h1>${NOT_YET[where].title}</h1><p>${NOT_YET[where].why(id)} Try this link again in a minute.</p><p><a href="${e(path)}">The transcript</a> · <a href="/console">All conversations</a></p>`,
  );
}

export function notFoundPage(user: PageUser, id: string): string {
  return layout(
    'Not found',
    user,
    `<h1>No such conversation</h1><p>Nothing is known of <code>${e(id)}</code>; it may be older than the retention time.</p><p><a href="/console">All conversations</a></p>`,
  );
}
