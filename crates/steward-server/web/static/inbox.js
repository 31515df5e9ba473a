/* Steward support inbox (/inbox). Vanilla ES2020, no build step, no inline handlers or styles (CSP).
 * Works the desk through the JSON API (/api/v1/support/…, /api/v1/rooms/{id}/messages) with the
 * session cookie, and the gateway for live updates (docs/SUPPORT.md, docs/GATEWAY.md).
 * Sections: utilities · state · queues · conversation · composer & canned replies · contact card ·
 * actions & dialogs · supervisor overview · gateway · keyboard · init. */
(() => {
  'use strict';

  // ------------------------------------------------------------------ utilities
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const LANG = document.documentElement.lang || 'en';
  const PHONE_Q = '(max-width: 759px)';
  const TYPING_SEND_MS = 3000, TYPING_SHOW_MS = 6000;

  function readJSON(id) {
    const el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch { return null; }
  }
  const boot = readJSON('inbox-bootstrap');
  if (!boot || !document.getElementById('inbox')) return;
  const I18N = boot.i18n || {};

  /** `inbox-<key>` with `{ $var }` placeables filled. */
  function T(key, vars) {
    const s = I18N['inbox-' + key];
    if (s == null) return key;
    const out = String(s).replace(/[\u2068\u2069]/g, '');
    return vars ? out.replace(/\{\s*\$([\w-]+)\s*\}/g, (m, n) => (n in vars ? String(vars[n]) : m)) : out;
  }

  /** Builds an element. Children strings become text nodes (never parsed as HTML); `on*` take functions. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }

  const isColor = (c) => typeof c === 'string' && /^#[0-9a-f]{3,8}$/i.test(c);
  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
    const first = (w) => (w ? Array.from(w)[0] : '');
    return ((first(parts[0]) || '?') + (parts.length > 1 ? first(parts[1]) : '')).toUpperCase();
  }
  function avatar(user, extra = '') {
    const el = h('span', { class: `avatar ${extra}`.trim(), 'aria-hidden': 'true' }, initials(user && (user.display_name || user.name)));
    if (user && isColor(user.avatar_color)) el.style.backgroundColor = user.avatar_color;
    return el;
  }
  function makeNonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
  }
  const excerpt = (text, n = 90) => { const s = String(text || '').replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };

  const fmtTime = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit' });
  const fmtDate = new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeStyle: 'short' });
  const fmtDay = new Intl.DateTimeFormat(LANG, { day: 'numeric', month: 'short' });
  const ms = (iso) => (iso ? new Date(iso).getTime() : NaN);
  function unit(n, u) {
    try { return new Intl.NumberFormat(LANG, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n); } catch { return `${n} ${u}`; }
  }
  /** A short duration: "3 min", "2 h", "4 d". */
  function span(msecs) {
    const mins = Math.max(0, Math.floor(msecs / 60000));
    if (mins < 1) return '< ' + unit(1, 'minute');
    if (mins < 60) return unit(mins, 'minute');
    if (mins < 48 * 60) return unit(Math.floor(mins / 60), 'hour');
    return unit(Math.floor(mins / 1440), 'day');
  }
  function when(iso) {
    const t = ms(iso);
    if (isNaN(t)) return '';
    const d = new Date(t), now = new Date();
    return d.toDateString() === now.toDateString() ? fmtTime.format(d) : fmtDay.format(d);
  }

  function toast(message, kind = 'error', action) {
    const box = $('#toasts');
    if (!box || !message) return;
    const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null }, h('span', null, String(message)));
    if (action) {
      el.append(h('button', { type: 'button', class: 'toast-action', onclick: () => { el.remove(); action.run(); } }, action.label));
    }
    box.append(el);
    const life = action ? 12000 : kind === 'error' ? 6000 : 3500;
    setTimeout(() => { el.classList.add('toast-out'); setTimeout(() => el.remove(), 300); }, life);
  }

  class ApiError extends Error {
    constructor(message, status, code) { super(message); Object.assign(this, { status, code }); }
  }
  /** JSON API call with the session cookie; throws ApiError carrying the server's translated message. */
  async function api(method, url, body) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    let res, data = null;
    try { res = await fetch(url, opts); } catch { throw new ApiError(T('error-network'), 0); }
    if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
    if (!res.ok) {
      const err = (data && data.error) || {};
      if (res.status === 401) location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
      throw new ApiError(err.message || T('error-generic'), res.status, err.code);
    }
    return data;
  }
  const SUP = '/api/v1/support';

  /** Runs `fn` at most once per `wait` ms, trailing. */
  function throttle(fn, wait) {
    let timer = null, last = 0;
    return () => {
      if (timer) return;
      const due = Math.max(0, last + wait - Date.now());
      timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, due);
    };
  }

  // ---------------------------------------------------------------------- state
  const store = (k, v) => { try { localStorage.setItem(k, JSON.stringify(v)); } catch { /* private mode */ } };
  const recall = (k, d) => { try { return JSON.parse(localStorage.getItem(k)) ?? d; } catch { return d; } };
  const S = {
    me: boot.me, viewAll: !!boot.view_all, view: boot.view === 'supervisor' ? 'supervisor' : 'inbox',
    queue: recall('steward.inbox.queue', null), items: [], counts: {}, known: new Map(),
    current: null, detail: null, room: null, msgs: [], byId: new Map(), lastSeq: {},
    mode: 'reply', op: null, seen: recall('steward.inbox.seen', {}),
    typing: new Map(), typingSent: 0, loadToken: 0,
    staff: new Map((boot.staff || []).map((s) => [s.user.id, s])),
    inboxes: boot.inboxes || [],
  };
  // Supervisors watch everything; operators start with their own.
  if (!['mine', 'unassigned', 'all'].includes(S.queue)) S.queue = S.viewAll ? 'all' : 'mine';
  const PRIO = { urgent: 0, high: 1, normal: 2, low: 3 };
  const conv = () => S.detail && S.detail.conversation;
  const currentRoom = () => (conv() ? conv().room_id : null);
  const isMine = (c) => c && c.assignee_id === S.me.id;

  async function person(id) {
    if (id == null) return null;
    const s = S.staff.get(id);
    if (s) return s.user;
    try {
      const u = await api('GET', `/api/v1/users/${Number(id)}`);
      const user = (u && (u.user || u)) || null;
      if (user) S.staff.set(id, { user, supervisor: false });
      return user;
    } catch { return null; }
  }
  const nameOf = (id) => { const s = S.staff.get(id); return s ? s.user.display_name : `#${id}`; };

  const isPhone = () => window.matchMedia(PHONE_Q).matches;
  /** The contact card: with a conversation open, where the operator left it (open by default on
   * wide screens); on phones, only as its own pane. */
  function syncInfo() {
    const want = !!S.detail && S.view === 'inbox' && (isPhone() ? $('#inbox').dataset.pane === 'info' : recall('steward.inbox.info', true));
    $('#ib-info').hidden = !want;
    $('#ib-info-open').setAttribute('aria-expanded', String(want));
  }
  /** Which pane a phone shows: the list, the conversation (or overview), or the contact card. */
  function setPane(p) {
    $('#inbox').dataset.pane = p;
    const info = $('#ib-info');
    if (p === 'info') info.hidden = false;
    else if (isPhone()) info.hidden = true;
    $('#ib-info-open').setAttribute('aria-expanded', String(!info.hidden));
  }

  // --------------------------------------------------------------------- queues
  function waitingFrom(c) {
    if (c.waiting_since) return ms(c.waiting_since);
    const cust = ms(c.last_customer_at), agent = ms(c.last_agent_at);
    return !isNaN(cust) && (isNaN(agent) || cust > agent) && c.status !== 'resolved' ? cust : NaN;
  }
  function sortItems(list) {
    return list.slice().sort((a, b) => {
      const ca = a.conversation, cb = b.conversation;
      const p = (PRIO[ca.priority] ?? 2) - (PRIO[cb.priority] ?? 2);
      if (p) return p;
      const wa = waitingFrom(ca), wb = waitingFrom(cb);
      if (!isNaN(wa) || !isNaN(wb)) return (isNaN(wa) ? Infinity : wa) - (isNaN(wb) ? Infinity : wb);
      return ms(cb.updated_at) - ms(ca.updated_at);
    });
  }
  function isUnread(it) {
    const c = it.conversation;
    if (c.id === S.current) return false;
    const seen = S.seen[c.id];
    if (seen != null) return it.last_seq > seen;
    return !isNaN(waitingFrom(c));
  }
  function markSeen(id, seq) {
    if (!seq || (S.seen[id] || 0) >= seq) return;
    S.seen[id] = seq;
    const keys = Object.keys(S.seen);
    if (keys.length > 500) for (const k of keys.slice(0, keys.length - 500)) delete S.seen[k];
    store('steward.inbox.seen', S.seen);
  }

  const contactName = (it) => (it && it.contact && it.contact.name) || T('visitor');

  function itemEl(it) {
    const c = it.conversation;
    const wait = waitingFrom(c);
    const badges = [];
    if (c.priority && c.priority !== 'normal') badges.push(h('span', { class: `ib-badge ib-prio-${c.priority}` }, T(`priority-${c.priority}`)));
    if (c.sla_state === 'warning' || c.sla_state === 'breached') badges.push(h('span', { class: `ib-badge ib-sla-${c.sla_state}` }, T(`sla-${c.sla_state}`)));
    if (c.status !== 'open') badges.push(h('span', { class: 'ib-badge ib-status' }, T(`status-${c.status}`)));
    if (c.escalated_to != null) badges.push(h('span', { class: 'ib-badge ib-esc' }, T('escalated')));
    const who = c.assignee_id == null ? T('unassigned') : c.assignee_id === S.me.id ? T('assignee-me') : nameOf(c.assignee_id);
    const unread = isUnread(it);
    const sub = !isNaN(wait) ? T('waiting', { time: span(Date.now() - wait) }) : who;
    const label = [contactName(it), sub, ...badges.map((b) => b.textContent), unread ? T('unread') : ''].filter(Boolean).join(', ');
    return h('li', { class: 'ib-item-wrap' },
      h('button', {
        type: 'button', class: 'ib-item' + (unread ? ' ib-unread' : '') + (!isNaN(wait) ? ' ib-is-waiting' : ''),
        id: `ib-item-${c.id}`, 'data-id': c.id, 'aria-current': c.id === S.current ? 'true' : null, 'aria-label': label,
        onclick: () => openConv(c.id, { pane: true }),
      },
      h('span', { class: 'ib-item-top' },
        h('span', { class: 'ib-unread-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'ib-item-name' }, contactName(it)),
        h('span', { class: 'ib-item-time' }, when(c.last_customer_at || c.updated_at))),
      h('span', { class: 'ib-item-bottom' },
        h('span', { class: 'ib-item-sub' + (!isNaN(wait) ? ' ib-waiting' : '') }, sub),
        badges)));
  }

  function renderList() {
    const ul = $('#ib-items');
    ul.replaceChildren(...S.items.map(itemEl));
    $('#ib-empty').hidden = S.items.length > 0;
    $('#ib-list-loading').hidden = true;
    for (const q of ['mine', 'unassigned', 'all']) {
      const tab = $(`#ib-q-${q}`);
      tab.setAttribute('aria-selected', String(q === S.queue));
      tab.tabIndex = q === S.queue ? 0 : -1;
      $(`#ib-count-${q}`).textContent = S.counts[q] != null ? S.counts[q] : '0';
    }
  }

  async function loadList() {
    const q = S.queue;
    try {
      const data = await api('GET', `${SUP}/conversations?queue=${q}&limit=100`);
      if (q !== S.queue) return;
      S.items = sortItems((data && data.conversations) || []);
      S.counts = (data && data.counts) || {};
      for (const it of S.items) S.known.set(it.conversation.id, it);
      renderList();
    } catch (e) { $('#ib-list-loading').hidden = true; toast(e.message); }
  }
  const refreshSoon = throttle(loadList, 500);

  function setQueue(q) {
    if (S.queue === q) return;
    S.queue = q;
    store('steward.inbox.queue', q);
    $('#ib-list-loading').hidden = false;
    loadList();
  }

  async function loadMe() {
    try {
      const data = await api('GET', `${SUP}/me`);
      setAvailability(data && data.operator);
    } catch { /* not an operator yet: the switch starts offline */ setAvailability(null); }
  }
  const meSoon = throttle(loadMe, 1000);
  function setAvailability(op) {
    if (op) S.op = { ...(S.op || {}), ...op };
    const av = (S.op && S.op.availability) || 'offline';
    for (const r of $$('input[name="availability"]')) r.checked = r.value === av;
    $('#ib-avail').dataset.av = av;
    const load = $('#ib-load');
    if (S.op && S.op.active_count != null) {
      load.textContent = T('load', { n: S.op.active_count, cap: S.op.capacity ? S.op.capacity : '∞' });
    } else load.textContent = '';
  }

  // --------------------------------------------------------------- conversation
  function statusText(c) {
    const parts = [T(`status-${c.status}`)];
    parts.push(c.assignee_id == null ? T('unassigned') : T('assignee', { name: c.assignee_id === S.me.id ? T('assignee-me') : nameOf(c.assignee_id) }));
    if (c.department_id != null) {
      for (const i of S.inboxes) for (const d of i.departments || []) if (d.id === c.department_id) parts.push(d.name);
    }
    if (c.status === 'snoozed' && c.snoozed_until) parts.push(T('snoozed-until', { time: fmtDate.format(new Date(c.snoozed_until)) }));
    if (c.escalated_to != null) parts.push(T('escalated-to', { name: nameOf(c.escalated_to) }));
    return parts.join(' · ');
  }

  function renderHeader() {
    const c = conv();
    if (!c) return;
    const it = S.known.get(c.id);
    const name = (S.detail.contact && S.detail.contact.name) || contactName(it);
    $('#ib-conv-name').textContent = name;
    $('#ib-conv-meta').textContent = statusText(c);
    const member = !!(S.room && S.room.my_role);
    const open = c.status !== 'resolved';
    const show = {
      // An assignment that lapses unless accepted (the inbox's offer timeout).
      accept: open && isMine(c) && !!c.offer_expires_at,
      take: open && !isMine(c) && (c.assignee_id == null || S.viewAll),
      join: open && S.viewAll && !member && !isMine(c),
      transfer: open && (isMine(c) || S.viewAll),
      escalate: open && (isMine(c) || !S.viewAll),
      snooze: open && c.status !== 'snoozed',
      resolve: open,
      reopen: !open || c.status === 'snoozed',
    };
    for (const b of $$('#ib-actions [data-act]')) b.hidden = !show[b.dataset.act];
    $('.ib-snooze').hidden = !show.snooze;
    const canReply = member || isMine(c);
    $('#ib-input').placeholder = S.mode === 'note' ? T('placeholder-note') : canReply ? T('placeholder-reply') : T('placeholder-join');
  }

  function isVisitor(m) { return !!(S.detail && S.detail.contact && m.author_id === S.detail.contact.user_id); }

  function msgEl(m) {
    const visitor = isVisitor(m), mine = m.author_id === S.me.id;
    const cls = ['ib-msg', visitor ? 'ib-msg-visitor' : 'ib-msg-staff', m.internal && 'ib-msg-note', mine && 'ib-msg-mine'].filter(Boolean).join(' ');
    const author = m.author || { display_name: '?' };
    const head = h('div', { class: 'ib-msg-head' },
      m.internal ? h('span', { class: 'ib-note-label' }, T('note')) : null,
      h('span', { class: 'ib-msg-author' }, author.display_name),
      h('time', { class: 'ib-msg-time', datetime: m.created_at, title: fmtDate.format(new Date(m.created_at)) }, fmtTime.format(new Date(m.created_at))));
    const body = h('div', { class: 'ib-msg-body msg-body' });
    if (m.deleted) body.append(h('p', { class: 'msg-tombstone' }, T('deleted')));
    else body.innerHTML = m.html || ''; // server-rendered, sanitized markdown
    const files = (m.attachments || []).map((a) => h('a', { class: 'file-chip', href: a.url && /^\/(?!\/)/.test(a.url) ? a.url : '#', target: '_blank', rel: 'noopener' }, a.name || a.filename || 'file'));
    return h('article', { class: cls, id: `ib-m-${m.id}`, 'data-id': m.id, 'data-seq': m.seq },
      visitor ? avatar(author, 'avatar-sm') : null,
      h('div', { class: 'ib-bubble' }, head, body, files.length ? h('div', { class: 'msg-files' }, files) : null));
  }

  function renderMessages() {
    const box = $('#ib-msg-items');
    box.replaceChildren(...S.msgs.map(msgEl));
    scrollDown();
  }
  function scrollDown() { const list = $('#ib-messages'); list.scrollTop = list.scrollHeight; }
  function nearBottom() { const l = $('#ib-messages'); return l.scrollHeight - l.scrollTop - l.clientHeight < 120; }

  function addMessage(m) {
    if (!m || m.room_id !== currentRoom()) return;
    if (S.byId.has(m.id)) { updateMessage(m); return; }
    const stick = nearBottom();
    S.byId.set(m.id, m);
    S.msgs.push(m);
    S.msgs.sort((a, b) => a.seq - b.seq);
    const el = msgEl(m);
    const next = S.msgs[S.msgs.indexOf(m) + 1];
    const box = $('#ib-msg-items');
    if (next && document.getElementById(`ib-m-${next.id}`)) box.insertBefore(el, document.getElementById(`ib-m-${next.id}`));
    else box.append(el);
    if (stick || m.author_id === S.me.id) scrollDown();
    S.lastSeq[m.room_id] = Math.max(S.lastSeq[m.room_id] || 0, m.seq || 0);
    markSeen(conv().id, m.seq);
    if (!isVisitor(m)) clearTyping(m.author_id);
    else { clearTyping(m.author_id); markRead(); refreshSuggestions(); }
  }
  function updateMessage(m) {
    const old = S.byId.get(m.id);
    if (!old) return;
    Object.assign(old, m);
    const el = document.getElementById(`ib-m-${m.id}`);
    if (el) el.replaceWith(msgEl(old));
  }

  async function markRead() {
    const c = conv();
    if (!c || !S.room || !S.room.my_role || document.hidden) return;
    const seq = S.lastSeq[c.room_id];
    if (!seq || seq <= (S.readSent || 0)) return;
    S.readSent = seq;
    try { await api('POST', `/api/v1/rooms/${c.room_id}/read`, { seq }); } catch { /* not a member after all */ }
  }

  async function loadMessages() {
    const c = conv();
    const token = S.loadToken;
    $('#ib-msg-loading').hidden = false;
    try {
      const data = await api('GET', `/api/v1/rooms/${c.room_id}/messages?limit=100`);
      if (token !== S.loadToken) return;
      S.msgs = ((data && data.messages) || []).slice().sort((a, b) => a.seq - b.seq);
      S.byId = new Map(S.msgs.map((m) => [m.id, m]));
      const last = S.msgs.length ? S.msgs[S.msgs.length - 1].seq : 0;
      S.lastSeq[c.room_id] = Math.max(last, (S.room && S.room.last_seq) || 0);
      renderMessages();
      markSeen(c.id, S.lastSeq[c.room_id]);
    } catch (e) { toast(e.message); } finally { $('#ib-msg-loading').hidden = true; }
  }

  async function loadRoom() {
    const c = conv();
    try { S.room = await api('GET', `/api/v1/rooms/${c.room_id}`); } catch { S.room = null; }
    if (S.room && S.room.room) S.room = S.room.room;
  }

  /** Opens a conversation: its detail, room rights and messages, then follows it live. */
  /** Suggested answers for the contact's last message: FAQ entries and saved replies, one click to insert. */
  async function loadSuggestions() {
    const c = conv();
    const card = $('#ib-suggest');
    if (!c) { card.hidden = true; return; }
    let r;
    try { r = await api('GET', `${SUP}/conversations/${c.id}/suggestions`); } catch { card.hidden = true; return; }
    if (!conv() || conv().id !== c.id) return;
    const items = [
      ...(r.faq || []).map((f) => ({ kind: T('suggest-faq'), title: f.question || f.id, text: f.answer })),
      ...(r.canned || []).map((k) => ({ kind: T('suggest-canned'), title: '/' + k.shortcut + (k.title ? ' · ' + k.title : ''), text: k.body })),
    ];
    const list = $('#ib-suggest-list');
    list.replaceChildren(...items.map((it) => h('li', { class: 'ib-suggest-item' },
      h('span', { class: 'badge' }, it.kind), ' ', h('strong', {}, it.title),
      h('p', { class: 'ib-suggest-text' }, it.text.length > 220 ? it.text.slice(0, 220) + '…' : it.text),
      h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': T('suggest-insert') + ': ' + it.title, onclick: () => {
        setMode('reply', false);
        const input = $('#ib-input');
        input.value = it.text;
        autoGrow();
        input.focus();
      } }, T('suggest-insert')))));
    $('#ib-suggest-q').textContent = r.question ? '«' + r.question + '»' : '';
    card.hidden = items.length === 0;
  }
  const refreshSuggestions = throttle(loadSuggestions, 1500);

  async function openConv(id, opts = {}) {
    const token = ++S.loadToken;
    showView('inbox');
    S.current = id;
    S.readSent = 0;
    for (const b of $$('.ib-item')) b.setAttribute('aria-current', String(Number(b.dataset.id) === id));
    $('#ib-none').hidden = true;
    $('#ib-conv').hidden = false;
    if (opts.pane) setPane('conv');
    history.replaceState(null, '', `/inbox?c=${id}`);
    let detail;
    try { detail = await api('GET', `${SUP}/conversations/${id}`); } catch (e) { toast(e.message); return; }
    if (token !== S.loadToken) return;
    S.detail = detail;
    S.typing.clear();
    renderTyping();
    await loadRoom();
    if (token !== S.loadToken) return;
    // Staff outside the conversation write notes; replies need taking or joining.
    setMode(S.room && S.room.my_role ? S.mode : 'note', false);
    renderHeader();
    renderInfo();
    syncInfo();
    await loadMessages();
    if (token !== S.loadToken) return;
    loadSuggestions();
    follow();
    markRead();
    const it = S.known.get(id);
    if (it) { const el = document.getElementById(`ib-item-${id}`); if (el) el.classList.remove('ib-unread'); }
    if (opts.focus) $('#ib-input').focus();
  }

  /** Subscribes the gateway to the open conversation's room from the seq we have. */
  function follow() {
    const room = currentRoom();
    if (room) gwSend({ op: 'resume', rooms: { [room]: S.lastSeq[room] || 0 } });
  }

  function onConversation(c) {
    if (!c) return;
    const it = S.known.get(c.id);
    if (it) it.conversation = c;
    if (S.current === c.id && S.detail) {
      const before = S.detail.conversation;
      S.detail.conversation = c;
      const rejoin = before.assignee_id !== c.assignee_id;
      (rejoin ? loadRoom() : Promise.resolve()).then(() => { renderHeader(); renderInfo(); if (rejoin) setMode(S.mode, false); });
    }
    refreshSoon();
  }

  // ------------------------------------------------------------------- typing
  function renderTyping() {
    const el = $('#ib-typing');
    const names = [...S.typing.values()].map((t) => t.name);
    el.textContent = names.length ? T('typing', { name: names.join(', ') }) : '';
    el.classList.toggle('active', names.length > 0);
  }
  function clearTyping(uid) {
    const t = S.typing.get(uid);
    if (!t) return;
    clearTimeout(t.timer);
    S.typing.delete(uid);
    renderTyping();
  }
  function onTyping(d) {
    if (d.room_id !== currentRoom() || d.user_id === S.me.id) return;
    clearTyping(d.user_id);
    S.typing.set(d.user_id, { name: d.display_name || '…', timer: setTimeout(() => clearTyping(d.user_id), TYPING_SHOW_MS) });
    renderTyping();
  }

  // ------------------------------------------------- composer & canned replies
  function setMode(mode, focus = true) {
    S.mode = mode === 'note' ? 'note' : 'reply';
    for (const b of $$('.ib-mode-btn')) {
      const on = b.dataset.mode === S.mode;
      b.setAttribute('aria-checked', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    $('#ib-composer').classList.toggle('ib-composer-note', S.mode === 'note');
    renderHeader();
    if (focus) $('#ib-input').focus();
  }

  function autoGrow() {
    const ta = $('#ib-input');
    ta.style.height = 'auto';
    ta.style.height = Math.min(ta.scrollHeight, window.innerHeight * 0.35) + 'px';
  }

  async function send() {
    const c = conv();
    const ta = $('#ib-input');
    const body = ta.value.trim();
    if (!c || !body) return;
    const internal = S.mode === 'note';
    ta.value = '';
    autoGrow();
    closeCanned();
    try {
      const r = await api('POST', `${SUP}/conversations/${c.id}/messages`, { body, internal, nonce: makeNonce() });
      if (r && r.message) addMessage(r.message);
    } catch (e) {
      if (!ta.value) ta.value = body;
      autoGrow();
      toast(e.message);
    }
  }

  function sendTyping() {
    const room = currentRoom();
    if (!room || S.mode !== 'reply' || !S.room || !S.room.my_role) return; // a note is not typing to the visitor
    const now = Date.now();
    if (now - S.typingSent < TYPING_SEND_MS) return;
    S.typingSent = now;
    gwSend({ op: 'typing', room_id: room });
  }

  const C = { open: false, items: [], index: 0, start: 0, query: null, timer: null, seq: 0 };
  /** The `/word` the caret is in, if any: where it starts and what follows the slash. */
  function slashToken() {
    const ta = $('#ib-input');
    const upto = ta.value.slice(0, ta.selectionStart);
    const m = /(^|\s)\/([^\s/]{0,40})$/.exec(upto);
    return m ? { start: upto.length - m[2].length - 1, query: m[2] } : null;
  }
  function onComposerInput() {
    autoGrow();
    sendTyping();
    const tok = slashToken();
    if (!tok) { closeCanned(); return; }
    C.start = tok.start;
    if (tok.query === C.query && C.open) return;
    C.query = tok.query;
    clearTimeout(C.timer);
    C.timer = setTimeout(() => fetchCanned(tok.query), 120);
  }
  async function fetchCanned(q) {
    const seq = ++C.seq;
    let list = [];
    try {
      const data = await api('GET', `${SUP}/canned${q ? `?q=${encodeURIComponent(q)}` : ''}`);
      list = (data && data.canned) || [];
    } catch { list = []; }
    if (seq !== C.seq || !slashToken()) return;
    C.items = list.slice(0, 8);
    C.index = 0;
    renderCanned();
  }
  function renderCanned() {
    const ul = $('#ib-canned'), ta = $('#ib-input');
    C.open = true;
    ul.hidden = false;
    ta.setAttribute('aria-expanded', 'true');
    if (!C.items.length) {
      ul.replaceChildren(h('li', { class: 'ib-canned-empty', role: 'presentation' }, T('canned-none')));
      ta.removeAttribute('aria-activedescendant');
      return;
    }
    ul.replaceChildren(...C.items.map((r, i) => h('li', {
      role: 'option', id: `ib-canned-${i}`, class: 'ib-canned-item', 'aria-selected': String(i === C.index),
      onmousedown: (e) => { e.preventDefault(); C.index = i; pickCanned(); },
    }, h('span', { class: 'ib-canned-short' }, '/' + r.shortcut), h('span', { class: 'ib-canned-title' }, r.title || ''),
    h('span', { class: 'ib-canned-body' }, excerpt(r.body, 80)))));
    ta.setAttribute('aria-activedescendant', `ib-canned-${C.index}`);
    const sel = document.getElementById(`ib-canned-${C.index}`);
    if (sel && sel.scrollIntoView) sel.scrollIntoView({ block: 'nearest' });
  }
  function closeCanned() {
    if (!C.open && $('#ib-canned').hidden) return;
    C.open = false;
    C.query = null;
    C.seq++;
    $('#ib-canned').hidden = true;
    $('#ib-input').setAttribute('aria-expanded', 'false');
    $('#ib-input').removeAttribute('aria-activedescendant');
  }
  function pickCanned() {
    const r = C.items[C.index];
    if (!r) return;
    const ta = $('#ib-input');
    const end = ta.selectionStart;
    ta.value = ta.value.slice(0, C.start) + r.body + ta.value.slice(end);
    const caret = C.start + r.body.length;
    ta.setSelectionRange(caret, caret);
    closeCanned();
    autoGrow();
    ta.focus();
  }

  function initComposer() {
    const ta = $('#ib-input');
    ta.addEventListener('input', onComposerInput);
    ta.addEventListener('blur', () => setTimeout(closeCanned, 150));
    ta.addEventListener('keydown', (e) => {
      if (C.open && C.items.length) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          C.index = (C.index + (e.key === 'ArrowDown' ? 1 : -1) + C.items.length) % C.items.length;
          renderCanned();
          return;
        }
        if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); pickCanned(); return; }
      }
      if (C.open && e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeCanned(); return; }
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    $('#ib-composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
    for (const b of $$('.ib-mode-btn')) b.addEventListener('click', () => setMode(b.dataset.mode));
    $('.ib-mode').addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        setMode(S.mode === 'reply' ? 'note' : 'reply', false);
        $(`.ib-mode-btn[data-mode="${S.mode}"]`).focus();
      }
    });
  }

  // --------------------------------------------------------------- contact card
  function renderInfo() {
    const d = S.detail;
    if (!d) return;
    const c = d.conversation, k = d.contact || {};
    const card = $('#ib-contact');
    const rows = [];
    if (k.email) rows.push([T('email'), h('a', { href: `mailto:${k.email}` }, k.email)]);
    if (k.phone) rows.push([T('phone'), k.phone]);
    for (const [key, value] of Object.entries(c.prechat || {})) {
      if (value == null || value === '' || (key === 'name' && value === k.name) || (key === 'email' && value === k.email)) continue;
      rows.push([key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
    }
    rows.push([T('started'), fmtDate.format(new Date(c.created_at))]);
    card.replaceChildren(
      h('div', { class: 'ib-contact-head' }, avatar({ display_name: k.name || '?' }, 'avatar-lg'),
        h('div', null, h('p', { class: 'ib-contact-name' }, k.name || T('visitor')))),
      h('dl', { class: 'ib-facts' }, rows.flatMap(([dt, dd]) => [h('dt', null, dt), h('dd', null, dd)])));
    $('#ib-priority').value = c.priority || 'normal';
    $('#ib-labels').replaceChildren(...(c.labels || []).map((l) => h('span', { class: 'chip ib-label' }, h('span', { class: 'chip-name' }, l),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': T('label-remove', { label: l }), title: T('label-remove', { label: l }),
        onclick: () => patch({ labels: (conv().labels || []).filter((x) => x !== l) }) }, '×'))));
    const csat = $('#ib-csat');
    csat.hidden = c.csat_rating == null;
    if (c.csat_rating != null) {
      csat.replaceChildren(h('h3', { class: 'ib-card-title' }, T('csat')),
        h('p', { class: 'ib-stars', 'aria-label': T('csat-rating', { n: c.csat_rating }) }, '★'.repeat(c.csat_rating) + '☆'.repeat(5 - c.csat_rating)),
        c.csat_comment ? h('blockquote', { class: 'ib-csat-comment' }, c.csat_comment) : null);
    }
    const past = d.past || [];
    $('#ib-past').replaceChildren(...(past.length ? past.map((p) => h('li', null, h('button', { type: 'button', class: 'btn-link', onclick: () => openConv(p.id, { pane: true }) },
      `${fmtDay.format(new Date(p.created_at))} · ${T(`status-${p.status}`)}`))) : [h('li', { class: 'muted' }, T('past-none'))]));
  }

  async function patch(body) {
    const c = conv();
    if (!c) return;
    try { onConversation(await api('PATCH', `${SUP}/conversations/${c.id}`, body)); } catch (e) { toast(e.message); }
  }

  function initInfo() {
    $('#ib-priority').addEventListener('change', (e) => patch({ priority: e.target.value }));
    $('#ib-label-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('#ib-label-input');
      const l = input.value.trim().toLowerCase();
      if (!l || !conv()) return;
      input.value = '';
      patch({ labels: [...new Set([...(conv().labels || []), l])] });
    });
    $('#ib-info-open').addEventListener('click', () => {
      const info = $('#ib-info');
      if (isPhone()) { setPane('info'); $('#ib-info-back').focus(); return; }
      info.hidden = !info.hidden;
      store('steward.inbox.info', !info.hidden);
      $('#ib-info-open').setAttribute('aria-expanded', String(!info.hidden));
    });
    $('#ib-info-back').addEventListener('click', () => { setPane('conv'); $('#ib-info-open').focus(); });
    $('#ib-info-close').addEventListener('click', () => {
      $('#ib-info').hidden = true;
      store('steward.inbox.info', false);
      $('#ib-info-open').setAttribute('aria-expanded', 'false');
      $('#ib-info-open').focus();
    });
  }

  // ---------------------------------------------------------- actions & dialogs
  async function act(name) {
    const c = conv();
    if (!c) return;
    const url = `${SUP}/conversations/${c.id}`;
    try {
      switch (name) {
        case 'accept': onConversation(await api('POST', `${url}/accept`)); renderHeader(); break;
        case 'take': onConversation(await api('POST', `${url}/assign`, { user_id: S.me.id })); await loadRoom(); setMode('reply'); toast(T('taken'), 'info'); break;
        case 'join': await api('POST', `${url}/join`); await loadRoom(); renderHeader(); setMode('reply'); toast(T('joined'), 'info'); break;
        case 'transfer': openTransfer(); break;
        case 'escalate': openDialog('#dlg-escalate'); break;
        case 'snooze': toggleSnooze(); break;
        case 'resolve': onConversation(await api('POST', `${url}/status`, { status: 'resolved' })); toast(T('resolved'), 'info'); break;
        case 'reopen': onConversation(await api('POST', `${url}/status`, { status: 'open' })); break;
      }
    } catch (e) { toast(e.message); }
  }

  function toggleSnooze(force) {
    const menu = $('#ib-snooze-menu'), btn = $('[data-act="snooze"]');
    const open = force != null ? force : menu.hidden;
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    if (open) { const first = $('[role="menuitem"]', menu); if (first) first.focus(); }
  }
  async function snooze(what) {
    toggleSnooze(false);
    const c = conv();
    if (!c) return;
    let body;
    if (what === 'tomorrow') {
      const t = new Date();
      t.setDate(t.getDate() + 1);
      t.setHours(9, 0, 0, 0);
      body = { status: 'snoozed', snoozed_until: t.toISOString() };
    } else body = { status: 'snoozed', snooze_minutes: Number(what) || 60 };
    try { onConversation(await api('POST', `${SUP}/conversations/${c.id}/status`, body)); toast(T('snoozed'), 'info'); } catch (e) { toast(e.message); }
  }

  let dialogOpener = null;
  function openDialog(sel) {
    const dlg = $(sel);
    dialogOpener = document.activeElement;
    const err = $('[data-form-error]', dlg);
    if (err) err.hidden = true;
    if (dlg.showModal) dlg.showModal(); else dlg.setAttribute('open', '');
    const first = $('select, textarea, input', dlg);
    if (first) first.focus();
  }
  function closeDialog(dlg) {
    if (dlg.open) dlg.close();
  }
  function formError(form, msg) {
    const el = $('[data-form-error]', form);
    el.textContent = msg;
    el.hidden = false;
  }

  function openTransfer() {
    const c = conv();
    const inbox = S.inboxes.find((i) => i.id === c.inbox_id) || { members: [], departments: [] };
    const ops = $('#tr-operator'), deps = $('#tr-department');
    ops.replaceChildren(h('option', { value: '' }, T('transfer-nobody')),
      ...(inbox.members || []).filter((id) => id !== S.me.id && id !== c.assignee_id && S.staff.has(id))
        .map((id) => h('option', { value: id }, nameOf(id))));
    deps.replaceChildren(h('option', { value: '' }, T('transfer-no-department')),
      ...(inbox.departments || []).map((d) => h('option', { value: d.id }, d.name)));
    $('#tr-department-field').hidden = !(inbox.departments || []).length;
    $('#tr-comment').value = '';
    openDialog('#dlg-transfer');
  }

  function initDialogs() {
    for (const b of $$('[data-close]')) b.addEventListener('click', () => closeDialog(b.closest('dialog')));
    for (const d of $$('dialog')) d.addEventListener('close', () => { if (dialogOpener && dialogOpener.focus) dialogOpener.focus(); dialogOpener = null; });
    $('#form-transfer').addEventListener('submit', async (e) => {
      e.preventDefault();
      const c = conv(), form = e.target;
      const user = $('#tr-operator').value, dep = $('#tr-department').value, comment = $('#tr-comment').value.trim();
      if (!user && !dep) { formError(form, T('transfer-pick')); return; }
      const body = { comment: comment || null };
      if (user) body.user_id = Number(user);
      if (dep) body.department_id = Number(dep);
      try {
        onConversation(await api('POST', `${SUP}/conversations/${c.id}/transfer`, body));
        closeDialog(form.closest('dialog'));
        toast(T('transferred'), 'info');
        loadRoom().then(() => { renderHeader(); });
      } catch (err) { formError(form, err.message); }
    });
    $('#form-escalate').addEventListener('submit', async (e) => {
      e.preventDefault();
      const c = conv(), form = e.target;
      const comment = $('#es-comment').value.trim();
      try {
        onConversation(await api('POST', `${SUP}/conversations/${c.id}/escalate`, { comment: comment || null }));
        $('#es-comment').value = '';
        closeDialog(form.closest('dialog'));
        toast(T('escalated-sent'), 'info');
      } catch (err) { formError(form, err.message); }
    });
    for (const b of $$('#ib-actions [data-act]')) b.addEventListener('click', () => act(b.dataset.act));
    for (const b of $$('[data-snooze]')) b.addEventListener('click', () => snooze(b.dataset.snooze));
    $('#ib-snooze-menu').addEventListener('keydown', (e) => {
      const items = $$('[role="menuitem"]', e.currentTarget), i = items.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length].focus(); }
      if (e.key === 'Escape') { e.stopPropagation(); toggleSnooze(false); $('[data-act="snooze"]').focus(); }
    });
    document.addEventListener('click', (e) => { if (!e.target.closest('.ib-snooze')) toggleSnooze(false); });
    $('#ib-help-open').addEventListener('click', () => openDialog('#dlg-help'));
  }

  // --------------------------------------------------------- supervisor overview
  async function loadOverview() {
    if (!S.viewAll || S.view !== 'supervisor') return;
    let d;
    try { d = await api('GET', `${SUP}/overview`); } catch (e) { toast(e.message); return; }
    const tile = (label, value, warn) => h('div', { class: 'ib-stat' + (warn ? ' ib-stat-warn' : '') }, h('span', { class: 'ib-stat-value' }, value), h('span', { class: 'ib-stat-label' }, label));
    const risk = d.sla_at_risk || [];
    $('#ib-stats').replaceChildren(
      tile(T('ov-queue'), d.queue_length ?? 0, d.queue_length > 0),
      tile(T('ov-longest'), d.longest_wait_secs != null ? span(d.longest_wait_secs * 1000) : '—', d.longest_wait_secs > 300),
      tile(T('ov-open'), d.open ?? 0),
      tile(T('ov-at-risk'), risk.length, risk.length > 0));
    const ops = (d.operators || []).slice().sort((a, b) => (a.user ? a.user.display_name : '').localeCompare(b.user ? b.user.display_name : ''));
    $('#ib-ov-operators').replaceChildren(...(ops.length ? ops.map((o) => {
      const u = o.user || { display_name: `#${o.state.user_id}` };
      if (o.user && !S.staff.has(o.user.id)) S.staff.set(o.user.id, { user: o.user, supervisor: false });
      const av = o.state.availability;
      return h('tr', null,
        h('th', { scope: 'row' }, h('span', { class: 'ib-op' }, avatar(u, 'avatar-xs'), u.display_name)),
        h('td', null, h('span', { class: `ib-dot ib-dot-${av}`, 'aria-hidden': 'true' }), ' ', T(`av-${av}`)),
        h('td', null, `${o.state.active_count} / ${o.state.capacity || '∞'}`),
        h('td', null, o.connected ? T('yes') : T('no')));
    }) : [h('tr', null, h('td', { colspan: 4, class: 'muted' }, T('ov-no-operators')))]));
    const convLink = (c, extra) => h('li', null, h('button', { type: 'button', class: 'ib-ov-conv', onclick: () => openConv(c.id, { pane: true }) },
      h('span', null, contactName(S.known.get(c.id)) + ` #${c.id}`), h('span', { class: 'muted' }, extra)));
    $('#ib-ov-sla').replaceChildren(...(risk.length ? risk.map((c) => convLink(c, T(`sla-${c.sla_state}`))) : [h('li', { class: 'muted' }, T('ov-none'))]));
    const waiting = d.waiting || [];
    $('#ib-ov-waiting').replaceChildren(...(waiting.length
      ? waiting.map((c) => convLink(c, T('waiting', { time: span(Date.now() - ms(c.waiting_since)) })))
      : [h('li', { class: 'muted' }, T('ov-none'))]));
  }
  const overviewSoon = throttle(loadOverview, 2000);

  function showView(v) {
    if (v === 'supervisor' && !S.viewAll) v = 'inbox';
    S.view = v;
    $('#inbox').dataset.view = v;
    for (const t of $$('.ib-view-tab')) { const on = t.dataset.view === v; t.setAttribute('aria-selected', String(on)); t.tabIndex = on ? 0 : -1; }
    $('#ib-overview').hidden = v !== 'supervisor';
    if (v === 'supervisor') {
      $('#ib-conv').hidden = true;
      $('#ib-none').hidden = true;
      $('#ib-info').hidden = true;
      history.replaceState(null, '', '/inbox?view=supervisor');
      loadOverview();
    } else {
      $('#ib-conv').hidden = S.current == null;
      $('#ib-none').hidden = S.current != null;
      syncInfo();
      if (S.current != null) history.replaceState(null, '', `/inbox?c=${S.current}`);
      else history.replaceState(null, '', '/inbox');
    }
  }

  // -------------------------------------------------------------------- gateway
  const GW = { ws: null, attempt: 0, hb: null, hbMs: 25000, lastPong: 0, timer: null, stopped: false, everUp: false };
  function gwSend(obj) { if (GW.ws && GW.ws.readyState === WebSocket.OPEN) GW.ws.send(JSON.stringify(obj)); }
  const setBanner = (show) => { $('#conn-banner').hidden = !show; };

  function gwConnect() {
    clearTimeout(GW.timer);
    if (GW.stopped || (GW.ws && GW.ws.readyState <= WebSocket.OPEN)) return;
    let ws;
    try { ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/gateway`); } catch { gwRetry(); return; }
    GW.ws = ws;
    ws.addEventListener('message', (ev) => {
      let d;
      try { d = JSON.parse(ev.data); } catch { return; }
      if (d && typeof d.type === 'string') onGateway(d);
    });
    ws.addEventListener('close', (ev) => {
      if (GW.ws !== ws) return;
      GW.ws = null;
      clearInterval(GW.hb);
      if (ev.code === 4003 || ev.code === 4001) { GW.stopped = true; location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); return; }
      if (!GW.stopped) gwRetry();
    });
  }
  function gwRetry() {
    if (GW.everUp || GW.attempt >= 2) setBanner(true);
    const base = Math.min(30000, 1000 * 2 ** GW.attempt);
    GW.attempt = Math.min(GW.attempt + 1, 10);
    clearTimeout(GW.timer);
    GW.timer = setTimeout(gwConnect, Math.max(1000, base * (0.7 + Math.random() * 0.3)));
  }

  function onGateway(d) {
    const here = d.room_id != null && d.room_id === currentRoom();
    if (here && d.seq != null) {
      if (d.seq <= (S.lastSeq[d.room_id] || 0) && d.type.startsWith('message.created')) return;
      S.lastSeq[d.room_id] = Math.max(S.lastSeq[d.room_id] || 0, d.seq);
    }
    switch (d.type) {
      case 'hello':
        GW.hbMs = d.heartbeat_ms || 25000;
        GW.lastPong = Date.now();
        clearInterval(GW.hb);
        GW.hb = setInterval(() => {
          if (Date.now() - GW.lastPong > GW.hbMs * 2.5) { if (GW.ws) GW.ws.close(); return; }
          gwSend({ op: 'ping' });
        }, GW.hbMs);
        gwSend({ op: 'resume', rooms: currentRoom() ? { [currentRoom()]: S.lastSeq[currentRoom()] || 0 } : {} });
        break;
      case 'ready':
        if (GW.everUp) { refreshSoon(); overviewSoon(); } // we may have missed updates while away
        Object.assign(GW, { attempt: 0, everUp: true });
        setBanner(false);
        break;
      case 'pong': GW.lastPong = Date.now(); break;
      case 'message.created':
        if (here) addMessage(d.message);
        break;
      case 'message.updated':
      case 'message.deleted':
        if (here && d.message) updateMessage(d.message);
        break;
      case 'typing': onTyping(d); break;
      case 'resync':
        if (here) { S.lastSeq[d.room_id] = d.seq; loadMessages(); }
        break;
      case 'support.conversation':
        // The copy with `room_id` is the widget's view of the room: ours comes per person.
        if (d.room_id == null) onConversation(d.conversation);
        break;
      case 'support.assigned': {
        const c = d.conversation;
        // The list first: it knows the contact's name.
        loadList().then(() => {
          if (c && c.id !== S.current) {
            toast(T('assigned-toast', { name: contactName(S.known.get(c.id)) }), 'info', { label: T('open'), run: () => openConv(c.id, { pane: true, focus: true }) });
          }
        });
        break;
      }
      case 'support.escalated':
        refreshSoon();
        toast(T('escalated-toast', { name: (d.by && d.by.display_name) || '?' }) + (d.comment ? ` — ${excerpt(d.comment, 80)}` : ''), 'info',
          { label: T('open'), run: () => openConv(d.conversation_id, { pane: true }) });
        break;
      case 'support.mention':
        toast(T('mention-toast', { name: (d.message && d.message.author && d.message.author.display_name) || '?' }), 'info',
          { label: T('open'), run: () => openConv(d.conversation_id, { pane: true }) });
        break;
      case 'support.sla':
        refreshSoon();
        toast(T(`sla-toast-${d.state === 'breached' ? 'breached' : 'warning'}`), d.state === 'breached' ? 'error' : 'info',
          { label: T('open'), run: () => openConv(d.conversation_id, { pane: true }) });
        break;
      case 'support.offer':
        toast(T('offer-toast'), 'info', { label: T('accept'), run: async () => {
          try { onConversation(await api('POST', `${SUP}/conversations/${d.conversation_id}/accept`)); openConv(d.conversation_id, { pane: true }); } catch (e) { toast(e.message); }
        } });
        break;
      case 'support.availability':
        setAvailability({ availability: d.availability });
        break;
      case 'error':
        if (d.message) toast(d.message);
        break;
    }
    if (d.type.startsWith('support.')) { overviewSoon(); meSoon(); }
  }

  // ------------------------------------------------------------------- keyboard
  function step(delta) {
    const ids = S.items.map((it) => it.conversation.id);
    if (!ids.length) return;
    const i = ids.indexOf(S.current);
    const next = ids[i < 0 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, i + delta))];
    if (next != null && next !== S.current) {
      openConv(next, { pane: true });
      const el = document.getElementById(`ib-item-${next}`);
      if (el) { el.scrollIntoView({ block: 'nearest' }); el.focus(); }
    }
  }

  function initKeys() {
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (!$('#ib-snooze-menu').hidden) { toggleSnooze(false); return; }
        if (isPhone() && $('#inbox').dataset.pane === 'info') { setPane('conv'); return; }
        return; // open dialogs close themselves on Esc
      }
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      const open = S.current != null && S.view === 'inbox';
      switch (e.key) {
        case 'j': step(1); break;
        case 'k': step(-1); break;
        case 'r': if (!open) return; setMode('reply'); break;
        case 'n': if (!open) return; setMode('note'); break;
        case 't': if (!open || $('[data-act="take"]').hidden) return; act('take'); break;
        case 'e': if (!open || $('[data-act="resolve"]').hidden) return; act('resolve'); break;
        case '?': openDialog('#dlg-help'); break;
        default: return;
      }
      e.preventDefault();
    });
  }

  // ----------------------------------------------------------------------- init
  function init() {
    for (const t of $$('.ib-queue')) t.addEventListener('click', () => setQueue(t.dataset.queue));
    $('.ib-queues').addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const qs = ['mine', 'unassigned', 'all'];
      const q = qs[(qs.indexOf(S.queue) + (e.key === 'ArrowRight' ? 1 : 2)) % 3];
      setQueue(q);
      $(`#ib-q-${q}`).focus();
    });
    for (const t of $$('.ib-view-tab')) t.addEventListener('click', () => { showView(t.dataset.view); if (t.dataset.view === 'supervisor') setPane('conv'); });
    for (const r of $$('input[name="availability"]')) {
      r.addEventListener('change', async () => {
        if (!r.checked) return;
        try { setAvailability(await api('PUT', `${SUP}/me`, { availability: r.value })); refreshSoon(); } catch (e) { toast(e.message); setAvailability(null); }
      });
    }
    $('#ib-back').addEventListener('click', () => setPane('list'));
    for (const b of $$('[data-back-list]')) b.addEventListener('click', () => setPane('list'));
    syncInfo();
    initComposer();
    initInfo();
    initDialogs();
    initKeys();
    renderList();
    $('#ib-list-loading').hidden = false;
    loadMe();
    loadList().then(() => { if (boot.open != null) openConv(Number(boot.open), { pane: true }); });
    showView(S.view);
    if (S.view === 'supervisor') setPane('conv');
    setInterval(() => { renderList(); if (S.view === 'supervisor') loadOverview(); }, 30000); // waiting times move
    document.addEventListener('visibilitychange', () => { if (!document.hidden) markRead(); });
    window.addEventListener('pagehide', () => { GW.stopped = true; if (GW.ws) GW.ws.close(); });
    window.addEventListener('pageshow', (e) => { if (e.persisted) { Object.assign(GW, { stopped: false, attempt: 0 }); gwConnect(); } });
    window.addEventListener('online', () => { GW.attempt = 0; gwConnect(); });
    gwConnect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
