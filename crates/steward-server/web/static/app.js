/* Steward web client. Vanilla ES2020, no build step, no inline handlers or styles (CSP).
 * Sections: utilities · state · sidebar · message rendering · scrolling · read state · composer ·
 * message actions · side panels · typing · gateway · presence · dialogs · init. */
(() => {
  'use strict';

  // ------------------------------------------------------------------ utilities
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const LANG = document.documentElement.lang || 'en';
  const EMOJIS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];
  const GROUP_MS = 5 * 60 * 1000, IDLE_MS = 5 * 60 * 1000, TYPING_SEND_MS = 3000, TYPING_SHOW_MS = 6000;
  const MOBILE_Q = '(max-width: 860px)', PANEL_OVERLAY_Q = '(max-width: 1100px)';

  const ICONS = {
    reply: '<polyline points="9 14 4 9 9 4"/><path d="M20 20v-7a4 4 0 0 0-4-4H4"/>',
    smile: '<circle cx="12" cy="12" r="10"/><path d="M8 14s1.5 2 4 2 4-2 4-2"/><line x1="9" y1="9" x2="9.01" y2="9"/><line x1="15" y1="9" x2="15.01" y2="9"/>',
    edit: '<path d="M17 3a2.83 2.83 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5L17 3z"/>',
    trash: '<polyline points="3 6 5 6 21 6"/><path d="M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6"/><path d="M10 11v6M14 11v6"/><path d="M9 6V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2"/>',
    link: '<path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71"/><path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71"/>',
    pin: '<line x1="12" y1="17" x2="12" y2="22"/><path d="M5 17h14v-1.76a2 2 0 0 0-1.11-1.79l-1.78-.9A2 2 0 0 1 15 10.76V6h1a2 2 0 0 0 0-4H8a2 2 0 0 0 0 4h1v4.76a2 2 0 0 1-1.11 1.79l-1.78.9A2 2 0 0 0 5 15.24z"/>',
    file: '<path d="M13 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/><polyline points="13 2 13 9 20 9"/>',
    x: '<line x1="18" y1="6" x2="6" y2="18"/><line x1="6" y1="6" x2="18" y2="18"/>',
    retry: '<polyline points="23 4 23 10 17 10"/><path d="M20.49 15a9 9 0 1 1-2.12-9.36L23 10"/>',
    lock: '<rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    megaphone: '<path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7"/><path d="M18.5 5.5a9 9 0 0 1 0 13"/>',
    flag: '<path d="M4 15s1-1 4-1 5 2 8 2 4-1 4-1V3s-1 1-4 1-5-2-8-2-4 1-4 1z"/><line x1="4" y1="22" x2="4" y2="15"/>',
    shield: '<path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5z"/>',
    smilePlus: '<circle cx="11" cy="13" r="8"/><path d="M7.5 15s1.3 1.5 3.5 1.5 3.5-1.5 3.5-1.5"/><line x1="8.5" y1="11" x2="8.51" y2="11"/><line x1="13.5" y1="11" x2="13.51" y2="11"/><line x1="20" y1="2" x2="20" y2="7"/><line x1="17.5" y1="4.5" x2="22.5" y2="4.5"/>',
  };

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

  function icon(name) {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    for (const [k, v] of [['class', 'icon'], ['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['focusable', 'false']]) s.setAttribute(k, v);
    s.innerHTML = ICONS[name] || ''; // constant markup only
    return s;
  }

  function readJSON(id) {
    const el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch { return null; }
  }

  const boot = readJSON('bootstrap');
  const I18N = (boot && boot.i18n) || {};
  const plural = new Intl.PluralRules(LANG);

  /** Looks up `js-<key>` and fills `{ $var }` placeables (works on raw or arg-less formatted Fluent). */
  function T(key, vars) {
    const s = I18N['js-' + key];
    if (s == null) return key;
    const out = String(s).replace(/[\u2068\u2069]/g, '');
    return vars ? out.replace(/\{\s*\$([\w-]+)\s*\}/g, (m, n) => (n in vars ? String(vars[n]) : m)) : out;
  }
  /** Plural-aware lookup via `js-<key>-one|few|many|other`. */
  function TP(key, count) {
    const k = `${key}-${plural.select(count)}`;
    return T(I18N['js-' + k] != null ? k : `${key}-other`, { count });
  }

  const DTF = (o) => new Intl.DateTimeFormat(LANG, o);
  const fmtTime = DTF({ hour: '2-digit', minute: '2-digit' }), fmtFull = DTF({ dateStyle: 'full', timeStyle: 'short' });
  const fmtDate = DTF({ dateStyle: 'medium', timeStyle: 'short' }), fmtDay = DTF({ weekday: 'long', day: 'numeric', month: 'long' });
  const fmtDayYear = DTF({ day: 'numeric', month: 'long', year: 'numeric' });
  const dayKey = (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;

  function dayLabel(d) {
    const now = new Date(), y = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    if (dayKey(d) === dayKey(now)) return T('today');
    if (dayKey(d) === dayKey(y)) return T('yesterday');
    return (d.getFullYear() === now.getFullYear() ? fmtDay : fmtDayYear).format(d);
  }

  function fmtSize(n) {
    const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    try {
      return new Intl.NumberFormat(LANG, { style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: i ? 1 : 0 }).format(n);
    } catch { return `${n.toFixed(i ? 1 : 0)} ${['B', 'KB', 'MB', 'GB'][i]}`; }
  }

  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
    const first = (w) => (w ? Array.from(w)[0] : '');
    return ((first(parts[0]) || '?') + (parts.length > 1 ? first(parts[1]) : '')).toUpperCase();
  }

  const isColor = (c) => typeof c === 'string' && /^#[0-9a-f]{3,8}$/i.test(c);
  const safeUrl = (u) => (typeof u === 'string' && /^\/(?!\/)/.test(u) ? u : '#');

  function avatar(user, extra = '') {
    const el = h('span', { class: `avatar ${extra}`.trim(), 'aria-hidden': 'true' }, initials(user && (user.display_name || user.username)));
    if (user && isColor(user.avatar_color)) el.style.backgroundColor = user.avatar_color; // CSSOM: allowed by CSP
    return el;
  }

  function excerpt(text, n = 120) {
    const s = String(text || '').replace(/\s+/g, ' ').trim();
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function makeNonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
  }

  function toast(message, kind = 'error') {
    const box = $('#toasts');
    if (!box || !message) return;
    const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null }, String(message));
    box.append(el);
    setTimeout(() => { el.classList.add('toast-out'); setTimeout(() => el.remove(), 300); }, kind === 'error' ? 6000 : 3500);
  }

  class ApiError extends Error {
    constructor(message, status, code, field, detail) { super(message); Object.assign(this, { status, code, field, detail }); }
  }

  /** JSON API call; throws ApiError carrying the server's translated `error.message`. */
  async function api(method, url, body) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body instanceof FormData) opts.body = body;
    else {
      opts.headers['Content-Type'] = 'application/json';
      if (body !== undefined) opts.body = JSON.stringify(body);
    }
    let res, data = null;
    try { res = await fetch(url, opts); } catch { throw new ApiError(T('error-network'), 0); }
    if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
    if (!res.ok) {
      const err = (data && data.error) || {};
      if (res.status === 401) location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
      throw new ApiError(err.message || T('error-generic'), res.status, err.code, err.field, err.detail);
    }
    return data;
  }

  /** Localizes server-rendered `<time data-local>` (search results). */
  function localizeTimes() {
    for (const el of $$('time[data-local]')) {
      const d = new Date(el.getAttribute('datetime'));
      if (isNaN(d)) continue;
      el.textContent = (el.dataset.local === 'time' ? fmtTime : fmtDate).format(d);
      el.title = fmtFull.format(d);
    }
  }

  function paintAvatars() {
    for (const el of $$('[data-color]')) if (isColor(el.dataset.color)) el.style.backgroundColor = el.dataset.color;
    for (const el of $$('.avatar[data-name]')) el.textContent = initials(el.dataset.name);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const ta = h('textarea', { class: 'visually-hidden', readonly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    try { document.execCommand('copy'); } finally { ta.remove(); }
    return Promise.resolve();
  }

  function confirmDialog(text, okLabel) {
    const dlg = $('#dlg-confirm');
    if (!dlg || !dlg.showModal) return Promise.resolve(window.confirm(text));
    $('#dlg-confirm-text').textContent = text;
    const ok = $('#dlg-confirm-ok');
    ok.textContent = okLabel || T('confirm');
    dlg.returnValue = '';
    dlg.showModal();
    ok.focus();
    return new Promise((resolve) => dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true }));
  }

  // ---------------------------------------------------------------------- state
  const S = {
    me: boot && boot.me, room: boot && boot.room, members: new Map(),
    msgs: [], byId: new Map(), byNonce: new Map(), // msgs: confirmed by seq, then pending (no seq yet)
    hasMore: false, older: null, lastSeq: {}, dividerSeq: null,
    stick: true, anchor: null, unseen: 0, readSent: 0, // anchor: {id, top}, held in place while images load
    replyTo: null, editing: null, preEditDraft: '', uploads: [],
    typing: new Map(), typingSent: 0, status: 'online', panel: null,
  };
  const BASE_TITLE = document.title;
  const ROOM_EVENTS = new Set(['message.created', 'message.updated', 'message.deleted', 'reaction.added',
    'reaction.removed', 'member.joined', 'member.left', 'room.updated', 'noop']);

  const isMember = () => !!(S.room && S.room.my_role);
  const canModerate = () => ['owner', 'moderator'].includes(S.room && S.room.my_role) || ['owner', 'admin', 'moderator'].includes(S.me && S.me.role);
  const canReact = () => isMember() && !S.room.archived;
  const canPin = () => canModerate() || (isMember() && ['direct', 'group'].includes(S.room.kind));
  const canEdit = (m) => m.author_id === S.me.id && !!S.room.can_post;
  const canDelete = (m) => (m.author_id === S.me.id && isMember()) || canModerate();
  const mentionsMe = (html) => !!html && !!S.me &&
    (html.includes('class="mention mention-room"') || html.includes(`data-username="${String(S.me.username).toLowerCase()}"`));

  // Last seen event seq per room, in memory and sessionStorage (for resume).
  const SEQ_KEY = 'steward.seq';
  let seqTimer = null;
  // `exact`: take the server's position even if lower (a resync after a restore).
  function setLastSeq(roomId, seq, exact) {
    if (!exact && !(seq > (S.lastSeq[roomId] || 0))) return;
    S.lastSeq[roomId] = seq;
    clearTimeout(seqTimer);
    seqTimer = setTimeout(() => { try { sessionStorage.setItem(SEQ_KEY, JSON.stringify(S.lastSeq)); } catch { /* private mode */ } }, 250);
  }
  function initSeqs() {
    let stored = {};
    try { stored = JSON.parse(sessionStorage.getItem(SEQ_KEY) || '{}') || {}; } catch { stored = {}; }
    // The page is a snapshot: resume from what it rendered (or later), never replay into its badges.
    for (const a of $$('.room-link[data-room-id]')) {
      S.lastSeq[a.dataset.roomId] = Math.max(Number(stored[a.dataset.roomId]) || 0, Number(a.dataset.lastSeq) || 0);
    }
    if (S.room) {
      const lastMsg = S.msgs.length ? S.msgs[S.msgs.length - 1].seq : 0;
      S.lastSeq[S.room.id] = Math.max(S.lastSeq[S.room.id] || 0, Number(S.room.last_seq) || 0, lastMsg || 0);
    }
  }

  // -------------------------------------------------------------------- sidebar
  const roomLink = (id) => document.querySelector(`.room-link[data-room-id="${Number(id)}"]`);

  function setBadges(id, unread, mentions) {
    const a = roomLink(id);
    if (!a) return;
    unread = Math.max(0, unread | 0);
    mentions = Math.max(0, mentions | 0);
    Object.assign(a.dataset, { unread, mentions });
    a.classList.toggle('has-unread', unread > 0);
    const bm = $('.badge-mention', a), bu = $('.badge-unread', a), sr = $('.room-sr', a);
    if (bm) { bm.textContent = '@' + mentions; bm.hidden = mentions === 0; }
    if (bu) { bu.textContent = unread > 99 ? '99+' : String(unread); bu.hidden = unread === 0 || mentions > 0; }
    if (sr) sr.textContent = (unread ? ', ' + TP('unread', unread) : '') + (mentions ? ', ' + TP('mentions', mentions) : '');
    updateNavDot();
  }

  function updateNavDot() {
    const dot = $('#nav-toggle-dot');
    if (dot) dot.hidden = !$$('.room-link').some((a) => a.getAttribute('aria-current') !== 'page' && Number(a.dataset.unread) > 0);
  }

  function roomGlyph(r) {
    const g = (...c) => h('span', { class: 'room-glyph' + (r.kind === 'direct' ? ' room-glyph-dm' : ''), 'aria-hidden': 'true' }, ...c);
    if (r.kind === 'broadcast' || r.kind === 'group') return g(icon(r.kind === 'group' ? 'lock' : 'megaphone'));
    return g(r.kind === 'direct' ? (Array.from(r.title || '?')[0] || '?').toUpperCase() : '#');
  }

  function addRoomToSidebar(r) {
    if (roomLink(r.id)) { updateRoomInSidebar(r); return; }
    const list = $(r.kind === 'group' ? '#rooms-groups' : r.kind === 'direct' ? '#rooms-direct' : '#rooms-channels');
    if (!list) return;
    const li = h('li', { class: 'room-item', 'data-room-id': r.id, 'data-kind': r.kind },
      h('a', { class: 'room-link', href: `/r/${r.id}`, 'data-room-id': r.id, 'data-last-seq': r.last_seq || 0, 'data-unread': 0, 'data-mentions': 0 },
        roomGlyph(r), h('span', { class: 'room-name' }, r.title), h('span', { class: 'room-sr visually-hidden' }),
        h('span', { class: 'badge badge-mention', 'aria-hidden': 'true', hidden: true }),
        h('span', { class: 'badge badge-unread', 'aria-hidden': 'true', hidden: true })));
    const before = r.kind === 'direct' ? list.firstElementChild
      : $$('.room-item', list).find((x) => $('.room-name', x).textContent.localeCompare(r.title, LANG) > 0);
    list.insertBefore(li, before || null);
    setLastSeq(r.id, r.last_seq || 0);
    setBadges(r.id, r.unread || 0, r.mentions || 0);
  }

  // Replayed room.updated events carry the stored room (a name, no title).
  const titleOf = (r) => r.title || (r.kind !== 'direct' && r.name) || '';

  function updateRoomInSidebar(r) {
    const a = roomLink(r.id);
    if (a && titleOf(r)) $('.room-name', a).textContent = titleOf(r);
  }

  function removeRoomFromSidebar(id) {
    const a = roomLink(id);
    if (a) a.closest('.room-item').remove();
    delete S.lastSeq[id];
    updateNavDot();
  }

  function initSidebar() {
    const app = $('#app'), toggle = $('#nav-toggle'), scrim = $('#scrim'), sidebar = $('#sidebar'), filter = $('#room-filter');
    const mobile = () => window.matchMedia(MOBILE_Q).matches;
    function setDrawer(open, focus = true) {
      app.classList.toggle('nav-open', open);
      if (toggle) toggle.setAttribute('aria-expanded', String(open));
      if (scrim) scrim.hidden = !open;
      if (open && focus) ($('[aria-current="page"]', sidebar) || filter).focus();
      else if (!open && focus && toggle && mobile()) toggle.focus();
    }
    if (toggle) toggle.addEventListener('click', () => setDrawer(!app.classList.contains('nav-open')));
    for (const el of [$('#nav-close'), scrim]) if (el) el.addEventListener('click', () => setDrawer(false));
    sidebar.addEventListener('keydown', (e) => { if (e.key === 'Escape' && app.classList.contains('nav-open')) setDrawer(false); });

    const kbd = $('.kbd-hint');
    if (kbd && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)) kbd.textContent = '⌘K';
    const apply = () => {
      const q = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const li of $$('.room-item')) {
        li.hidden = !!q && !$('.room-name', li).textContent.toLowerCase().includes(q);
        if (!li.hidden) shown++;
      }
      $('#room-nav').classList.toggle('filtering', !!q);
      $('#filter-empty').hidden = !q || shown > 0;
    };
    filter.addEventListener('input', apply);
    filter.addEventListener('keydown', (e) => {
      const first = $$('.room-item').find((li) => !li.hidden);
      if (e.key === 'Enter' && first) { e.preventDefault(); location.href = $('a', first).href; }
      else if (e.key === 'ArrowDown' && first) { e.preventDefault(); $('a', first).focus(); }
      else if (e.key === 'Escape' && filter.value) { e.preventDefault(); e.stopPropagation(); filter.value = ''; apply(); }
    });
    document.addEventListener('keydown', (e) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || !(e.code === 'KeyK' || (e.key || '').toLowerCase() === 'k')) return;
      e.preventDefault();
      if (mobile()) setDrawer(true, false);
      filter.focus();
      filter.select();
    });
    // Arrow keys move between the visible rooms.
    $('#room-nav').addEventListener('keydown', (e) => {
      if (!e.target.classList.contains('room-link') || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
      const links = $$('.room-item').filter((li) => !li.hidden).map((li) => $('a', li));
      const i = links.indexOf(e.target) + (e.key === 'ArrowDown' ? 1 : -1);
      e.preventDefault();
      (links[i] || (i < 0 ? filter : e.target)).focus();
    });
    updateNavDot();
  }

  // --------------------------------------------------------- message rendering
  const listEl = () => $('#messages');
  const itemsEl = () => $('#msg-items');

  function isCont(prev, m) {
    if (!prev || prev.author_id !== m.author_id || m.reply_to) return false;
    const dt = new Date(m.created_at) - new Date(prev.created_at);
    return dt >= 0 && dt < GROUP_MS;
  }
  const newDay = (prev, m) => !prev || dayKey(new Date(prev.created_at)) !== dayKey(new Date(m.created_at));
  const daySep = (m) => h('div', { class: 'day-sep' }, h('span', null, dayLabel(new Date(m.created_at))));
  const newSep = () => h('div', { class: 'new-sep', id: 'new-sep' }, h('span', null, T('new-messages')));

  function timeEl(m, cls) {
    const d = new Date(m.created_at);
    return h('time', { class: cls, datetime: m.created_at, title: fmtFull.format(d) }, fmtTime.format(d));
  }

  function buildMsg(m, cont) {
    const mine = S.me && m.author_id === S.me.id;
    const author = m.author || { display_name: '?' };
    const cls = ['msg', cont && 'msg-cont', mine && 'msg-mine', m._pending && (m._failed ? 'msg-failed' : 'msg-pending'),
      m.deleted && 'msg-deleted', m.pinned && 'msg-pinned', !m.deleted && !mine && mentionsMe(m.html) && 'msg-mention',
      S.editing === m && 'msg-editing'].filter(Boolean);
    const art = h('article', { class: cls.join(' '), id: m.seq ? `m${m.seq}` : null, 'data-id': m.id, 'data-seq': m.seq, 'data-nonce': m.nonce });
    const gutter = h('div', { class: 'msg-gutter' }, cont ? timeEl(m, 'msg-time msg-time-side') : avatar(author));
    const main = h('div', { class: 'msg-main' });
    if (!cont) {
      main.append(h('div', { class: 'msg-head' }, h('span', { class: 'msg-author' }, author.display_name), timeEl(m, 'msg-time'),
        m.pinned ? h('span', { class: 'msg-pin-flag', title: T('pinned') }, icon('pin'), h('span', { class: 'visually-hidden' }, T('pinned'))) : null));
    } else {
      main.append(h('span', { class: 'visually-hidden' }, `${author.display_name}, ${fmtTime.format(new Date(m.created_at))}: `));
    }
    art.append(gutter, main);
    if (m.deleted) { main.append(h('p', { class: 'msg-tombstone' }, T('message-deleted'))); return art; }
    if (m.reply_to) {
      main.append(h('button', { type: 'button', class: 'msg-reply', 'data-action': 'goto', 'data-goto': m.reply_to.seq,
        'aria-label': T('reply-goto', { name: m.reply_to.author_display_name }) },
      icon('reply'), h('strong', null, m.reply_to.author_display_name), h('span', { class: 'msg-reply-text' }, m.reply_to.excerpt || '')));
    }
    const body = h('div', { class: 'msg-body' });
    if (m._pending) {
      if (m.body) body.append(h('p', { class: 'msg-plain' }, m.body));
    } else {
      body.innerHTML = m.html || ''; // server-sanitized HTML
      const uname = S.me && String(S.me.username).toLowerCase();
      for (const sp of $$('.mention', body)) if (sp.dataset.username === uname || sp.classList.contains('mention-room')) sp.classList.add('mention-me');
    }
    if (m.edited_at) {
      const last = body.lastElementChild;
      (last && last.tagName === 'P' ? last : body).append(' ', h('span', { class: 'msg-edited', title: fmtFull.format(new Date(m.edited_at)) }, T('edited')));
    }
    main.append(body);
    if (m.attachments && m.attachments.length) main.append(buildFiles(m.attachments));
    main.append(buildReactions(m));
    if (m._pending) {
      main.append(h('div', { class: 'msg-status', role: m._failed ? 'alert' : null }, m._failed
        ? [h('span', null, T('send-failed')),
          h('button', { type: 'button', class: 'btn-link', 'data-action': 'retry' }, icon('retry'), T('retry')),
          h('button', { type: 'button', class: 'btn-link', 'data-action': 'discard' }, T('discard'))]
        : [h('span', { class: 'spinner spinner-xs', 'aria-hidden': 'true' }), T('sending')]));
    } else art.append(buildActions(m));
    return art;
  }

  function buildFiles(list) {
    return h('div', { class: 'msg-files' }, list.map((a) => (a.is_image
      ? h('a', { class: 'msg-image', href: safeUrl(a.url), target: '_blank', rel: 'noopener', title: a.filename },
        h('img', { src: safeUrl(a.url), alt: a.filename, loading: 'lazy', decoding: 'async' }))
      : h('a', { class: 'file-chip', href: safeUrl(a.url), download: a.filename },
        icon('file'), h('span', { class: 'file-name' }, a.filename), h('span', { class: 'file-size' }, fmtSize(a.size || 0))))));
  }

  function buildReactions(m) {
    const row = h('div', { class: 'msg-reactions' });
    for (const r of m.reactions || []) {
      if (!(r.count > 0)) continue;
      const ids = r.user_ids || [], mine = ids.includes(S.me.id);
      const names = ids.map((id) => (id === S.me.id ? T('you') : (S.members.get(id) || {}).display_name)).filter(Boolean);
      row.append(h('button', {
        type: 'button', class: 'reaction' + (mine ? ' reaction-mine' : ''), 'data-action': 'toggle-reaction', 'data-emoji': r.emoji,
        'aria-pressed': String(mine), title: names.join(', '), disabled: !canReact() || m._pending,
        'aria-label': T('reaction-label', { emoji: r.emoji, count: r.count }),
      }, h('span', { class: 'reaction-emoji' }, r.emoji), h('span', { class: 'reaction-count' }, String(r.count))));
    }
    if (row.childElementCount && canReact() && !m._pending) {
      row.append(h('button', { type: 'button', class: 'reaction reaction-add', 'data-action': 'react', 'aria-label': T('action-react'), title: T('action-react') }, icon('smilePlus')));
    }
    return row;
  }

  function buildActions(m) {
    const bar = h('div', { class: 'msg-actions', role: 'toolbar', 'aria-label': T('message-actions') });
    if (m.deleted) return bar;
    const btn = (action, ic, label, extra = '') =>
      h('button', { type: 'button', class: `btn-icon btn-xs ${extra}`.trim(), 'data-action': action, 'aria-label': label, title: label }, icon(ic));
    if (canReact()) bar.append(btn('react', 'smile', T('action-react')));
    if (S.room.can_post) bar.append(btn('reply', 'reply', T('action-reply')));
    if (canEdit(m)) bar.append(btn('edit', 'edit', T('action-edit')));
    if (canPin()) bar.append(btn('pin', 'pin', m.pinned ? T('action-unpin') : T('action-pin'), m.pinned ? 'is-on' : ''));
    bar.append(btn('link', 'link', T('action-copy-link')));
    const others = S.me && m.author_id !== S.me.id;
    if (others) bar.append(btn('report', 'flag', T('action-report')));
    if (others && can('moderation.sanction')) bar.append(btn('modmenu', 'shield', T('mod-menu')));
    if (canDelete(m)) bar.append(btn('delete', 'trash', T('action-delete'), 'btn-icon-danger'));
    return bar;
  }

  /** Rebuilds the list. keep: 'bottom' | 'anchor' (same distance from the bottom) | undefined. */
  function renderAll(keep) {
    const list = listEl(), items = itemsEl();
    if (!list || !items) return;
    const fromBottom = list.scrollHeight - list.scrollTop;
    const fa = items.contains(document.activeElement) ? document.activeElement : null;
    const fm = fa && fa.closest('.msg');
    const frag = document.createDocumentFragment();
    let prev = null, dividerDone = false;
    for (const m of S.msgs) {
      const nd = newDay(prev, m);
      if (nd) frag.append(daySep(m));
      const divider = !dividerDone && S.dividerSeq != null && m.seq > S.dividerSeq;
      if (divider) { frag.append(newSep()); dividerDone = true; }
      m._el = buildMsg(m, !nd && !divider && isCont(prev, m));
      frag.append(m._el);
      prev = m;
    }
    items.setAttribute('aria-busy', 'true');
    items.replaceChildren(frag);
    items.removeAttribute('aria-busy');
    if (keep === 'bottom') scrollToBottom();
    else if (keep === 'anchor') list.scrollTop = list.scrollHeight - fromBottom;
    if (fm && fm.dataset.id) {
      const el = $(`.msg[data-id="${fm.dataset.id}"] [data-action="${fa.dataset.action}"]`, items);
      if (el) el.focus({ preventScroll: true });
    }
  }

  function appendEl(m) {
    const prev = S.msgs[S.msgs.indexOf(m) - 1], nd = newDay(prev, m);
    if (nd) itemsEl().append(daySep(m));
    m._el = buildMsg(m, !nd && isCont(prev, m));
    itemsEl().append(m._el);
  }

  function rerender(m) {
    const old = m._el;
    if (!old || !old.isConnected) return;
    const sib = old.previousElementSibling;
    const el = buildMsg(m, !!sib && sib.classList.contains('msg') && isCont(S.msgs[S.msgs.indexOf(m) - 1], m));
    const fa = old.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    old.replaceWith(el);
    m._el = el;
    const f = fa && $(`[data-action="${fa}"]`, el);
    if (f) f.focus({ preventScroll: true });
  }

  function refreshReactions(m) {
    const old = m._el && $('.msg-reactions', m._el);
    if (!old) return;
    const fe = old.contains(document.activeElement) ? document.activeElement.dataset.emoji : undefined;
    const row = buildReactions(m);
    old.replaceWith(row);
    if (fe === undefined) return;
    const f = $$('.reaction', row).find((b) => b.dataset.emoji === fe) || $('.reaction-add', row);
    if (f) f.focus();
  }

  function indexMsg(m) {
    if (m.id != null) S.byId.set(m.id, m);
    if (m.nonce) S.byNonce.set(m.nonce, m);
  }
  function insertIndex(m) {
    let i = S.msgs.length;
    if (!m._pending) while (i > 0 && (S.msgs[i - 1]._pending || S.msgs[i - 1].seq > m.seq)) i--;
    return i;
  }
  const findMsg = (m) => (m.id != null && S.byId.get(m.id)) || (m.nonce && S.byNonce.get(m.nonce)) || null;

  /** Adds a message, or replaces its existing copy (deduped by id and nonce). */
  function addMessage(m) {
    if (!S.room || (m.room_id != null && m.room_id !== S.room.id)) return;
    const old = findMsg(m);
    if (old) { replaceMsg(old, m); return; }
    const wasBottom = S.stick, idx = insertIndex(m), mine = m.author_id === S.me.id;
    S.msgs.splice(idx, 0, m);
    indexMsg(m);
    if (idx === S.msgs.length - 1) appendEl(m); else renderAll(wasBottom ? 'bottom' : 'anchor');
    if (mine || wasBottom) scrollToBottom();
    else if (!m._pending) $('#jump-latest').hidden = false;
    if (!mine && (document.hidden || !document.hasFocus())) { S.unseen++; updateTitle(); }
    if (!mine) clearTyping(m.author_id);
    maybeMarkRead();
  }

  function replaceMsg(old, m) {
    if (old === m) { rerender(m); return; }
    if (old._pending && !m._pending && !m.nonce) m.nonce = old.nonce;
    const i = S.msgs.indexOf(old);
    if (old.id != null) S.byId.delete(old.id);
    if (old.nonce && S.byNonce.get(old.nonce) === old) S.byNonce.delete(old.nonce);
    if (S.editing === old) S.editing = m;
    if (S.replyTo === old) S.replyTo = m;
    if (i >= 0) S.msgs.splice(i, 1);
    const j = insertIndex(m);
    S.msgs.splice(j, 0, m);
    indexMsg(m);
    m._el = old._el;
    if (i === j && m._el) rerender(m); else renderAll(S.stick ? 'bottom' : 'anchor');
  }

  function updateMessage(m) {
    const old = findMsg(m);
    if (old) replaceMsg(old, m);
    if (S.panel === 'pins') loadPins();
  }

  function removeMsg(m) {
    const i = S.msgs.indexOf(m);
    if (i >= 0) S.msgs.splice(i, 1);
    if (m.nonce) S.byNonce.delete(m.nonce);
    if (m.id != null) S.byId.delete(m.id);
    renderAll('anchor');
  }

  // ------------------------------------------------------------------ scrolling
  function atBottom() {
    const l = listEl();
    return !l || l.scrollHeight - l.scrollTop - l.clientHeight < 48;
  }
  function scrollToBottom() {
    const l = listEl();
    if (!l) return;
    l.scrollTop = l.scrollHeight;
    S.stick = true;
    S.anchor = null;
    $('#jump-latest').hidden = true;
  }
  function setTopState() {
    $('#msg-loading').hidden = !S.older;
    $('#room-start').hidden = S.hasMore || !!S.older;
  }

  /** Loads the previous page (infinite scroll upward), keeping the scroll position. */
  function loadOlder() {
    if (S.older) return S.older;
    const first = S.msgs.find((m) => !m._pending);
    if (!S.hasMore || !S.room || !first) { S.hasMore = S.hasMore && !!first; return Promise.resolve(); }
    S.older = (async () => {
      try {
        const data = await api('GET', `/api/v1/rooms/${S.room.id}/messages?before_seq=${first.seq}&limit=50`);
        const older = ((data && data.messages) || []).filter((m) => !S.byId.has(m.id) && m.seq < first.seq);
        S.msgs.unshift(...older);
        older.forEach(indexMsg);
        S.hasMore = !!(data && data.has_more) && older.length > 0;
        renderAll('anchor');
      } catch (e) {
        toast(e.message);
        S.hasMore = false;
      } finally {
        S.older = null;
        setTopState();
      }
      const l = listEl(); // short history or a tall screen: keep going
      if (S.hasMore && l && l.scrollTop < 80) requestAnimationFrame(() => loadOlder());
    })();
    setTopState();
    return S.older;
  }

  async function reloadMessages() {
    if (!S.room) return;
    try {
      const data = await api('GET', `/api/v1/rooms/${S.room.id}/messages?limit=50`);
      const fresh = (data && data.messages) || [];
      S.msgs = [...fresh, ...S.msgs.filter((m) => m._pending)];
      S.byId.clear();
      S.byNonce.clear();
      S.msgs.forEach(indexMsg);
      S.hasMore = !!(data && data.has_more);
      for (const m of fresh) setLastSeq(S.room.id, m.seq);
      renderAll(S.stick ? 'bottom' : 'anchor');
      setTopState();
    } catch (e) { toast(e.message); }
  }

  async function jumpTo(seq) {
    seq = Number(seq);
    if (!seq) return;
    for (let n = 0; !document.getElementById('m' + seq) && S.hasMore && n < 40; n++) {
      const first = S.msgs.find((m) => !m._pending);
      if (!first || first.seq <= seq) break;
      await loadOlder();
    }
    const el = document.getElementById('m' + seq);
    if (!el) { toast(T('message-not-found'), 'info'); return; }
    el.scrollIntoView({ block: 'center' });
    holdAnchor(el);
    el.classList.remove('msg-flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('msg-flash');
    el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
  }

  /** Keeps `el` at its current place in the viewport (images above it may still load) until the user scrolls. */
  function holdAnchor(el) {
    const l = listEl();
    S.stick = false;
    S.anchor = { id: el.id, top: el.offsetTop - l.scrollTop };
  }

  // ----------------------------------------------------------------- read state
  let readTimer = null;
  const updateTitle = () => { document.title = S.unseen > 0 ? `(${S.unseen}) ${BASE_TITLE}` : BASE_TITLE; };
  /** Marks the room read when the newest message is visible and the window focused (debounced). */
  function maybeMarkRead() {
    if (!S.room || !isMember() || document.hidden || !document.hasFocus() || !S.stick) return;
    S.unseen = 0;
    updateTitle();
    let last = 0;
    for (const m of S.msgs) if (!m._pending && m.seq > last) last = m.seq;
    if (!last || last <= S.readSent) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (last <= S.readSent) return;
      S.readSent = last;
      setBadges(S.room.id, 0, 0);
      api('POST', `/api/v1/rooms/${S.room.id}/read`, { seq: last }).catch(() => { S.readSent = 0; });
    }, 500);
  }

  // ------------------------------------------------------------------- composer
  const input = () => $('#composer-input');

  function autoGrow() {
    const ta = input();
    if (!ta) return;
    ta.style.height = 'auto';
    ta.style.height = Math.min(ta.scrollHeight, Math.round(window.innerHeight * 0.4)) + 'px';
  }

  const draftKey = () => `steward.draft.${S.room && S.room.id}`;
  function saveDraft() {
    if (S.editing || !input()) return;
    try { const v = input().value; if (v) localStorage.setItem(draftKey(), v); else localStorage.removeItem(draftKey()); } catch { /* ignore */ }
  }

  function showBar(kind, title, text) {
    const bar = $('#composer-bar');
    bar.hidden = false;
    bar.dataset.kind = kind;
    $('#composer-bar-title').textContent = title;
    $('#composer-bar-excerpt').textContent = text;
  }
  const hideBar = () => { const bar = $('#composer-bar'); if (bar) bar.hidden = true; };

  function startReply(m) {
    if (!input() || !S.room.can_post) return; // an action bar drawn before the rights changed may still offer it
    if (S.editing) cancelEdit();
    S.replyTo = m;
    showBar('reply', T('replying-to', { name: m.author.display_name }), excerpt(m.body, 140));
    input().focus();
  }
  function cancelReply() {
    if (!S.replyTo) return;
    S.replyTo = null;
    hideBar();
  }

  function startEdit(m) {
    const ta = input();
    if (!ta || !canEdit(m) || m.deleted || m._pending) return;
    cancelReply();
    if (S.editing) cancelEdit();
    S.preEditDraft = ta.value;
    S.editing = m;
    if (m._el) { m._el.classList.add('msg-editing'); m._el.scrollIntoView({ block: 'nearest' }); }
    ta.value = m.body || '';
    showBar('edit', T('editing'), T('editing-hint'));
    autoGrow();
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
  }
  function cancelEdit() {
    const m = S.editing;
    if (!m) return;
    S.editing = null;
    if (m._el) m._el.classList.remove('msg-editing');
    input().value = S.preEditDraft;
    S.preEditDraft = '';
    hideBar();
    autoGrow();
  }

  async function saveEdit() {
    const m = S.editing, body = input().value.trim();
    if (body === (m.body || '').trim()) { cancelEdit(); return; }
    if (!body) { cancelEdit(); deleteMessage(m); return; }
    try {
      const r = await api('PATCH', `/api/v1/rooms/${S.room.id}/messages/${m.id}`, { body });
      if (S.editing && S.editing.id === m.id) cancelEdit();
      if (r && r.id != null) updateMessage(r);
    } catch (e) { toast(e.message); }
  }

  function renderChips() {
    const box = $('#composer-chips');
    if (!box) return;
    box.replaceChildren(...S.uploads.map((u) => h('div', { class: `chip chip-${u.status}`, title: u.error || u.file.name },
      u.status === 'uploading' ? h('span', { class: 'spinner spinner-xs', 'aria-hidden': 'true' }) : icon('file'),
      h('span', { class: 'chip-name' }, u.file.name),
      h('span', { class: 'chip-meta' }, u.status === 'uploading' ? T('uploading') : u.status === 'error' ? T('upload-failed') : fmtSize(u.file.size)),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': T('attachment-remove', { name: u.file.name }),
        onclick: () => { S.uploads = S.uploads.filter((x) => x !== u); renderChips(); input().focus(); } }, icon('x')))));
    box.hidden = S.uploads.length === 0;
  }

  function uploadFiles(files) {
    if (!S.room || !S.room.can_post || S.room.can_upload === false || !input() || !files.length) return;
    if (S.editing) { toast(T('edit-no-attachments'), 'info'); return; }
    for (const file of files) {
      const u = { file, status: 'uploading', att: null, error: '' };
      S.uploads.push(u);
      const fd = new FormData();
      fd.append('file', file, file.name);
      api('POST', `/api/v1/rooms/${S.room.id}/attachments`, fd)
        .then((att) => { u.att = att; u.status = 'ready'; })
        .catch((e) => { u.status = 'error'; u.error = e.message; toast(`${file.name}: ${e.message}`); })
        .finally(renderChips);
    }
    renderChips();
  }

  /** Sends the composer content: shown at once as "sending", replaced by the server's copy. */
  async function submitComposer() {
    const ta = input();
    if (!ta || !S.room || S.checking) return;
    if (S.editing) { saveEdit(); return; }
    if (S.uploads.some((u) => u.status === 'uploading')) { toast(T('uploads-pending'), 'info'); return; }
    const body = ta.value.trim(), ready = S.uploads.filter((u) => u.status === 'ready');
    if (!body && !ready.length) return;
    if (body && isStaff()) {
      S.checking = true;
      let ok;
      try { ok = await politeEnough(body); } finally { S.checking = false; }
      if (!ok) { ta.focus(); return; }
    }
    const nonce = makeNonce(), reply = S.replyTo;
    const p = {
      _pending: true, _failed: false, id: null, seq: null, room_id: S.room.id, nonce, author_id: S.me.id, author: S.me,
      body, html: '', created_at: new Date().toISOString(), edited_at: null, deleted: false, pinned: false, reactions: [],
      attachments: ready.map((u) => u.att),
      reply_to: reply ? { id: reply.id, seq: reply.seq, author_display_name: reply.author.display_name, excerpt: excerpt(reply.body, 100) } : null,
      _req: { body, nonce, reply_to: reply ? reply.id : null, attachments: ready.map((u) => u.att.id) },
    };
    ta.value = '';
    autoGrow();
    saveDraft();
    S.uploads = S.uploads.filter((u) => u.status === 'error');
    renderChips();
    cancelReply();
    addMessage(p);
    postPending(p);
  }

  async function postPending(p) {
    try {
      const m = await api('POST', `/api/v1/rooms/${S.room.id}/messages`, p._req);
      if (m && m.error) { refused(p, m.error); return; } // 202: held for review
      if (m && m.id != null) {
        if (!m.nonce) m.nonce = p.nonce;
        const cur = findMsg(m);
        if (!cur || cur._pending) addMessage(m); // the gateway may have delivered it first
      }
    } catch (e) {
      if (REFUSALS.has(e.code)) { refused(p, { code: e.code, message: e.message, detail: e.detail }); return; }
      if (isCommand(p.body) && e.status >= 400 && e.status < 500 && e.status !== 429) {
        // A refused room command (`/save` by a member, a bad note name): nothing was posted;
        // the text goes back to the composer to fix, the reason is shown only to the sender.
        if (S.byNonce.get(p.nonce) === p) removeMsg(p);
        const ta = input();
        if (ta && !ta.value) { ta.value = p.body; autoGrow(); saveDraft(); }
        toast(e.message);
        return;
      }
      if (S.byNonce.get(p.nonce) === p) { p._failed = true; rerender(p); }
      toast(e.message);
    }
  }

  /** Notes commands the server carries out (docs/FAQ.md, "Group rooms"). */
  const isCommand = (text) => /^\s*(\/(save|get|clear|notes|saved|rules)(@\S+)?(\s|$)|#[\p{L}\p{N}_-])/iu.test(text || '');

  function lastOwnMessage() {
    for (let i = S.msgs.length - 1; i >= 0; i--) {
      const m = S.msgs[i];
      if (m.author_id === S.me.id && !m._pending && !m.deleted) return m;
    }
    return null;
  }

  function sendTyping() {
    const ta = input(), now = Date.now();
    if (!ta || S.editing || !ta.value.trim() || now - S.typingSent < TYPING_SEND_MS) return;
    S.typingSent = now;
    gwSend({ op: 'typing', room_id: S.room.id });
  }

  function initComposer() {
    const form = $('#composer'), ta = input();
    if (!form || !ta) return;
    try { ta.value = localStorage.getItem(draftKey()) || ''; } catch { /* ignore */ }
    autoGrow();
    ta.addEventListener('input', () => { autoGrow(); saveDraft(); sendTyping(); });
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitComposer();
      } else if (e.key === 'Escape' && (S.editing || S.replyTo)) {
        e.preventDefault();
        if (S.editing) cancelEdit(); else cancelReply();
      } else if (e.key === 'ArrowUp' && !ta.value && !S.editing) {
        const m = lastOwnMessage();
        if (m && canEdit(m)) { e.preventDefault(); startEdit(m); }
      }
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); submitComposer(); });
    $('#composer-bar-cancel').addEventListener('click', () => { if (S.editing) cancelEdit(); else cancelReply(); ta.focus(); });
    // The attach control is shown only where the room lets this person upload (applyRights).
    const file = $('#composer-file');
    if (file) file.addEventListener('change', () => { uploadFiles(Array.from(file.files || [])); file.value = ''; ta.focus(); });
    ta.addEventListener('paste', (e) => {
      const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
      if (files.length) { e.preventDefault(); uploadFiles(files); }
    });
    // Drag and drop files anywhere over the conversation.
    const zone = $('#chat-main'), overlay = $('#drop-overlay');
    let depth = 0;
    const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
    zone.addEventListener('dragenter', (e) => { if (hasFiles(e)) { e.preventDefault(); depth++; overlay.hidden = false; } });
    zone.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } });
    zone.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; overlay.hidden = true; } });
    zone.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      overlay.hidden = true;
      uploadFiles(Array.from(e.dataTransfer.files || []));
    });
    renderChips();
  }

  // ------------------------------------------------------------ message actions
  async function deleteMessage(m) {
    if (!(await confirmDialog(T('confirm-delete'), T('action-delete')))) return;
    try {
      const r = await api('DELETE', `/api/v1/rooms/${S.room.id}/messages/${m.id}`);
      const cur = findMsg(m) || m;
      updateMessage(r && r.id != null ? r : { ...cur, deleted: true, body: '', html: '', reactions: [], attachments: [] });
    } catch (e) { toast(e.message); }
  }

  async function togglePin(m) {
    const pin = !m.pinned;
    try {
      const r = await api(pin ? 'PUT' : 'DELETE', `/api/v1/rooms/${S.room.id}/pins/${m.id}`);
      updateMessage(r && r.id != null ? r : { ...(findMsg(m) || m), pinned: pin });
      toast(pin ? T('pinned-done') : T('unpinned-done'), 'info');
    } catch (e) { toast(e.message); }
  }

  function applyReaction(m, emoji, uid, add) {
    const list = (m.reactions || []).map((r) => ({ ...r, user_ids: [...(r.user_ids || [])] }));
    let r = list.find((x) => x.emoji === emoji);
    if (add) {
      if (!r) list.push((r = { emoji, count: 0, user_ids: [] }));
      if (!r.user_ids.includes(uid)) { r.user_ids.push(uid); r.count++; }
    } else if (r && r.user_ids.includes(uid)) {
      r.user_ids = r.user_ids.filter((x) => x !== uid);
      if (--r.count <= 0) list.splice(list.indexOf(r), 1);
    }
    m.reactions = list;
  }

  async function toggleReaction(m, emoji) {
    if (!canReact() || m._pending || m.deleted) return;
    const r = (m.reactions || []).find((x) => x.emoji === emoji);
    const mine = !!r && (r.user_ids || []).includes(S.me.id);
    applyReaction(m, emoji, S.me.id, !mine); // optimistic; the gateway event brings the truth
    refreshReactions(m);
    try {
      await api(mine ? 'DELETE' : 'PUT', `/api/v1/rooms/${S.room.id}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`);
    } catch (e) {
      applyReaction(m, emoji, S.me.id, mine);
      refreshReactions(m);
      toast(e.message);
    }
  }

  // One shared emoji popover.
  const picker = { el: null, msg: null, opener: null };
  function openPicker(m, opener) {
    if (!picker.el) {
      picker.el = h('div', { class: 'emoji-picker', role: 'dialog', 'aria-label': T('pick-reaction'), hidden: true },
        EMOJIS.map((e) => h('button', { type: 'button', class: 'emoji-btn', 'data-emoji': e, 'aria-label': e }, e)));
      picker.el.addEventListener('click', (e) => {
        const b = e.target.closest('.emoji-btn'), target = picker.msg;
        if (!b || !target) return;
        closePicker(true);
        toggleReaction(target, b.dataset.emoji);
      });
      picker.el.addEventListener('keydown', (e) => {
        const btns = $$('.emoji-btn', picker.el), i = btns.indexOf(document.activeElement), n = btns.length;
        if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closePicker(true); }
        else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); btns[(i + 1) % n].focus(); }
        else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); btns[(i - 1 + n) % n].focus(); }
        else if (e.key === 'Tab') closePicker(false);
      });
      document.body.append(picker.el);
      document.addEventListener('pointerdown', (e) => {
        if (!picker.el.hidden && !picker.el.contains(e.target) && !(picker.opener && picker.opener.contains(e.target))) closePicker(false);
      });
    }
    Object.assign(picker, { msg: m, opener });
    picker.el.hidden = false;
    const r = opener.getBoundingClientRect(), pw = picker.el.offsetWidth, ph = picker.el.offsetHeight;
    picker.el.style.left = `${Math.max(8, Math.min(r.right - pw, window.innerWidth - pw - 8))}px`;
    picker.el.style.top = `${r.top - ph - 6 > 8 ? r.top - ph - 6 : r.bottom + 6}px`;
    $('.emoji-btn', picker.el).focus();
  }
  function closePicker(refocus) {
    if (!picker.el || picker.el.hidden) return;
    picker.el.hidden = true;
    if (refocus && picker.opener && picker.opener.isConnected) picker.opener.focus();
    picker.msg = picker.opener = null;
  }

  function msgOf(el) {
    const art = el.closest('.msg');
    if (!art) return null;
    if (art.dataset.id) return S.byId.get(Number(art.dataset.id)) || null;
    return (art.dataset.nonce && S.byNonce.get(art.dataset.nonce)) || null;
  }

  function initMessageActions() {
    const items = itemsEl();
    items.addEventListener('click', (e) => {
      const b = e.target.closest('[data-action]');
      if (!b && !e.target.closest('a, button')) { // tap on a message shows its toolbar (touch screens)
        const art = e.target.closest('.msg');
        $$('.msg-active', items).forEach((x) => { if (x !== art) x.classList.remove('msg-active'); });
        if (art) art.classList.toggle('msg-active');
        return;
      }
      const m = b && items.contains(b) && msgOf(b);
      if (!m) return;
      switch (b.dataset.action) {
        case 'goto': jumpTo(b.dataset.goto); break;
        case 'reply': startReply(m); break;
        case 'react': if (picker.el && !picker.el.hidden && picker.opener === b) closePicker(true); else openPicker(m, b); break;
        case 'toggle-reaction': toggleReaction(m, b.dataset.emoji); break;
        case 'edit': startEdit(m); break;
        case 'delete': deleteMessage(m); break;
        case 'pin': togglePin(m); break;
        case 'link':
          copyText(`${location.origin}/r/${S.room.id}#m${m.seq}`).then(() => toast(T('link-copied'), 'info'), () => toast(T('error-generic')));
          break;
        case 'report': reportMessage(m); break;
        case 'modmenu': openModMenu(m, b); break;
        case 'retry': m._failed = false; rerender(m); postPending(m); break;
        case 'discard': removeMsg(m); break;
      }
    });
  }

  // ----------------------------------------------------------------- moderation
  const REFUSALS = new Set(['held', 'blocked', 'muted', 'banned', 'removed_by_rule', 'kicked']);
  const can = (perm) => !!(S.me && (S.me.permissions || []).includes(perm));
  /** Staff who speak for the installation get the politeness check before sending. */
  const isStaff = () => can('moderation.review') || can('support.view_all') ||
    ['operator', 'supervisor', 'moderator', 'admin', 'owner'].includes(S.me && S.me.role);

  /** Asks the server whether the rules would flag this; a flagged text needs a second "send". */
  async function politeEnough(text) {
    let r;
    try { r = await api('POST', '/api/v1/moderation/check', { text }); } catch { return true; } // never block sending on the check
    if (!r || !r.flagged) return true;
    const names = (r.rules || []).map((x) => x.rule_name).join(', ');
    const answer = confirmDialog(T('polite-confirm', { rules: names }), T('polite-send'));
    const cancel = $('#dlg-confirm button[value="cancel"]');
    if (cancel) cancel.focus(); // a reflexive Enter should not send it
    return answer;
  }

  const fmtUntil = (iso) => { const d = new Date(iso); return isNaN(d) ? String(iso) : fmtDate.format(d); };

  /** What a refused send means for its author, in words. */
  function refusalText(err) {
    const d = err.detail || {};
    switch (err.code) {
      case 'held': return T('send-held', { rule: d.rule || '' });
      case 'blocked': return d.message ? T('send-blocked', { message: d.message }) : T('send-blocked-rule', { rule: d.rule || '' });
      case 'removed_by_rule': return T('send-removed', { rule: d.rule || '' });
      case 'kicked': return T('send-kicked', { rule: d.rule || '' });
      case 'muted': case 'banned': {
        const kind = err.code === 'muted' ? 'muted' : 'banned', reason = d.reason || '—';
        return d.until ? T(`${kind}-until`, { until: fmtUntil(d.until), reason }) : T(`${kind}-forever`, { reason });
      }
      default: return err.message || T('error-generic');
    }
  }
  const appealFor = (detail) => (detail && detail.sanction_id != null ? detail.sanction_id : null);

  /** A refused message leaves no pending bubble; blocked text goes back to the composer to be reworded. */
  function refused(p, err) {
    if (S.byNonce.get(p.nonce) === p) removeMsg(p);
    const ta = input();
    if (ta && !ta.value && (err.code === 'blocked' || err.code === 'removed_by_rule')) { ta.value = p.body; autoGrow(); saveDraft(); }
    modNotice(refusalText(err), appealFor(err.detail), false);
  }

  function onSanction(s) {
    const reason = s.reason || '—';
    let text;
    if (s.kind === 'warn') text = T('warned', { reason });
    else if (s.kind === 'kick') text = T('kicked', { reason });
    else {
      const kind = s.kind === 'ban' ? 'banned' : 'muted';
      text = s.expires_at ? T(`${kind}-until`, { until: fmtUntil(s.expires_at), reason }) : T(`${kind}-forever`, { reason });
    }
    modNotice(text, s.kind === 'kick' ? null : s.id, false);
  }

  /** One notice above the composer (or under the header): the reason, the end, and an Appeal button. */
  function modNotice(text, appealId, ok) {
    let el = $('#mod-notice');
    if (!el) {
      el = h('div', { class: 'mod-notice', id: 'mod-notice', role: 'alert' });
      const composer = $('#composer'), head = $('.chat-header');
      if (composer) composer.before(el);
      else if (head) head.after(el);
      else { toast(text, ok ? 'info' : 'error'); return; }
    }
    el.classList.toggle('mod-notice-ok', !!ok);
    const actions = h('div', { class: 'mod-notice-actions' });
    if (appealId != null) {
      actions.append(h('button', { type: 'button', class: 'btn btn-sm', 'data-appeal': appealId, onclick: () => appeal(appealId) }, T('appeal')));
    }
    actions.append(h('button', { type: 'button', class: 'btn-icon btn-xs', 'aria-label': T('notice-close'), title: T('notice-close'),
      onclick: () => el.remove() }, icon('x')));
    el.replaceChildren(h('span', { class: 'mod-notice-text' }, text), actions);
  }

  const prompt = { run: null };
  /** A small dialog asking for a text (a reason, an appeal); `run` sends it, errors show in the dialog. */
  function promptDialog({ title, label, ok, excerpt: ex, run }) {
    const dlg = $('#dlg-prompt'), form = $('#form-prompt');
    if (!dlg) return;
    form.reset();
    formError(form, null);
    $('#dlg-prompt-title').textContent = title;
    $('#dlg-prompt-label').textContent = label;
    $('#dlg-prompt-ok').textContent = ok;
    const q = $('#dlg-prompt-excerpt');
    q.hidden = !ex;
    q.textContent = ex || '';
    prompt.run = run;
    dlg.showModal();
    $('#prompt-text').focus();
  }
  function initPrompt() {
    const form = $('#form-prompt');
    if (!form) return;
    onSubmit(form, async () => {
      const text = $('#prompt-text').value.trim();
      if (!text) throw new ApiError(T('reason-required'), 0, 'required', 'text');
      if (prompt.run) await prompt.run(text);
      $('#dlg-prompt').close();
    });
  }

  function reportMessage(m) {
    promptDialog({
      title: T('report-title'), label: T('report-label'), ok: T('report-send'), excerpt: excerpt(m.body, 200),
      run: async (reason) => {
        await api('POST', `/api/v1/rooms/${S.room.id}/messages/${m.id}/report`, { reason });
        toast(T('report-done'), 'info');
      },
    });
  }

  function appeal(id) {
    promptDialog({
      title: T('appeal-title'), label: T('appeal-label'), ok: T('appeal-send'),
      run: async (text) => {
        await api('POST', `/api/v1/me/sanctions/${id}/appeal`, { text });
        const n = $('#mod-notice');
        if (n) n.remove();
        toast(T('appeal-sent'), 'info');
      },
    });
  }

  function sanction(m, kind, seconds, label) {
    const name = (m.author && m.author.display_name) || '?';
    promptDialog({
      title: T('mod-reason-title', { action: label, name }), label: T('mod-reason'), ok: label, excerpt: excerpt(m.body, 200),
      run: async (reason) => {
        await api('POST', '/api/v1/moderation/sanctions',
          { user_id: m.author_id, room_id: S.room.id, kind, duration_secs: seconds, reason, message_id: m.id });
        toast(T('mod-done', { name }), 'info');
      },
    });
  }

  // One shared popover for the moderator's menu on a message.
  const menu = { el: null, opener: null };
  function closeMenu(refocus) {
    if (!menu.el || menu.el.hidden) return;
    menu.el.hidden = true;
    if (refocus && menu.opener && menu.opener.isConnected) menu.opener.focus();
    menu.opener = null;
  }
  function openModMenu(m, opener) {
    if (menu.el && !menu.el.hidden && menu.opener === opener) { closeMenu(true); return; }
    if (!menu.el) {
      menu.el = h('div', { class: 'menu-pop', role: 'menu', hidden: true });
      menu.el.addEventListener('keydown', (e) => {
        const items = $$('button', menu.el), i = items.indexOf(document.activeElement);
        if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeMenu(true); }
        else if (e.key === 'ArrowDown') { e.preventDefault(); items[(i + 1) % items.length].focus(); }
        else if (e.key === 'ArrowUp') { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
        else if (e.key === 'Tab') closeMenu(false);
      });
      document.body.append(menu.el);
      document.addEventListener('pointerdown', (e) => {
        if (!menu.el.hidden && !menu.el.contains(e.target) && !(menu.opener && menu.opener.contains(e.target))) closeMenu(false);
      });
    }
    const item = (action, label, run) => h('button', { type: 'button', role: 'menuitem', 'data-mod': action,
      onclick: () => { closeMenu(false); run(); } }, label);
    menu.el.replaceChildren(
      item('warn', T('mod-warn'), () => sanction(m, 'warn', null, T('mod-warn'))),
      item('mute', T('mod-mute'), () => sanction(m, 'mute', 3600, T('mod-mute'))),
      item('ban', T('mod-ban'), () => sanction(m, 'ban', null, T('mod-ban'))));
    menu.opener = opener;
    menu.el.hidden = false;
    const r = opener.getBoundingClientRect(), pw = menu.el.offsetWidth, ph = menu.el.offsetHeight;
    menu.el.style.left = `${Math.max(8, Math.min(r.right - pw, window.innerWidth - pw - 8))}px`;
    menu.el.style.top = `${r.bottom + 6 + ph < window.innerHeight ? r.bottom + 6 : Math.max(8, r.top - ph - 6)}px`;
    $('button', menu.el).focus();
  }

  // ---------------------------------------------------------------- side panels
  function showPanel(name) {
    const had = S.panel, want = had === name ? null : name;
    S.panel = want;
    for (const n of ['pins', 'members']) {
      const p = $(`#${n}-panel`), b = $(`#${n}-toggle`);
      if (p) p.hidden = want !== n;
      if (b) b.setAttribute('aria-expanded', String(want === n));
    }
    $('#app').classList.toggle('panel-open', !!want);
    if (want === 'pins') loadPins();
    if (want === 'members') renderMembers();
    const focus = want ? $(`#${want}-panel [data-close-panel]`) : had && $(`#${had}-toggle`);
    if (focus) focus.focus();
  }

  async function loadPins() {
    const box = $('#pins-list');
    if (!box || !S.room) return;
    if (!box.childElementCount) box.append(h('p', { class: 'panel-empty' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', T('loading')));
    try {
      const list = ((await api('GET', `/api/v1/rooms/${S.room.id}/pins`)) || {}).messages || [];
      if (!list.length) { box.replaceChildren(h('p', { class: 'panel-empty' }, T('pins-empty'))); return; }
      box.replaceChildren(...list.map((m) => {
        const body = h('div', { class: 'msg-body' });
        body.innerHTML = m.html || ''; // server-sanitized HTML
        const jump = () => { if (window.matchMedia(PANEL_OVERLAY_Q).matches) showPanel('pins'); jumpTo(m.seq); };
        return h('article', { class: 'pin-item' },
          h('div', { class: 'pin-head' }, avatar(m.author, 'avatar-sm'), h('strong', null, (m.author || {}).display_name || ''), timeEl(m, 'msg-time')),
          body,
          h('div', { class: 'pin-foot' }, h('button', { type: 'button', class: 'btn-link', onclick: jump }, T('jump-to-message')),
            canPin() ? h('button', { type: 'button', class: 'btn-link', onclick: () => togglePin(findMsg(m) || m) }, T('action-unpin')) : null));
      }));
    } catch (e) { box.replaceChildren(h('p', { class: 'panel-empty' }, e.message)); }
  }

  function renderMembers() {
    const ul = $('#members-list');
    if (!ul) return;
    const order = { online: 0, away: 1, offline: 2 }, rank = (u) => (u.presence in order ? order[u.presence] : 2);
    const list = Array.from(S.members.values()).sort((a, b) => rank(a) - rank(b) || String(a.display_name).localeCompare(String(b.display_name), LANG));
    ul.replaceChildren(...list.map((u) => h('li', { class: 'member' },
      h('span', { class: 'avatar-wrap' }, avatar(u), h('span', { class: 'presence-dot', 'data-presence-user': u.id,
        'data-presence': u.presence || 'offline', title: T('presence-' + (u.presence || 'offline')) })),
      h('span', { class: 'member-text' },
        h('span', { class: 'member-name' }, u.display_name, u.id === S.me.id ? h('span', { class: 'member-you' }, ` (${T('you')})`) : null),
        h('span', { class: 'member-sub' }, '@' + u.username)))));
  }

  function setMemberCount(n) {
    S.room.member_count = Math.max(0, n);
    const c = $('#member-count'), b = $('#members-toggle');
    if (c) c.textContent = String(S.room.member_count);
    if (b) b.setAttribute('aria-label', TP('members', S.room.member_count));
  }

  function setPresence(uid, status) {
    for (const el of $$(`[data-presence-user="${Number(uid)}"]`)) { el.dataset.presence = status; el.title = T('presence-' + status); }
    const u = S.members.get(uid);
    if (u) u.presence = status;
    if (S.me && uid === S.me.id) { const s = $('#my-status'); if (s) s.textContent = T('presence-' + status); }
    if (S.panel === 'members') renderMembers();
  }

  // --------------------------------------------------------------------- typing
  function renderTyping() {
    const el = $('#typing');
    if (!el) return;
    const names = Array.from(S.typing.values(), (x) => x.name);
    el.textContent = names.length === 0 ? '' : names.length === 1 ? T('typing-one', { name: names[0] })
      : names.length === 2 ? T('typing-two', { first: names[0], second: names[1] }) : T('typing-several');
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
    if (!S.room || d.room_id !== S.room.id || d.user_id === S.me.id) return;
    const prev = S.typing.get(d.user_id);
    if (prev) clearTimeout(prev.timer);
    const name = d.display_name || (S.members.get(d.user_id) || {}).display_name || '…';
    S.typing.set(d.user_id, { name, timer: setTimeout(() => clearTyping(d.user_id), TYPING_SHOW_MS) });
    renderTyping();
  }

  // -------------------------------------------------------------------- gateway
  const GW = { ws: null, attempt: 0, hb: null, hbMs: 25000, lastPong: 0, timer: null, stopped: false, everUp: false };

  function gwSend(obj) {
    if (GW.ws && GW.ws.readyState === WebSocket.OPEN) GW.ws.send(JSON.stringify(obj));
  }
  const setBanner = (show) => { const b = $('#conn-banner'); if (b) b.hidden = !show; };

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
      // 4003: this session ended (signed out elsewhere, revoked, deactivated); 4001: it is not valid.
      // Retrying cannot help: go to the sign-in page now rather than after a few failed attempts.
      if (ev.code === 4003 || ev.code === 4001) {
        GW.stopped = true;
        saveDraft();
        location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
        return;
      }
      if (!GW.stopped) gwRetry();
    });
  }

  /** Exponential backoff 1 s … 30 s with jitter; the banner shows while we are down. */
  function gwRetry() {
    if (GW.everUp || GW.attempt >= 2) setBanner(true);
    if (GW.attempt === 3) api('GET', '/api/v1/me').catch(() => {}); // a 401 here means the session ended: go to login
    const base = Math.min(30000, 1000 * 2 ** GW.attempt);
    GW.attempt = Math.min(GW.attempt + 1, 10);
    clearTimeout(GW.timer);
    GW.timer = setTimeout(gwConnect, Math.max(1000, base * (0.7 + Math.random() * 0.3)));
  }

  function onGateway(d) {
    if (ROOM_EVENTS.has(d.type) && d.room_id != null && d.seq != null) {
      if (d.seq <= (S.lastSeq[d.room_id] || 0)) return; // already seen (replay overlap)
      setLastSeq(d.room_id, d.seq);
    }
    const here = !!S.room && d.room_id === S.room.id;
    switch (d.type) {
      case 'hello':
        GW.hbMs = d.heartbeat_ms || 25000;
        GW.lastPong = Date.now();
        clearInterval(GW.hb);
        GW.hb = setInterval(() => {
          if (Date.now() - GW.lastPong > GW.hbMs * 2.5) { if (GW.ws) GW.ws.close(); return; }
          gwSend({ op: 'ping' });
        }, GW.hbMs);
        gwSend({ op: 'resume', rooms: { ...S.lastSeq } });
        break;
      case 'ready':
        Object.assign(GW, { attempt: 0, everUp: true });
        setBanner(false);
        if (S.status !== 'online') gwSend({ op: 'presence', status: S.status });
        break;
      case 'pong': GW.lastPong = Date.now(); break;
      case 'message.created': {
        const m = d.message;
        if (here) addMessage(m);
        else if (m && m.author_id !== S.me.id && roomLink(d.room_id)) {
          const a = roomLink(d.room_id);
          setBadges(d.room_id, Number(a.dataset.unread) + 1, Number(a.dataset.mentions) + (mentionsMe(m.html) ? 1 : 0));
        }
        break;
      }
      case 'message.updated':
      case 'message.deleted':
        if (here && d.message) updateMessage(d.message);
        break;
      case 'reaction.added':
      case 'reaction.removed': {
        const m = here && S.byId.get(d.message_id);
        if (m) { m.reactions = d.reactions || []; refreshReactions(m); }
        break;
      }
      case 'member.joined':
      case 'member.left':
        if (!here || !d.user) break;
        if (d.type === 'member.joined') {
          if (!S.members.has(d.user.id)) setMemberCount(S.room.member_count + 1);
          S.members.set(d.user.id, d.user);
        } else if (S.members.delete(d.user.id)) setMemberCount(S.room.member_count - 1);
        if (S.panel === 'members') renderMembers();
        break;
      case 'room.updated': if (d.room) onRoomUpdated(d.room); break;
      case 'room.created': if (d.room) addRoomToSidebar(d.room); break;
      case 'room.removed':
        removeRoomFromSidebar(d.room_id);
        if (here) { toast(T('room-removed'), 'info'); setTimeout(() => { location.href = '/'; }, 1200); }
        break;
      case 'typing': onTyping(d); break;
      case 'presence': setPresence(d.user_id, d.status); break;
      case 'read':
        setBadges(d.room_id, 0, 0);
        if (here && d.seq > S.readSent) S.readSent = d.seq;
        break;
      case 'resync':
        if (typeof d.seq === 'number') setLastSeq(d.room_id, d.seq, true);
        if (here) reloadMessages();
        break;
      case 'error':
        if (REFUSALS.has(d.code)) modNotice(refusalText({ code: d.code, message: d.message, detail: d.detail }), appealFor(d.detail));
        else if (d.message) toast(d.message);
        break;
      case 'moderation.sanction': if (d.sanction) onSanction(d.sanction); break;
      case 'moderation.lifted': modNotice(T('sanction-lifted'), null, true); break;
      case 'moderation.appeal_decided':
        modNotice(T(d.accepted ? 'appeal-accepted' : 'appeal-rejected', { note: d.note || '' }).trim(), null, !!d.accepted);
        break;
      case 'moderation.held_decided': modNotice(T(d.approved ? 'held-approved' : 'held-rejected'), null, !!d.approved); break;
      case 'moderation.held': case 'moderation.case': case 'moderation.appeal': case 'moderation.alert':
        toast(T('mod-alert'), 'info');
        break;
    }
  }

  function onRoomUpdated(r) {
    updateRoomInSidebar(r);
    if (!S.room || r.id !== S.room.id) return;
    const old = S.room;
    S.room = { ...old, ...r };
    // Per-viewer fields may be absent from a shared room object: keep ours.
    for (const k of ['my_role', 'last_read_seq', 'unread', 'mentions', 'can_post', 'can_upload', 'can_react', 'can_manage']) if (r[k] == null) S.room[k] = old[k];
    if (titleOf(r)) $('#room-title-text').textContent = S.room.title = titleOf(r);
    const topic = $('#room-topic');
    topic.textContent = topic.title = r.topic || '';
    topic.hidden = !r.topic;
    if (r.member_count != null) setMemberCount(r.member_count);
    if (r.archived != null && old.archived !== r.archived) { saveDraft(); location.reload(); return; }
    applyRights();
    // The event carries the room, not what this viewer may now do in it: ask.
    clearTimeout(rightsTimer);
    rightsTimer = setTimeout(refreshRights, 250);
  }

  let rightsTimer = null;
  /** Refetches the open room as this viewer sees it (can_post, can_upload, …) after its rules changed. */
  async function refreshRights() {
    if (!S.room) return;
    const id = S.room.id;
    let fresh;
    try { fresh = await api('GET', `/api/v1/rooms/${id}`); } catch { return; } // gone or offline: other events say so
    if (!S.room || S.room.id !== id || !fresh) return;
    const keys = ['my_role', 'can_post', 'can_upload', 'can_react', 'can_manage', 'slow_mode_secs', 'policy', 'archived'];
    for (const k of keys) if (fresh[k] !== undefined) S.room[k] = fresh[k];
    applyRights();
  }

  /** Shows the composer, its attach control and the read-only notice as the viewer's rights say. */
  function applyRights() {
    const form = $('#composer'), notice = $('#composer-readonly'), attach = $('#composer-attach');
    const canPost = !!S.room.can_post && !S.room.archived;
    // No composer on the page (a preview, an archived room): only a reload can bring one.
    if (!form) { if (canPost) { location.reload(); } return; }
    if (!canPost && !form.hidden) {
      saveDraft();
      if (S.editing) cancelEdit();
      if (S.replyTo) cancelReply();
    }
    form.hidden = !canPost;
    if (notice) notice.hidden = canPost;
    if (attach) attach.hidden = !S.room.can_upload;
  }

  // ------------------------------------------------------------------- presence
  let idleTimer = null, lastActivity = 0;
  function setMyStatus(status) {
    if (S.status === status) return;
    S.status = status;
    gwSend({ op: 'presence', status });
    setPresence(S.me.id, status);
  }
  /** Any input: back to "online"; 5 minutes without input (or a hidden tab) becomes "away". */
  function activity() {
    const now = Date.now();
    if (now - lastActivity < 2000 && S.status === 'online') return;
    lastActivity = now;
    if (!document.hidden) setMyStatus('online');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => setMyStatus('away'), IDLE_MS);
  }

  // -------------------------------------------------------------------- dialogs
  /** Combobox that finds people via GET /api/v1/users?q= and collects them as chips. */
  class UserPicker {
    constructor(root, exclude) {
      Object.assign(this, { input: $('input', root), list: $('[role="listbox"]', root), chips: $('[data-picker-chips]', root),
        exclude: exclude || (() => new Set()), selected: new Map(), results: [], active: -1, reqSeq: 0, timer: null });
      this.input.addEventListener('input', () => { clearTimeout(this.timer); this.timer = setTimeout(() => this.search(), 200); });
      this.input.addEventListener('focus', () => this.search());
      this.input.addEventListener('blur', () => setTimeout(() => this.hide(), 150));
      this.input.addEventListener('keydown', (e) => this.onKey(e));
      this.list.addEventListener('pointerdown', (e) => e.preventDefault()); // keep focus in the input
      this.list.addEventListener('click', (e) => {
        const li = e.target.closest('[data-user-id]');
        const u = li && this.results.find((x) => x.id === Number(li.dataset.userId));
        if (u) this.pick(u);
      });
    }
    async search() {
      const q = this.input.value.trim(), my = ++this.reqSeq;
      try {
        const data = await api('GET', `/api/v1/users?q=${encodeURIComponent(q)}`);
        if (my !== this.reqSeq || document.activeElement !== this.input) return;
        const ex = this.exclude();
        this.results = ((data && data.users) || []).filter((u) => u.id !== S.me.id && !this.selected.has(u.id) && !ex.has(u.id)).slice(0, 8);
        this.active = this.results.length ? 0 : -1;
        if (this.results.length) {
          this.list.replaceChildren(...this.results.map((u, i) => h('li', { role: 'option', id: `${this.list.id}-${u.id}`, class: 'picker-option',
            'data-user-id': u.id, 'aria-selected': String(i === this.active) },
          avatar(u, 'avatar-sm'), h('span', { class: 'picker-name' }, u.display_name), h('span', { class: 'picker-sub' }, '@' + u.username))));
          this.show();
        } else if (q) this.message(T('picker-none')); else this.hide();
      } catch (e) { if (my === this.reqSeq) this.message(e.message); }
    }
    message(text) {
      this.list.replaceChildren(h('li', { class: 'picker-empty', role: 'option', 'aria-disabled': 'true' }, text));
      this.active = -1;
      this.show();
    }
    show() { this.list.hidden = false; this.input.setAttribute('aria-expanded', 'true'); this.syncActive(); }
    hide() { this.list.hidden = true; this.input.setAttribute('aria-expanded', 'false'); this.input.removeAttribute('aria-activedescendant'); }
    syncActive() {
      $$('.picker-option', this.list).forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
      const cur = this.results[this.active], el = cur && document.getElementById(`${this.list.id}-${cur.id}`);
      if (el) { this.input.setAttribute('aria-activedescendant', el.id); el.scrollIntoView({ block: 'nearest' }); }
      else this.input.removeAttribute('aria-activedescendant');
    }
    onKey(e) {
      const n = this.results.length;
      if (e.key === 'ArrowDown' && n) { e.preventDefault(); this.active = (this.active + 1) % n; this.show(); }
      else if (e.key === 'ArrowUp' && n) { e.preventDefault(); this.active = (this.active - 1 + n) % n; this.show(); }
      else if (e.key === 'Enter' && !this.list.hidden && this.results[this.active]) { e.preventDefault(); this.pick(this.results[this.active]); }
      else if (e.key === 'Escape' && !this.list.hidden) { e.preventDefault(); e.stopPropagation(); this.hide(); }
      else if (e.key === 'Backspace' && !this.input.value && this.selected.size) {
        this.selected.delete(Array.from(this.selected.keys()).pop());
        this.renderChips();
      }
    }
    pick(u) {
      this.selected.set(u.id, u);
      this.input.value = '';
      this.results = [];
      this.renderChips();
      this.hide();
      this.input.focus();
    }
    renderChips() {
      this.chips.replaceChildren(...Array.from(this.selected.values(), (u) => h('span', { class: 'chip' },
        avatar(u, 'avatar-xs'), h('span', { class: 'chip-name' }, u.display_name),
        h('button', { type: 'button', class: 'chip-remove', 'aria-label': T('picker-remove', { name: u.display_name }),
          onclick: () => { this.selected.delete(u.id); this.renderChips(); this.input.focus(); } }, icon('x')))));
    }
    ids() { return Array.from(this.selected.keys()); }
    reset() { this.selected.clear(); this.renderChips(); this.input.value = ''; this.hide(); }
  }

  function formError(form, e) {
    const p = $('[data-form-error]', form);
    $$('[aria-invalid]', form).forEach((x) => x.removeAttribute('aria-invalid'));
    p.hidden = !e;
    p.textContent = e ? e.message : '';
    const f = e && e.field && $(`[name="${CSS.escape(e.field)}"]`, form);
    if (f) { f.setAttribute('aria-invalid', 'true'); f.focus(); }
  }

  /** Wires a dialog form: validates, POSTs, and reports errors inline. */
  function onSubmit(form, run) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const btns = $$('button[type="submit"]', form);
      btns.forEach((b) => { b.disabled = true; });
      try { await run(); } catch (err) { formError(form, err); } finally { btns.forEach((b) => { b.disabled = false; }); }
    });
  }

  function initDialogs() {
    const cr = $('#dlg-create-room'), dm = $('#dlg-direct'), am = $('#dlg-add-members'), br = $('#dlg-browse');
    for (const d of $$('dialog.dialog')) {
      d.addEventListener('click', (e) => { if (e.target === d || e.target.closest('[data-close]')) d.close(); }); // backdrop or close button
    }
    const pick = {
      create: new UserPicker($('[data-picker]', cr)),
      direct: new UserPicker($('[data-picker]', dm)),
      add: am && new UserPicker($('[data-picker]', am), () => new Set(S.members.keys())),
    };
    const syncKindHint = () => $$('[data-kind-hint]', cr).forEach((s) => { s.hidden = s.dataset.kindHint !== $('#cr-kind').value; });
    const dialogs = {
      'create-room': [cr, '#cr-name', pick.create, (opener) => { $('#cr-kind').value = (opener && opener.dataset.kind) || 'channel'; syncKindHint(); }],
      direct: [dm, '#dm-members', pick.direct],
      'add-members': [am, '#am-members', pick.add],
      browse: [br, '#browse-filter', null, () => loadBrowse()],
    };
    document.addEventListener('click', (e) => {
      const b = e.target.closest('[data-open]');
      if (b && dialogs[b.dataset.open] && dialogs[b.dataset.open][0]) {
        e.preventDefault();
        const [dlg, focus, picker, prep] = dialogs[b.dataset.open];
        const form = $('form', dlg);
        if (form) { form.reset(); formError(form, null); }
        if (picker) picker.reset();
        $('#browse-filter').value = '';
        dlg.showModal();
        if (prep) prep(b);
        $(focus).focus();
      }
      if (e.target.closest('[data-close-panel]')) showPanel(S.panel);
    });

    $('#cr-kind').addEventListener('change', syncKindHint);
    onSubmit($('form', cr), async () => {
      const f = $('form', cr).elements, name = f.name.value.trim();
      if (!name) throw new ApiError(T('name-required'), 0, 'required', 'name');
      const room = await api('POST', '/api/v1/rooms', { name, kind: f.kind.value, topic: f.topic.value.trim(), members: pick.create.ids() });
      location.href = `/r/${room.id}`;
    });
    onSubmit($('form', dm), async () => {
      if (!pick.direct.ids().length) throw new ApiError(T('pick-someone'));
      const room = await api('POST', '/api/v1/rooms', { kind: 'direct', members: pick.direct.ids() });
      location.href = `/r/${room.id}`;
    });
    if (am) onSubmit($('form', am), async () => {
      const ids = pick.add.ids();
      if (!ids.length) throw new ApiError(T('pick-someone'));
      await api('POST', `/api/v1/rooms/${S.room.id}/members`, { user_ids: ids });
      am.close();
      toast(TP('members-added', ids.length), 'info');
    });
    $('#browse-filter').addEventListener('input', () => {
      const q = $('#browse-filter').value.trim().toLowerCase();
      $$('.browse-item', br).forEach((li) => { li.hidden = !!q && !li.dataset.search.includes(q); });
    });

    const leave = $('#leave-room'), join = $('#join-room'), mt = $('#members-toggle'), pt = $('#pins-toggle');
    if (leave) leave.addEventListener('click', async () => {
      if (!(await confirmDialog(T('confirm-leave', { room: S.room.title }), T('leave')))) return;
      try {
        await api('POST', `/api/v1/rooms/${S.room.id}/leave`);
        location.href = '/';
      } catch (e) { toast(e.message); }
    });
    if (join) join.addEventListener('click', () => joinRoom(S.room.id, join));
    if (mt) mt.addEventListener('click', () => showPanel('members'));
    if (pt) pt.addEventListener('click', () => showPanel('pins'));
  }

  async function joinRoom(id, btn) {
    if (btn) btn.disabled = true;
    try {
      await api('POST', `/api/v1/rooms/${id}/join`);
      location.href = `/r/${id}`;
    } catch (e) {
      toast(e.message);
      if (btn) btn.disabled = false;
    }
  }

  async function loadBrowse() {
    const ul = $('#browse-list');
    ul.replaceChildren(h('li', { class: 'panel-empty' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', T('loading')));
    try {
      const data = await api('GET', '/api/v1/rooms/public');
      const rooms = Array.isArray(data) ? data : (data && data.rooms) || [];
      if (!rooms.length) { ul.replaceChildren(h('li', { class: 'panel-empty' }, T('browse-empty'))); return; }
      ul.replaceChildren(...rooms.map((r) => h('li', { class: 'browse-item', 'data-search': `${r.title} ${r.topic || ''}`.toLowerCase() },
        roomGlyph(r),
        h('div', { class: 'browse-text' }, h('span', { class: 'browse-name' }, r.title),
          r.topic ? h('span', { class: 'browse-topic' }, r.topic) : null,
          h('span', { class: 'browse-meta' }, TP('members', r.member_count || 0))),
        r.my_role || roomLink(r.id)
          ? h('a', { class: 'btn btn-sm', href: `/r/${r.id}` }, T('open'))
          : h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'aria-label': T('join-named', { room: r.title }),
            onclick: (e) => joinRoom(r.id, e.currentTarget) }, T('join')))));
    } catch (e) { ul.replaceChildren(h('li', { class: 'panel-empty' }, e.message)); }
  }

  // ----------------------------------------------------------------------- init
  function initChat() {
    const list = listEl();
    if (!S.room || !list) return;
    for (const u of (boot && boot.members) || []) S.members.set(u.id, u);
    if (!S.members.has(S.me.id) && isMember()) S.members.set(S.me.id, S.me);
    S.msgs = ((boot && boot.messages) || []).slice().sort((a, b) => a.seq - b.seq);
    S.msgs.forEach(indexMsg);
    S.hasMore = boot.has_more != null ? !!boot.has_more : S.msgs.length > 0 && S.msgs[0].seq > 1;
    S.readSent = Number(S.room.last_read_seq) || 0;
    const lr = S.room.last_read_seq;
    if (lr != null && S.msgs.some((m) => m.seq > lr && m.author_id !== S.me.id)) S.dividerSeq = lr;
    renderAll();
    setTopState();

    const hash = /^#m(\d+)$/.exec(location.hash), sep = $('#new-sep');
    if (hash) jumpTo(hash[1]);
    else if (sep && sep.offsetTop > list.clientHeight / 2) { list.scrollTop = sep.offsetTop - 60; holdAnchor(sep); }
    else scrollToBottom();
    for (const ev of ['wheel', 'touchstart', 'keydown', 'pointerdown']) list.addEventListener(ev, () => { S.anchor = null; }, { passive: true });

    list.addEventListener('scroll', () => {
      if (S.anchor) return; // programmatic: holding an anchor
      S.stick = atBottom();
      if (S.stick) { $('#jump-latest').hidden = true; maybeMarkRead(); }
      if (list.scrollTop < 200 && S.hasMore) loadOlder();
    }, { passive: true });
    if ('IntersectionObserver' in window) {
      new IntersectionObserver((es) => { if (es.some((x) => x.isIntersecting)) loadOlder(); }, { root: list, rootMargin: '300px 0px 0px 0px' }).observe($('#msg-top'));
    }
    if ('ResizeObserver' in window) { // stay pinned to the bottom while images load or the composer grows
      const ro = new ResizeObserver(() => {
        const a = S.anchor && document.getElementById(S.anchor.id);
        if (S.stick) list.scrollTop = list.scrollHeight;
        else if (a) list.scrollTop = a.offsetTop - S.anchor.top;
      });
      ro.observe(itemsEl());
      ro.observe(list);
    }
    $('#jump-latest').addEventListener('click', () => { scrollToBottom(); maybeMarkRead(); const ta = input(); if (ta) ta.focus(); });
    window.addEventListener('hashchange', () => { const m = /^#m(\d+)$/.exec(location.hash); if (m) jumpTo(m[1]); });
    window.addEventListener('focus', maybeMarkRead);
    document.addEventListener('visibilitychange', maybeMarkRead);
    initMessageActions();
    initComposer();
    setInterval(() => { if (S.msgs.length) renderAll(S.stick ? 'bottom' : 'anchor'); }, 60 * 60 * 1000); // "Today" goes stale
  }

  function initSettingsPreview() {
    const color = $('#set-color'), nameIn = $('#set-display-name'), prev = $('#avatar-preview'), pname = $('#preview-name');
    if (!prev) return;
    if (color) color.addEventListener('input', () => { if (isColor(color.value)) prev.style.backgroundColor = color.value; });
    if (nameIn) nameIn.addEventListener('input', () => { prev.textContent = initials(nameIn.value || '?'); if (pname) pname.textContent = nameIn.value; });
  }

  function init() {
    localizeTimes();
    paintAvatars();
    initSettingsPreview();
    if (!S.me || !$('#app')) return;
    initChat();
    initSeqs();
    initSidebar();
    initDialogs();
    initPrompt();
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if (picker.el && !picker.el.hidden) closePicker(true);
      else if (S.panel && !document.querySelector('dialog[open]')) showPanel(S.panel);
    });
    setPresence(S.me.id, 'online');
    for (const ev of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart']) document.addEventListener(ev, activity, { passive: true });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) activity(); });
    activity();
    window.addEventListener('pagehide', () => { GW.stopped = true; if (GW.ws) GW.ws.close(); });
    window.addEventListener('pageshow', (e) => { if (e.persisted) { Object.assign(GW, { stopped: false, attempt: 0 }); gwConnect(); } });
    window.addEventListener('online', () => { GW.attempt = 0; gwConnect(); });
    gwConnect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
