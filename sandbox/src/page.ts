// The sandbox page at GET /: the Slack channels (root messages with their threads, Block Kit read as plain
// text, buttons that click as an operator would, a reply box under each thread) beside the Asana tasks
// (tags, completion with a button, assignment, stories, a comment box). Rendered on the server with every
// piece of user text escaped; plain forms, no inline event handlers; a small inline script swaps in a fresh
// rendering every 1.5 seconds.
import type { SlackSettings } from './settings';
import { escapeHtml, mrkdwnToHtml } from './slack/mrkdwn';
import { type BlockElement, blockLines } from './slack/blocks';
import { SANDBOX_OPERATORS, SANDBOX_OPERATOR_ID, slackPerson } from './slack/workspace';
import type { AsanaTask, SandboxState, SlackDelivery, SlackEphemeral, SlackMessage } from './state';

const e = escapeHtml;
/** Slack's plain_text as a Slack client shows it (its three entities decoded), then escaped for this page. */
const slackText = (text: string) => e(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
/** mrkdwn as a Slack client shows it: formatting, links, mentions and dates, the rest escaped. */
const slackMrkdwn = (text: string) => mrkdwnToHtml(text, { user: (id) => slackPerson(id).name });
const clock = (ts: string) => new Date(Number(ts) * 1000).toISOString().slice(11, 19);
/** The id of a message's element on the page (also where permalinks and form posts lead). */
export const messageAnchor = (channelId: string, ts: string) => `msg-${channelId}-${ts.replace('.', '-')}`;
const hidden = (fields: Record<string, string | undefined>) =>
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value!)}">`)
    .join('');
const operator = slackPerson(SANDBOX_OPERATOR_ID);

/** A button posts the click to /_sandbox/slack/click, which sends it to the app as Slack would. */
function elementHtml(m: Pick<SlackMessage, 'channelId' | 'ts'>, element: BlockElement): string {
  const { button } = element;
  if (!button) return `<span class="button">${slackText(element.label)}</span>`;
  const style = button.style === 'primary' || button.style === 'danger' ? ` ${button.style}` : '';
  return `<form class="act" method="post" action="/_sandbox/slack/click">${hidden({ channel: m.channelId, ts: m.ts, actionId: button.actionId, value: button.value })}<button type="submit" class="button${style}" title="action_id ${e(button.actionId)}">${slackText(element.label)}</button></form>`;
}

function replyFormHtml(m: SlackMessage): string {
  return `<form class="reply" method="post" action="/_sandbox/slack/reply">${hidden({ channel: m.channelId, threadTs: m.ts })}<input type="text" name="text" required maxlength="40000" placeholder="reply in thread as ${e(operator.name)}" aria-label="reply in thread"><button type="submit">reply in thread</button></form>`;
}

function messageHtml(state: SandboxState, m: SlackMessage): string {
  const lines = blockLines(m.blocks)
    .map((line) => {
      if (line.kind === 'divider') return '<hr>';
      if (line.kind === 'buttons')
        return `<div class="buttons">${(line.elements ?? []).map((element) => elementHtml(m, element)).join('')}</div>`;
      return `<div class="${line.kind}">${line.mrkdwn ? slackMrkdwn(line.text) : slackText(line.text)}</div>`;
    })
    .join('');
  const author = m.botId
    ? `bot ${e(m.botId)}`
    : `<span class="person">${e(slackPerson(m.userId).realName)}</span> ${e(m.userId)}`;
  const pings = m.mentions.length > 0 ? `<span class="ping">would notify: ${e(m.mentions.join(', '))}</span>` : '';
  const edited = m.history.length > 0 ? `<span class="meta">edited ${m.history.length}×</span>` : '';
  const replies = m.threadTs ? [] : state.slack.repliesTo(m.channelId, m.ts);
  return `<div class="message${m.botId ? '' : ' human'}" id="${e(messageAnchor(m.channelId, m.ts))}">
  <div class="meta">${e(clock(m.ts))} · ${author} · ts ${e(m.ts)} ${edited} ${pings}</div>
  ${m.text ? `<div class="text">${slackMrkdwn(m.text)}</div>` : ''}${lines}
  ${replies.length > 0 ? `<div class="thread">${replies.map((r) => messageHtml(state, r)).join('')}</div>` : ''}
  ${m.threadTs ? '' : replyFormHtml(m)}
</div>`;
}

/** An ephemeral message to the page's operator: only they see it, its buttons click like any other's. */
function ephemeralHtml(m: SlackEphemeral): string {
  const lines = blockLines(m.blocks)
    .map((line) =>
      line.kind === 'buttons'
        ? `<div class="buttons">${(line.elements ?? []).map((element) => elementHtml(m, element)).join('')}</div>`
        : line.kind === 'divider'
          ? '<hr>'
          : `<div class="${line.kind}">${line.mrkdwn ? slackMrkdwn(line.text) : slackText(line.text)}</div>`,
    )
    .join('');
  return `<div class="message ephemeral" id="${e(messageAnchor(m.channelId, m.ts))}">
  <div class="meta">${e(clock(m.ts))} · only visible to you · ts ${e(m.ts)}</div>
  ${m.blocks ? lines : `<div class="text">${slackMrkdwn(m.text)}</div>`}
</div>`;
}

function slackHtml(state: SandboxState): string {
  // A channel where the page's operator has only an ephemeral message is shown too.
  const channels = [
    ...new Set([
      ...state.slack.messages.map((m) => m.channelId),
      ...state.slack.ephemeral.filter((m) => m.userId === operator.id).map((m) => m.channelId),
    ]),
  ];
  if (channels.length === 0) return '<p class="empty">No messages yet.</p>';
  return channels
    .map((channelId) => {
      const messages = state.slack.messages.filter((m) => m.channelId === channelId);
      const known = new Set(messages.map((m) => m.ts));
      // Replies whose root the sandbox never saw are still shown, so nothing posted goes missing here.
      const orphans = messages.filter((m) => m.threadTs && !known.has(m.threadTs));
      const roots = messages.filter((m) => !m.threadTs);
      return `<section class="channel"><h3>${e(state.slack.label(channelId))} <span class="meta">${e(channelId)}</span></h3>
${roots.map((m) => messageHtml(state, m)).join('\n')}
${state.slack.ephemeral
  .filter((m) => m.channelId === channelId && m.userId === operator.id)
  .slice(-5)
  .map(ephemeralHtml)
  .join('\n')}
${orphans.map((m) => `<div class="meta">reply to unknown thread ${e(m.threadTs!)}</div>${messageHtml(state, m)}`).join('\n')}</section>`;
    })
    .join('\n');
}

/** Assign the task to one of the sandbox's operators, or to nobody, as the page's operator. */
function assignFormHtml(t: AsanaTask): string {
  const options = [
    '<option value="">nobody</option>',
    ...SANDBOX_OPERATORS.map((o) => `<option value="${e(o.id)}">${e(o.realName)}</option>`),
  ].join('');
  return `<form class="act" method="post" action="/_sandbox/asana/tasks/${e(t.gid)}/assign"><select name="assignee" aria-label="assignee">${options}</select><button type="submit" class="button">assign</button></form>`;
}

/** Comment on the task as the page's operator; a comment starting "reply:" answers the user. */
function commentFormHtml(t: AsanaTask): string {
  return `<form class="reply" method="post" action="/_sandbox/asana/tasks/${e(t.gid)}/comment"><input type="text" name="text" required maxlength="65535" placeholder="comment as ${e(operator.name)} (reply: … answers the user)" aria-label="comment on the task"><button type="submit">comment</button></form>`;
}

function taskHtml(state: SandboxState, t: AsanaTask): string {
  const store = state.asana;
  const tags = t.tagGids.map((gid) => `<span class="tag">${e(store.tags.get(gid)?.name ?? gid)}</span>`).join('');
  const stories = store
    .storiesOf(t.gid)
    .map(
      (s) =>
        `<li class="${s.type}"><span class="meta">${e(s.createdAt.slice(11, 19))} ${e(store.users.get(s.createdByGid)?.name ?? '')}</span> ${e(s.text)}</li>`,
    )
    .join('');
  const external = t.external?.gid !== undefined ? `<span class="meta">external ${e(t.external.gid)}</span>` : '';
  const toggle = `<form class="act" method="post" action="/_sandbox/asana/tasks/${e(t.gid)}/complete">${hidden({ completed: String(!t.completed) })}<button type="submit" class="button">${t.completed ? 'mark incomplete' : 'complete'}</button></form>`;
  const assignee = t.assigneeGid ? (store.users.get(t.assigneeGid)?.name ?? t.assigneeGid) : 'nobody';
  return `<div class="task${t.completed ? ' done' : ''}" id="task-${e(t.gid)}">
  <div><span class="check">${t.completed ? '✔' : '○'}</span> <strong>${e(t.name || '(no name)')}</strong> ${tags} ${toggle}</div>
  <div class="meta">gid ${e(t.gid)} ${external} · ${t.completed ? `completed ${e(t.completedAt ?? '')}` : 'open'} · assigned to ${e(assignee)} ${assignFormHtml(t)}</div>
  ${t.notes ? `<div class="text">${e(t.notes)}</div>` : ''}
  ${stories ? `<ul class="stories">${stories}</ul>` : ''}
  ${commentFormHtml(t)}
</div>`;
}

function asanaHtml(state: SandboxState): string {
  const tasks = [...state.asana.tasks.values()];
  return tasks.length === 0 ? '<p class="empty">No tasks yet.</p>' : tasks.map((t) => taskHtml(state, t)).join('\n');
}

const attemptText = (a: number | string) => (typeof a === 'number' ? String(a) : a.replace('_', ' '));

/** Where clicks and replies go, and how the latest ones went. */
function deliveriesHtml(state: SandboxState, settings: SlackSettings): string {
  const { interactivityUrl, eventsUrl, signingSecretSet } = settings.view();
  const where = (url: string | null, env: string) => (url ? e(url) : `<span class="warn">not set (${e(env)})</span>`);
  const recent = state.slack.deliveries.slice(-8).reverse();
  const line = (d: SlackDelivery) =>
    `<li class="${d.ok === false ? 'failed' : ''}"><span class="meta">${e(d.at.slice(11, 19))}</span> ${d.kind === 'click' ? 'click' : 'reply'} <code>${e(d.what)}</code> → ${d.attempts.length > 0 ? e(d.attempts.map(attemptText).join(', ')) : 'sending…'}</li>`;
  return `<div class="deliveries meta">As ${e(operator.realName)} (${e(operator.id)}): clicks → ${where(interactivityUrl, 'SANDBOX_SLACK_INTERACTIVITY_URL')} · replies → ${where(eventsUrl, 'SANDBOX_SLACK_EVENTS_URL')} · signing secret ${signingSecretSet ? 'set' : '<span class="warn">not set (SLACK_SIGNING_SECRET)</span>'}
${recent.length > 0 ? `<ul>${recent.map(line).join('')}</ul>` : ''}</div>`;
}

/** The part of the page that changes; the inline script fetches it again with ?fragment=1. */
export function renderLive(state: SandboxState, settings: SlackSettings): string {
  const counters = state.counters.snapshot();
  const webhooks = [...state.asana.webhooks.values()];
  return `<div class="columns">
<div class="column"><h2>Slack</h2>${deliveriesHtml(state, settings)}${slackHtml(state)}</div>
<div class="column"><h2>Asana</h2>${asanaHtml(state)}
${webhooks.length > 0 ? `<h3>Webhooks</h3><ul>${webhooks.map((w) => `<li>${e(w.resourceType)} ${e(w.resourceGid)} → ${e(w.target)} <span class="meta">delivered ${w.delivered}, failed ${w.failed}</span></li>`).join('')}</ul>` : ''}
</div></div>
<footer class="meta">Slack 429s served: ${counters.slack.ratelimited} · Asana 429s served: ${counters.asana.ratelimited} · faults served: ${e(JSON.stringify(counters.faults))} ·
<a href="/_sandbox/state">state</a> · <a href="/_sandbox/slack/messages">messages JSON</a> · <a href="/_sandbox/asana/tasks">tasks JSON</a></footer>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f6f6;color:#1d1c1d}
header{background:#3f0e40;color:#fff;padding:8px 16px}header h1{font-size:16px;margin:0}
.columns{display:flex;gap:16px;padding:16px}.column{flex:1;min-width:0}
.channel,.task{background:#fff;border-radius:6px;padding:8px 12px;margin-bottom:12px;box-shadow:0 1px 2px #0002}
.message{border-left:3px solid #ddd;padding:4px 8px;margin:6px 0}.thread{margin-left:16px}
.text,.context{white-space:pre-wrap}.context{color:#616061;font-size:12px}
.text code,.context code{background:#f4f4f4;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#c01343;font-size:12px}
.text pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:6px;margin:4px 0;white-space:pre-wrap}
.text blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:8px}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.date{border-bottom:1px dotted #999}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:1px 8px;margin:2px 4px 2px 0;font-size:12px;background:#fff;cursor:pointer}
.button.primary{background:#007a5a;color:#fff;border-color:#007a5a}.button.danger{color:#e01e5a;border-color:#e01e5a}
form.act{display:inline}form.reply{margin:4px 0 0;display:flex;gap:4px}form.reply input{flex:1;font:inherit;font-size:12px;padding:1px 4px}
.human{border-left-color:#1264a3}.ephemeral{border-left-color:#e8912d;background:#fdf6ec}.person{color:#1264a3;font-weight:bold}.warn{color:#b00}.failed{color:#b00}
.deliveries{margin-bottom:8px}.deliveries ul{margin:2px 0;padding-left:18px}
.meta{color:#777;font-size:11px}.ping{color:#b00;font-weight:bold;font-size:11px}
.tag{background:#e8f0fe;border-radius:10px;padding:0 8px;margin-left:4px;font-size:12px}
.done strong{text-decoration:line-through;color:#555}.check{color:#2a7}
.stories{margin:4px 0;padding-left:18px}.stories .system{color:#777;font-style:italic}.empty{color:#999}
footer{padding:0 16px 16px}`;

export function renderPage(state: SandboxState, settings: SlackSettings): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard sandbox</title><style>${STYLE}</style></head>
<body><header><h1>Switchboard sandbox — Slack and Asana stand-ins</h1></header>
<div id="live">${renderLive(state, settings)}</div>
<script>
(function () {
  var last = '';
  var live = document.getElementById('live');
  // Not while someone is typing a reply: a fresh rendering would take the text away.
  function typing() {
    var fields = live.querySelectorAll('input[type=text]');
    for (var i = 0; i < fields.length; i++) if (fields[i].value || fields[i] === document.activeElement) return true;
    return false;
  }
  setInterval(function () {
    if (typing()) return;
    fetch('/?fragment=1', { cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (html) { if (html !== last && !typing()) { last = html; live.innerHTML = html; } })
      .catch(function () {});
  }, 1500);
})();
</script></body></html>`;
}
