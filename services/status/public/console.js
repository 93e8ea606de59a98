// The console's live updates: one EventSource per page. Every piece of text is written with textContent,
// never as HTML, so whatever a user typed stays text. Without JavaScript the pages still work (reload).
'use strict';

(function () {
  const body = document.body;
  const stream = body.dataset.stream;
  if (!stream || typeof EventSource === 'undefined') return;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shortTime(iso) {
    return (iso || '').replace('T', ' ').slice(0, 19);
  }

  function entryItem(entry) {
    const li = el('li', 'entry from-' + entry.from);
    li.dataset.eventId = entry.eventId;
    const meta = el('div', 'meta');
    meta.appendChild(el('span', 'author', entry.author || entry.from));
    meta.appendChild(document.createTextNode(' '));
    const time = el('time', '', shortTime(entry.at));
    time.setAttribute('datetime', entry.at);
    meta.appendChild(time);
    if (entry.priority && entry.priority !== 'unspecified') {
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(el('span', 'priority', entry.priority));
    }
    li.appendChild(meta);
    li.appendChild(el('div', 'text', entry.text));
    if (entry.attachments && entry.attachments.length > 0) li.appendChild(attachmentList(entry.attachments));
    li.appendChild(el('div', 'delivery', ''));
    return li;
  }

  // Only http(s) URLs become links; anything else is shown as text.
  function attachmentList(attachments) {
    const list = el('ul', 'attachments');
    for (const a of attachments) {
      const item = el('li');
      const label = a.name || a.type || a.url || 'attachment';
      if (/^https?:\/\/\S+$/i.test(a.url || '')) {
        const link = el('a', '', label);
        link.href = a.url;
        link.rel = 'noopener noreferrer nofollow';
        link.target = '_blank';
        item.appendChild(link);
      } else {
        item.textContent = a.url ? label + ' (' + a.url + ')' : label;
      }
      list.appendChild(item);
    }
    return list;
  }

  function findEntry(eventId) {
    for (const li of document.querySelectorAll('#transcript > li')) if (li.dataset.eventId === eventId) return li;
    return null;
  }

  function addEntry(entry) {
    const list = document.getElementById('transcript');
    if (!list || findEntry(entry.eventId)) return;
    list.appendChild(entryItem(entry));
    list.lastElementChild.scrollIntoView({ block: 'nearest' });
  }

  function badges(s) {
    const out = [];
    if (s.closed) out.push(['closed', 'closed']);
    if (s.spam) out.push(['spam', 'spam']);
    if (s.control === 'human') out.push(['human', 'taken over' + (s.operator ? ' by ' + s.operator : '')]);
    if (s.reviewedBy) out.push(['reviewed', 'reviewed by ' + s.reviewedBy]);
    if (out.length === 0) out.push(['open', 'new']);
    if (s.owner) out.push(['owner', 'owner ' + s.owner]);
    const frag = document.createDocumentFragment();
    out.forEach(function (b, i) {
      if (i > 0) frag.appendChild(document.createTextNode(' '));
      frag.appendChild(el('span', 'badge ' + b[0], b[1]));
    });
    return frag;
  }

  // The same rule as availableActions in conversation-state.ts.
  function available(s) {
    const out = [];
    if (!s.reviewedBy) out.push('reviewed');
    out.push(s.spam ? 'not_spam' : 'spam');
    if (!s.closed) out.push(s.control === 'human' ? 'handback' : 'takeover');
    if (!s.closed && !s.spam) out.push('assign_me');
    out.push(s.closed ? 'reopen' : 'close');
    return out;
  }

  function applySummary(s) {
    const status = document.getElementById('status');
    if (status) status.replaceChildren(badges(s));
    const control = document.getElementById('control');
    if (control)
      control.textContent =
        s.control === 'human'
          ? (s.operator || 'An operator') + ' holds this conversation; the bot stays silent.'
          : 'The bot is answering.';
    const shown = available(s);
    for (const form of document.querySelectorAll('form[data-action]'))
      form.hidden = shown.indexOf(form.dataset.action) < 0;
  }

  function applyRow(s) {
    const rows = document.getElementById('conversation-rows');
    if (!rows) return;
    let row = null;
    for (const tr of rows.children) if (tr.dataset.conversationId === s.id) row = tr;
    if (!row) {
      row = el('tr');
      row.dataset.conversationId = s.id;
      for (let i = 0; i < 6; i += 1) row.appendChild(el('td'));
      const link = el('a');
      link.href = '/console/conversations/' + encodeURIComponent(s.id);
      row.children[1].appendChild(link);
      row.children[5].className = 'last';
    }
    row.className = 'priority-' + (s.priority || 'none');
    const time = el('time', '', shortTime(s.lastAt));
    time.setAttribute('datetime', s.lastAt);
    row.children[0].replaceChildren(time);
    row.children[1].firstChild.textContent = s.userName || s.userId || s.id;
    row.children[2].textContent = s.teamName || s.teamId;
    row.children[3].textContent = s.priority;
    row.children[4].replaceChildren(badges(s));
    row.children[5].textContent = s.lastText;
    rows.insertBefore(row, rows.firstChild);
  }

  const source = new EventSource(stream);
  source.addEventListener('snapshot', function (ev) {
    const data = JSON.parse(ev.data);
    (data.entries || []).forEach(addEntry);
    Object.keys(data.deliveries || {}).forEach(function (id) {
      const li = findEntry(id);
      if (li) li.querySelector('.delivery').textContent = data.deliveries[id];
    });
    if (data.summary) applySummary(data.summary);
  });
  source.addEventListener('entry', function (ev) {
    addEntry(JSON.parse(ev.data));
  });
  source.addEventListener('summary', function (ev) {
    const s = JSON.parse(ev.data);
    if (body.dataset.page === 'list') applyRow(s);
    else applySummary(s);
  });
  source.addEventListener('delivery', function (ev) {
    const d = JSON.parse(ev.data);
    const li = findEntry(d.eventId);
    if (li) li.querySelector('.delivery').textContent = d.delivery;
  });
  source.addEventListener('open', function () {
    body.dataset.live = 'on';
  });
  source.addEventListener('error', function () {
    body.dataset.live = 'off';
  });
})();
