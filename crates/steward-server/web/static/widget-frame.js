/* Steward website widget: the chat inside the frame (docs/SUPPORT.md, widget protocol v1).
 * Plain ES2020, no build step, no inline handlers or styles (CSP). Talks to Steward's own origin
 * only: the widget API with the `wgt_…` token, and the widget WebSocket.
 * Sections: utilities · parent window · API · views (loading, error, offline, pre-chat, chat) ·
 * messages · sending and files · read state and unread · typing · WebSocket · start. */
(() => {
  'use strict';

  // ------------------------------------------------------------------ utilities
  const $ = (sel, root = document) => root.querySelector(sel);
  const LANG = document.documentElement.lang === 'ru' ? 'ru' : 'en';
  const W = $('#w');
  const KEY = W.dataset.inbox || new URLSearchParams(location.search).get('inbox') || '';
  const STORE_KEY = `steward.widget.${KEY}`;
  const IN_FRAME = window.parent !== window;
  const IDENTITY_WAIT_MS = 300, TYPING_SEND_MS = 3000, TYPING_SHOW_MS = 5000, PAGE = 50;
  const GROUP_MS = 5 * 60 * 1000, PING_MS = 25000, SILENCE_MS = 65000;
  const BACKOFF_MIN = 500, BACKOFF_MAX = 10000;
  const enc = encodeURIComponent;

  const I18N = {};
  for (const li of document.querySelectorAll('#w-i18n [data-k]')) I18N[li.dataset.k] = li.textContent;

  /** The frame's string `widget-<key>`, with `{ $var }` placeables filled in. */
  function T(key, vars) {
    const s = I18N[key];
    if (s == null) return key;
    const out = s.replace(/[\u2068\u2069]/g, '');
    return vars ? out.replace(/\{\s*\$([\w-]+)\s*\}/g, (m, n) => (n in vars ? String(vars[n]) : m)) : out;
  }

  /** A value the server may give per language (`{en, ru}`) or as one string. */
  function loc(v) {
    if (v == null) return '';
    if (typeof v !== 'object') return String(v);
    return v[LANG] || v.en || v.ru || Object.values(v)[0] || '';
  }

  /** Builds an element. Child strings become text (never HTML); `on*` attributes take functions. */
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

  const ICONS = {
    retry: '<polyline points="23 4 23 10 17 10"/><path d="M20.49 15a9 9 0 1 1-2.12-9.36L23 10"/>',
    x: '<line x1="18" y1="6" x2="6" y2="18"/><line x1="6" y1="6" x2="18" y2="18"/>',
    file: '<path d="M13 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/><polyline points="13 2 13 9 20 9"/>',
    check: '<polyline points="20 6 9 17 4 12"/>',
    moon: '<path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"/>',
  };
  function icon(name) {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    for (const [k, v] of [['class', 'w-icon'], ['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['focusable', 'false']]) s.setAttribute(k, v);
    s.innerHTML = ICONS[name] || ''; // constant markup only
    return s;
  }

  const fmtTime = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit' });
  const fmtDayTime = new Intl.DateTimeFormat(LANG, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const fmtFull = new Intl.DateTimeFormat(LANG, { dateStyle: 'full', timeStyle: 'short' });
  const fmtNext = new Intl.DateTimeFormat(LANG, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
  const sameDay = (a, b) => a.toDateString() === b.toDateString();

  function fmtSize(n) {
    const units = LANG === 'ru' ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${new Intl.NumberFormat(LANG, { maximumFractionDigits: i ? 1 : 0 }).format(n)} ${units[i]}`;
  }

  const safeUrl = (u) => (typeof u === 'string' && /^(\/(?!\/)|https?:\/\/)/i.test(u) ? u : null);
  const newNonce = () =>
    (crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

  /** The token: the loader's first-party copy (it comes with steward:identity) or the frame's own
   * localStorage, which many browsers deny to third-party frames; memory as the last resort. */
  let memToken = null;
  const tokenStore = {
    get() {
      const fromParent = S.identity && typeof S.identity.token === 'string' ? S.identity.token : null;
      try { return fromParent || localStorage.getItem(STORE_KEY) || memToken; } catch (e) { return fromParent || memToken; }
    },
    set(v) {
      memToken = v;
      try { localStorage.setItem(STORE_KEY, v); } catch (e) { /* the loader keeps it */ }
      toParent({ type: 'steward:token', token: v });
    },
  };

  // ------------------------------------------------------------------ state
  const S = {
    cfg: {},
    token: null,
    contact: null,
    conv: null,
    identity: null,
    lastSeq: 0,     // the highest seq seen: where the socket resumes
    firstSeq: null, // the lowest seq shown: where "earlier" pages from
    opRead: 0,      // operators have read up to here
    readSent: 0,
    unread: 0,
    files: [],      // {key, name, uploading, att, error}
    typingSentAt: 0,
    endKey: null,
    csatThanks: false,
    focusWanted: false,
  };
  const byseq = new Map(); // seq → message element
  const pending = new Map(); // nonce → {body, attachments, el}

  const main = $('#w-main'), composer = $('#w-composer'), input = $('#w-input'), fileInput = $('#w-file');
  const filesEl = $('#w-files'), sendBtn = $('#w-send'), connBanner = $('#w-conn');
  let list = null, typingEl = null, endEl = null, earlierBtn = null; // the chat view's parts, when shown

  // ------------------------------------------------------------------ parent window
  // The frame cannot know who embeds it before the first answer: `steward:ready` carries nothing
  // and goes to any parent; the origin of the parent's first steward:* message is then the only
  // one accepted and the only one addressed.
  let parentOrigin = null, parentOpen = true, identityArrived = null, toldVisibility = false;

  function toParent(msg) {
    if (!IN_FRAME) return;
    if (msg.type === 'steward:ready') window.parent.postMessage(msg, '*');
    else if (parentOrigin) window.parent.postMessage(msg, parentOrigin);
  }

  addEventListener('message', (e) => {
    if (!IN_FRAME || e.source !== window.parent) return;
    const m = e.data;
    if (!m || typeof m.type !== 'string' || !m.type.startsWith('steward:')) return;
    if (parentOrigin && e.origin !== parentOrigin) return;
    parentOrigin = e.origin;
    if (m.type === 'steward:identity') {
      const late = S.sessionAt && !S.identity;
      S.identity = m;
      if (identityArrived) identityArrived();
      if (late) lateIdentity(m);
    } else if (m.type === 'steward:visibility') {
      const was = toldVisibility && parentOpen;
      toldVisibility = true;
      parentOpen = m.open === true;
      if (parentOpen && !was) focusDefault();
      seenChanged();
    }
  });

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && IN_FRAME && !e.defaultPrevented) toParent({ type: 'steward:close' });
  });
  const closeBtn = $('#w-close');
  if (IN_FRAME) {
    closeBtn.hidden = false;
    closeBtn.addEventListener('click', () => toParent({ type: 'steward:close' }));
  }

  /** Someone is looking at the chat: the page is shown and the widget panel is open. */
  const seen = () => !document.hidden && parentOpen;

  function seenChanged() {
    if (!seen()) return;
    if (S.unread) {
      S.unread = 0;
      toParent({ type: 'steward:unread', count: 0 });
    }
    scheduleRead();
  }
  document.addEventListener('visibilitychange', seenChanged);

  function focusDefault() {
    if (main.getAttribute('aria-busy') === 'true') { S.focusWanted = true; return; }
    S.focusWanted = false;
    const target = !composer.hidden ? input : main.querySelector('input:not([type=hidden]):not([type=radio]), select, textarea, button');
    if (target) target.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ API
  class ApiError extends Error {
    constructor(status, err) {
      super((err && err.message) || T(status ? 'error-generic' : 'error-connection'));
      this.status = status;
      this.code = err && err.code;
      this.field = err && err.field;
      this.detail = err && err.detail;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json', 'Accept-Language': LANG };
    if (S.token) headers.Authorization = `Bearer ${S.token}`;
    let payload = body;
    if (body != null && !(body instanceof FormData)) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, { method, headers, body: payload, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, null);
    }
    if (r.status === 204) return null;
    let data = null;
    try { data = await r.json(); } catch (e) { /* an empty or non-JSON answer */ }
    if (!r.ok) throw new ApiError(r.status, data && data.error);
    return data;
  }

  const convPath = (suffix) => `/widget/v1/conversations/${S.conv.id}${suffix}`;

  async function startSession() {
    if (!S.token) S.token = tokenStore.get();
    const body = { locale: LANG };
    if (S.token) body.token = S.token;
    const id = S.identity;
    if (id && id.user_id && id.hash) {
      body.identity = { user_id: String(id.user_id), hash: String(id.hash) };
      if (id.name) body.identity.name = String(id.name);
      if (id.email) body.identity.email = String(id.email);
    }
    S.sessionAt = Date.now();
    const s = await api('POST', `/widget/v1/inboxes/${enc(KEY)}/session`, body);
    S.token = s.token;
    tokenStore.set(s.token);
    S.contact = s.contact || null;
    return s.conversation || null;
  }

  /** The parent answered after the wait: if it knew the visitor better (a kept token, a verified
   * user), open the session again with that rather than keep a stranger's. */
  async function lateIdentity(m) {
    const betterToken = typeof m.token === 'string' && m.token && m.token !== S.token;
    if (!betterToken && !(m.user_id && m.hash)) return;
    if (betterToken) S.token = m.token;
    try { enterConversation(await startSession()); } catch (e) { /* keep the session we have */ }
  }

  // ------------------------------------------------------------------ views
  function show(...nodes) {
    main.replaceChildren(...nodes.filter(Boolean));
    main.setAttribute('aria-busy', 'false');
    if (S.focusWanted) focusDefault();
  }

  function applyConfig() {
    const c = S.cfg;
    if (c.name) {
      $('#w-title').textContent = c.name;
      $('#w-avatar').textContent = c.name.trim().charAt(0).toUpperCase();
    }
    if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c.color || '')) {
      document.documentElement.style.setProperty('--accent', c.color);
      document.documentElement.style.setProperty('--on-accent', onColor(c.color));
    }
    renderStatus();
  }

  function onColor(hex) {
    let x = hex.slice(1);
    if (x.length === 3) x = x.replace(/./g, '$&$&');
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(x.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? '#1c1e2b' : '#ffffff';
  }

  function renderStatus() {
    const sub = $('#w-sub');
    const who = S.conv && S.conv.assignee && S.conv.assignee.display_name;
    const online = S.cfg.open_now !== false;
    sub.textContent = who ? T('status-operator', { name: who }) : T(online ? 'status-online' : 'status-offline');
    sub.classList.toggle('w-sub-online', !!who || online);
  }

  const isOfflineTime = () => S.cfg.open_now === false;
  const nextOpenText = () => {
    const d = S.cfg.next_open_at ? new Date(S.cfg.next_open_at) : null;
    return d && !isNaN(d) ? T('offline-next', { time: fmtNext.format(d) }) : null;
  };

  function greeting() {
    const text = loc(S.cfg.greeting) || T('greeting');
    return h('div', { class: 'w-greeting' }, h('p', {}, text));
  }

  function leaveChat() {
    list = typingEl = endEl = earlierBtn = null;
    composer.hidden = true;
  }

  function renderError(err, retry) {
    leaveChat();
    show(h('div', { class: 'w-card w-error-card', role: 'alert' },
      h('p', {}, err.message || T('error-generic')),
      h('button', { type: 'button', class: 'w-btn', onclick: retry }, icon('retry'), T('retry'))));
  }

  // --- forms: one field builder for the pre-chat and offline forms
  const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const PHONE_RE = /^\+?[\d\s().-]{6,24}$/;
  let formSeq = 0;

  /** `f`: {name, label, type, required, pattern?, options?}; returns the field's wrapper. */
  function field(f, value) {
    const id = `w-f${++formSeq}`;
    const type = f.type || 'text';
    const common = { id, name: f.name, required: !!f.required, 'aria-required': f.required ? 'true' : null };
    let control;
    if (type === 'select') {
      control = h('select', common,
        h('option', { value: '' }, T('department-choose')),
        (f.options || []).map((o) => {
          const v = typeof o === 'object' && o !== null ? (o.value != null ? o.value : loc(o.label)) : o;
          const l = typeof o === 'object' && o !== null ? loc(o.label) || String(v) : String(o);
          return h('option', { value: v }, l);
        }));
    } else if (type === 'textarea') {
      control = h('textarea', { ...common, rows: 3, maxlength: 4000 });
    } else {
      const html = { email: 'email', phone: 'tel', tel: 'tel' }[type] || 'text';
      const auto = html === 'email' ? 'email' : html === 'tel' ? 'tel' : f.name === 'name' ? 'name' : null;
      control = h('input', { ...common, type: html, autocomplete: auto, inputmode: html === 'tel' ? 'tel' : null, maxlength: 500 });
    }
    if (value) control.value = value;
    control.addEventListener('input', () => { if (control.hasAttribute('aria-invalid')) checkField(wrap); });
    const err = h('p', { class: 'w-field-error', id: `${id}-err`, hidden: true });
    const label = h('label', { for: id }, loc(f.label) || f.name,
      f.required ? null : h('span', { class: 'w-opt' }, ` (${T('optional')})`));
    const wrap = h('div', { class: 'w-field', 'data-field': f.name }, label, control, err);
    wrap._spec = { ...f, type };
    wrap._control = control;
    return wrap;
  }

  function setFieldError(wrap, msg) {
    const c = wrap._control, err = wrap.querySelector('.w-field-error');
    err.textContent = msg || '';
    err.hidden = !msg;
    if (msg) {
      c.setAttribute('aria-invalid', 'true');
      c.setAttribute('aria-describedby', err.id);
    } else {
      c.removeAttribute('aria-invalid');
      c.removeAttribute('aria-describedby');
    }
  }

  function checkField(wrap) {
    const f = wrap._spec, v = wrap._control.value.trim();
    let msg = null;
    if (!v) msg = f.required ? T('error-required') : null;
    else if (f.type === 'email' && !EMAIL_RE.test(v)) msg = T('error-email');
    else if ((f.type === 'phone' || f.type === 'tel') && (!PHONE_RE.test(v) || v.replace(/\D/g, '').length < 6)) msg = T('error-phone');
    else if (f.pattern) {
      try { if (!new RegExp(`^(?:${f.pattern})$`, 'u').test(v)) msg = T('error-pattern'); } catch (e) { /* the server checks */ }
    }
    setFieldError(wrap, msg);
    return !msg;
  }

  /** Checks every field; focuses the first wrong one. */
  function checkForm(wraps) {
    let first = null;
    for (const w of wraps) if (!checkField(w) && !first) first = w;
    if (first) first._control.focus();
    return !first;
  }

  /** Puts the server's `{error:{field,message,detail}}` next to its field, or at the form's foot. */
  function showServerError(err, wraps, formError) {
    const find = (name) => name && wraps.find((w) => [w.dataset.field, `prechat.${w.dataset.field}`].includes(name));
    let placed = false;
    const w = find(err.field);
    if (w) { setFieldError(w, err.message); w._control.focus(); placed = true; }
    if (Array.isArray(err.detail)) {
      for (const d of err.detail) {
        const dw = d && find(d.field);
        if (dw && d.message) { setFieldError(dw, d.message); placed = true; }
      }
    }
    formError.textContent = placed ? '' : err.message;
    formError.hidden = placed;
  }

  function submitButton(text) {
    return h('button', { type: 'submit', class: 'w-btn w-btn-primary w-btn-block' }, h('span', {}, text));
  }

  function busy(form, on) {
    const b = form.querySelector('[type=submit]');
    b.disabled = on;
    b.classList.toggle('w-busy', on);
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // --- offline form
  function renderOffline() {
    leaveChat();
    const id = S.identity || {};
    const wraps = [
      field({ name: 'name', label: T('name'), required: true }, id.name),
      field({ name: 'email', label: T('email'), type: 'email', required: true }, id.email),
      field({ name: 'body', label: T('message'), type: 'textarea', required: true }),
    ];
    const next = nextOpenText();
    const formError = h('p', { class: 'w-form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'w-card w-form', novalidate: true, 'aria-labelledby': 'w-offline-title' },
      h('h2', { class: 'w-card-title', id: 'w-offline-title' }, icon('moon'), T('offline-title')),
      h('p', { class: 'w-lead' }, T('offline-lead')),
      next && h('p', { class: 'w-next' }, next),
      wraps, formError, submitButton(T('offline-send')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!checkForm(wraps)) return;
      const [name, email, body] = wraps.map((w) => w._control.value.trim());
      busy(form, true);
      try {
        await api('POST', `/widget/v1/inboxes/${enc(KEY)}/offline`, { name, email, body });
        const title = h('h2', { class: 'w-card-title', tabindex: '-1' }, icon('check'), T('offline-done-title'));
        show(greeting(), h('div', { class: 'w-card w-done', role: 'status' },
          title, h('p', {}, T('offline-done', { email })), next && h('p', { class: 'w-next' }, next)));
        title.focus();
      } catch (err) {
        busy(form, false);
        showServerError(err, wraps, formError);
      }
    });
    show(greeting(), form);
  }

  // --- pre-chat form
  const prechatFields = () => (Array.isArray(S.cfg.prechat) ? S.cfg.prechat.filter((f) => f && f.name) : []);
  const departments = () => (Array.isArray(S.cfg.departments) ? S.cfg.departments : []);

  function renderPrechat() {
    leaveChat();
    const id = S.identity || {};
    const wraps = prechatFields().map((f) => field(f, f.name === 'name' ? id.name : f.name === 'email' ? id.email : null));
    let dep = null;
    if (departments().length) {
      dep = field({ name: 'department_id', label: T('department'), type: 'select', required: true,
        options: departments().map((d) => ({ value: d.id, label: d.name })) });
      wraps.push(dep);
    }
    const first = field({ name: 'body', label: T('first-message'), type: 'textarea', required: false });
    wraps.push(first);
    const formError = h('p', { class: 'w-form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'w-card w-form', novalidate: true, 'aria-labelledby': 'w-prechat-title' },
      h('h2', { class: 'w-card-title', id: 'w-prechat-title' }, T('prechat-title')),
      h('p', { class: 'w-lead' }, T('prechat-lead')),
      wraps, formError, submitButton(T('start')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!checkForm(wraps)) return;
      const prechat = {};
      for (const w of wraps) {
        if (w === dep || w === first) continue;
        const v = w._control.value.trim();
        if (v) prechat[w.dataset.field] = v;
      }
      const body = { prechat };
      if (dep) body.department_id = Number(dep._control.value);
      const text = first._control.value.trim();
      if (text) body.body = text;
      busy(form, true);
      try {
        const conv = await createConversation(body);
        S.focusWanted = true;
        enterConversation(conv);
      } catch (err) {
        busy(form, false);
        showServerError(err, wraps, formError);
      }
    });
    show(greeting(), ...(S.cfg.help ? [helpSearch()] : []), form);
  }

  /** "Search our answers" before writing: the help centre's best articles, as you type. */
  function helpSearch() {
    const input = h('input', { type: 'search', id: 'w-help-q', autocomplete: 'off', maxlength: 300 });
    const list = h('ul', { class: 'w-help-list', 'aria-live': 'polite' });
    let timer = null;
    let asked = '';
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q === asked) return;
        asked = q;
        if (q.length < 3) { list.replaceChildren(); return; }
        try {
          const r = await api('GET', `/widget/v1/inboxes/${encodeURIComponent(KEY)}/help?q=${encodeURIComponent(q)}&locale=${LANG}`);
          if (asked !== q) return;
          list.replaceChildren(...(r.articles || []).map((a) =>
            h('li', null, h('a', { href: a.url, target: '_blank', rel: 'noopener' }, a.question || a.id))));
          if (!(r.articles || []).length) list.append(h('li', { class: 'w-muted' }, T('help-none')));
        } catch (e) { /* search is a convenience: the form still works */ }
      }, 300);
    });
    return h('section', { class: 'w-card w-help', 'aria-labelledby': 'w-help-title' },
      h('h2', { class: 'w-card-title', id: 'w-help-title' }, T('help-title')),
      h('div', { class: 'w-field' }, h('label', { for: 'w-help-q' }, T('help-label')), input), list);
  }

  async function createConversation(body) {
    try {
      return await api('POST', '/widget/v1/conversations', body);
    } catch (err) {
      if (err.code === 'conversation_open') {
        const conv = await startSession(); // one is open already (another tab): take it
        if (conv) return conv;
      }
      throw err;
    }
  }

  // --- chat
  function renderChat() {
    earlierBtn = h('button', { type: 'button', class: 'w-btn w-btn-sm w-earlier', hidden: true, onclick: loadEarlier }, T('earlier'));
    list = h('div', { class: 'w-list', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': T('log-label') });
    typingEl = h('p', { class: 'w-typing', role: 'status', 'aria-live': 'polite' });
    endEl = h('div', { class: 'w-end', hidden: true });
    const note = isOfflineTime() ? h('p', { class: 'w-note' }, T('offline-note'), ' ', nextOpenText() || '') : null;
    composer.hidden = false;
    renderEnd();
    // Before the first message, the help centre's answers may already do.
    const help = !S.conv && S.cfg.help ? helpSearch() : null;
    show(earlierBtn, greeting(), help, note, list, typingEl, endEl);
  }

  function enterConversation(conv) {
    closeSocket();
    byseq.clear();
    pending.clear();
    Object.assign(S, { conv, lastSeq: 0, firstSeq: null, opRead: 0, readSent: 0, endKey: null, csatThanks: false });
    renderStatus();
    if (conv) {
      S.opRead = conv.operator_read_seq || 0;
      renderChat();
      loadHistory().then(connect, connect);
    } else if (isOfflineTime() && S.cfg.offline_form) {
      renderOffline();
    } else if (prechatFields().length || departments().length) {
      renderPrechat();
    } else {
      renderChat(); // the first message starts the conversation
    }
  }

  /** What follows a resolved conversation: the rating card, the thanks, a new start. */
  function renderEnd() {
    if (!endEl) return;
    const c = S.conv;
    const resolved = !!c && c.status === 'resolved';
    const wantCsat = resolved && S.cfg.csat && !c.csat && !S.csatThanks;
    const key = `${resolved}|${wantCsat}|${S.csatThanks}`;
    composer.hidden = resolved;
    if (key === S.endKey) return;
    S.endKey = key;
    endEl.replaceChildren();
    endEl.hidden = !resolved;
    if (!resolved) return;
    hideTyping();
    if (wantCsat) endEl.append(csatCard());
    else if (S.csatThanks) endEl.append(h('div', { class: 'w-card w-done', role: 'status' }, h('p', { class: 'w-card-title' }, icon('check'), T('csat-thanks'))));
    endEl.append(h('div', { class: 'w-resolved' },
      h('p', {}, T('resolved')),
      h('button', { type: 'button', class: 'w-btn w-btn-primary', onclick: newConversation }, T('new-conversation'))));
    if (document.activeElement === input || document.activeElement === document.body) {
      const f = endEl.querySelector('input, button');
      if (f && seen()) f.focus({ preventScroll: true });
    }
    scrollToBottom();
  }

  function csatCard() {
    const stars = h('div', { class: 'w-stars' });
    for (let n = 1; n <= 5; n++) {
      const id = `w-star-${n}`;
      stars.append(
        h('input', { type: 'radio', name: 'rating', value: n, id, class: 'w-star-input' }),
        h('label', { for: id, class: 'w-star', title: T('csat-star', { n }) },
          h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'visually-hidden' }, T('csat-star', { n }))));
    }
    stars.addEventListener('change', (e) => { stars.dataset.v = e.target.value; formError.hidden = true; });
    const comment = h('textarea', { id: 'w-csat-comment', rows: 2, maxlength: 1000 });
    const formError = h('p', { class: 'w-form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'w-card w-form w-csat', novalidate: true },
      h('fieldset', {}, h('legend', { class: 'w-card-title' }, T('csat-title')), stars),
      h('div', { class: 'w-field' },
        h('label', { for: 'w-csat-comment' }, T('csat-comment'), h('span', { class: 'w-opt' }, ` (${T('optional')})`)), comment),
      formError, submitButton(T('csat-send')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const picked = form.querySelector('input[name=rating]:checked');
      if (!picked) {
        formError.textContent = T('csat-choose');
        formError.hidden = false;
        stars.querySelector('input').focus();
        return;
      }
      const body = { rating: Number(picked.value) };
      if (comment.value.trim()) body.comment = comment.value.trim();
      busy(form, true);
      try {
        const conv = await api('POST', convPath('/csat'), body);
        S.csatThanks = true;
        setConversation(conv && conv.id ? conv : { ...S.conv, csat: body });
        const thanks = endEl.querySelector('.w-done .w-card-title');
        if (thanks) { thanks.tabIndex = -1; thanks.focus(); }
      } catch (err) {
        busy(form, false);
        formError.textContent = err.message;
        formError.hidden = false;
      }
    });
    return form;
  }

  function newConversation() {
    S.focusWanted = true;
    enterConversation(null);
  }

  function setConversation(conv) {
    if (!conv || !S.conv || conv.id !== S.conv.id) return;
    S.conv = { ...S.conv, ...conv };
    if (conv.operator_read_seq > S.opRead) { S.opRead = conv.operator_read_seq; renderRead(); }
    renderStatus();
    renderEnd();
  }

  // ------------------------------------------------------------------ messages
  function nearBottom() {
    return main.scrollHeight - main.scrollTop - main.clientHeight < 80;
  }
  function scrollToBottom() {
    main.scrollTop = main.scrollHeight;
  }

  function myUserId() {
    const c = S.contact;
    return c && (c.user_id != null ? c.user_id : S.learnedAuthor);
  }
  const isMine = (m) => m.author_id != null && m.author_id === myUserId();

  function metaTime(iso) {
    const d = new Date(iso || Date.now());
    if (isNaN(d)) return null;
    return h('time', { datetime: d.toISOString(), title: fmtFull.format(d) }, sameDay(d, new Date()) ? fmtTime.format(d) : fmtDayTime.format(d));
  }

  function attachmentsEl(atts) {
    if (!atts || !atts.length) return null;
    return h('div', { class: 'w-atts' }, atts.map((a) => {
      const url = safeUrl(a.url);
      if (!url) return null;
      if (a.is_image) {
        return h('a', { class: 'w-thumb', href: url, target: '_blank', rel: 'noopener noreferrer' },
          h('img', { src: url, alt: a.filename || '', loading: 'lazy', decoding: 'async' }));
      }
      return h('a', { class: 'w-att', href: url, target: '_blank', rel: 'noopener noreferrer', download: a.filename || true },
        icon('file'), h('span', { class: 'w-att-name' }, a.filename || url), a.size ? h('span', { class: 'w-att-size' }, fmtSize(a.size)) : null);
    }));
  }

  /** The server's sanitised HTML; links open outside the frame. */
  function bodyEl(m) {
    if (m.deleted) return h('p', { class: 'w-deleted' }, T('deleted'));
    const div = h('div', { class: 'w-text' });
    if (m.html) {
      div.innerHTML = m.html;
      for (const a of div.querySelectorAll('a[href]')) {
        a.target = '_blank';
        a.rel = 'noopener noreferrer nofollow';
      }
    } else if (m.body) {
      div.append(h('p', {}, m.body));
    } else {
      return null;
    }
    return div;
  }

  function messageEl(m) {
    const mine = isMine(m);
    const name = mine ? T('you') : (m.author && m.author.display_name) || T('operator');
    const el = h('div', {
      class: `w-msg ${mine ? 'w-me' : 'w-op'}`,
      'data-seq': m.seq,
      'data-author': mine ? 'me' : m.author_id,
      'data-t': Date.parse(m.created_at) || Date.now(),
    },
    mine ? null : h('div', { class: 'w-author', 'aria-hidden': 'true' }, name),
    h('div', { class: 'w-bubble' }, h('span', { class: 'visually-hidden' }, `${name}: `), bodyEl(m), m.deleted ? null : attachmentsEl(m.attachments)),
    h('div', { class: 'w-meta' }, metaTime(m.created_at), m.edited_at && !m.deleted ? h('span', {}, ` · ${T('edited')}`) : null));
    return el;
  }

  /** Adds or replaces a message, in seq order; pending ones stay last. */
  function upsert(m, fresh) {
    if (!m || m.internal || !list || typeof m.seq !== 'number') return;
    let replaced = null;
    if (m.nonce && pending.has(m.nonce)) {
      const p = pending.get(m.nonce);
      pending.delete(m.nonce);
      if (S.contact && S.contact.user_id == null) S.learnedAuthor = m.author_id;
      replaced = p.el;
    }
    const stick = nearBottom();
    const el = messageEl(m);
    const old = byseq.get(m.seq);
    if (replaced) replaced.remove();
    if (old) {
      old.replaceWith(el);
    } else {
      let after = null;
      for (const [s, e] of byseq) if (s < m.seq && (!after || s > Number(after.dataset.seq))) after = e;
      if (after) after.after(el);
      else list.prepend(el);
    }
    byseq.set(m.seq, el);
    S.lastSeq = Math.max(S.lastSeq, m.seq);
    if (S.firstSeq == null || m.seq < S.firstSeq) S.firstSeq = m.seq;
    regroup();
    renderRead();
    if (fresh && !isMine(m)) {
      hideTyping();
      if (seen()) scheduleRead();
      else {
        S.unread++;
        toParent({ type: 'steward:unread', count: S.unread });
      }
    }
    if (stick || (fresh && isMine(m))) scrollToBottom();
  }

  /** A run of messages by one author within a few minutes shows the name on its first message
   * and the time under its last. */
  function regroup() {
    let prev = null;
    for (const el of list.children) {
      const same = !!prev && prev.dataset.author === el.dataset.author && Number(el.dataset.t) - Number(prev.dataset.t) < GROUP_MS;
      el.classList.toggle('w-cont', same);
      if (prev) prev.classList.toggle('w-more', same);
      prev = el;
    }
    if (prev) prev.classList.remove('w-more');
  }

  /** "Read" under the visitor's last message once operators have read it. */
  function renderRead() {
    if (!list) return;
    for (const r of list.querySelectorAll('.w-read')) r.remove();
    const mine = list.querySelectorAll('.w-me');
    const last = mine[mine.length - 1];
    if (last && last.dataset.seq && S.opRead >= Number(last.dataset.seq)) {
      last.querySelector('.w-meta').append(h('span', { class: 'w-read' }, icon('check'), T('read')));
    }
  }

  async function loadHistory() {
    const conv = S.conv;
    main.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', convPath(`/messages?limit=${PAGE}`));
      if (S.conv !== conv && !(S.conv && conv && S.conv.id === conv.id)) return;
      const ms = (r.messages || []).slice().sort((a, b) => a.seq - b.seq);
      for (const m of ms) upsert(m, false);
      if (earlierBtn) earlierBtn.hidden = ms.length < PAGE;
      scrollToBottom();
    } catch (err) {
      if (list) list.append(h('p', { class: 'w-form-error' }, err.message));
    } finally {
      main.setAttribute('aria-busy', 'false');
      if (S.focusWanted) focusDefault();
    }
    scheduleRead();
  }

  async function loadEarlier() {
    if (!S.conv || S.firstSeq == null) return;
    earlierBtn.disabled = true;
    const before = main.scrollHeight - main.scrollTop;
    try {
      const r = await api('GET', convPath(`/messages?before_seq=${S.firstSeq}&limit=${PAGE}`));
      const ms = r.messages || [];
      for (const m of ms) upsert(m, false);
      main.scrollTop = main.scrollHeight - before;
      earlierBtn.hidden = ms.length < PAGE;
    } catch (err) {
      /* the button stays for another try */
    }
    earlierBtn.disabled = false;
  }

  // ------------------------------------------------------------------ sending and files
  function pendingEl(p) {
    const meta = h('div', { class: 'w-meta' });
    const el = h('div', { class: 'w-msg w-me w-pending', 'data-author': 'me', 'data-t': Date.now() },
      h('div', { class: 'w-bubble' },
        h('span', { class: 'visually-hidden' }, `${T('you')}: `),
        p.body ? h('div', { class: 'w-text' }, h('p', {}, p.body)) : null,
        attachmentsEl(p.attachments)),
      meta);
    p.el = el;
    p.meta = meta;
    return el;
  }

  function pendingState(p, state, err) {
    p.el.classList.toggle('w-failed', state === 'failed');
    p.meta.replaceChildren();
    if (state === 'sending') {
      p.meta.append(h('span', { class: 'w-sending' }, T('sending')));
    } else {
      p.meta.append(
        h('span', { class: 'w-fail' }, T('not-sent'), err && err.status >= 400 && err.status < 500 ? ` ${err.message}` : ''),
        h('button', { type: 'button', class: 'w-btn-link', onclick: () => post(p.nonce) }, icon('retry'), T('retry')));
    }
  }

  async function send(body, attachments) {
    const nonce = newNonce();
    const p = { nonce, body, attachments };
    pending.set(nonce, p);
    list.append(pendingEl(p));
    regroup();
    scrollToBottom();
    await post(nonce);
  }

  async function post(nonce) {
    const p = pending.get(nonce);
    if (!p) return;
    pendingState(p, 'sending');
    try {
      if (!S.conv) {
        const conv = await createConversation({ prechat: {} });
        S.conv = conv;
        S.opRead = conv.operator_read_seq || 0;
        renderStatus();
        loadHistory().then(connect, connect); // empty, unless an open one was taken over
      }
      const body = { body: p.body, nonce };
      if (p.attachments.length) body.attachments = p.attachments.map((a) => a.id);
      const m = await api('POST', convPath('/messages'), body);
      if (pending.has(nonce)) upsert(m, false); // else the socket brought it first
    } catch (err) {
      if (pending.has(nonce)) pendingState(p, 'failed', err);
    }
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  function canSend() {
    const uploading = S.files.some((f) => f.uploading);
    return !uploading && (input.value.trim() !== '' || S.files.some((f) => f.att));
  }
  function refreshSend() {
    sendBtn.disabled = !canSend();
  }

  function submitComposer() {
    if (!canSend() || !list) return;
    const body = input.value.trim();
    const atts = S.files.filter((f) => f.att).map((f) => f.att);
    input.value = '';
    S.files = [];
    renderFiles();
    autosize();
    refreshSend();
    send(body, atts);
  }

  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    submitComposer();
    input.focus();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submitComposer();
    }
  });
  input.addEventListener('input', () => {
    autosize();
    refreshSend();
    if (input.value.trim()) sendTyping();
  });

  $('#w-attach').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    for (const f of Array.from(fileInput.files || []).slice(0, 10)) upload(f);
    fileInput.value = '';
    input.focus();
  });

  let fileKey = 0;
  async function upload(file) {
    const item = { key: ++fileKey, name: file.name, uploading: true, att: null, error: null };
    S.files.push(item);
    renderFiles();
    const fd = new FormData();
    fd.append('file', file, file.name);
    try {
      item.att = await api('POST', convPath('/uploads'), fd);
    } catch (err) {
      item.error = err.status ? `${T('upload-failed', { name: file.name })} ${err.message}` : T('upload-failed', { name: file.name });
    }
    item.uploading = false;
    if (S.files.includes(item)) renderFiles();
  }

  function renderFiles() {
    filesEl.replaceChildren(...S.files.map((f) => h('li', { class: `w-chip${f.error ? ' w-chip-error' : ''}` },
      f.uploading ? h('span', { class: 'w-spinner w-spinner-xs', role: 'img', 'aria-label': T('uploading', { name: f.name }) }) : icon('file'),
      h('span', { class: 'w-chip-name' }, f.error || f.name),
      h('button', {
        type: 'button', class: 'w-chip-x', 'aria-label': T('remove-file', { name: f.name }), title: T('remove-file', { name: f.name }),
        onclick: () => { S.files = S.files.filter((x) => x !== f); renderFiles(); input.focus(); },
      }, icon('x')))));
    filesEl.hidden = !S.files.length;
    refreshSend();
  }

  // ------------------------------------------------------------------ read state and unread
  let readTimer = null;
  function scheduleRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(async () => {
      if (!S.conv || !seen() || S.lastSeq <= S.readSent) return;
      const seq = S.lastSeq;
      S.readSent = seq;
      try { await api('POST', convPath('/read'), { seq }); } catch (e) { S.readSent = 0; }
    }, 400);
  }

  // ------------------------------------------------------------------ typing
  let typingTimer = null;
  function showTyping(name) {
    if (!typingEl) return;
    typingEl.replaceChildren(h('span', { class: 'w-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      name ? T('typing', { name }) : T('typing-someone'));
    typingEl.classList.add('w-on');
    const stick = nearBottom();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
    if (stick) scrollToBottom();
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    if (typingEl) { typingEl.classList.remove('w-on'); typingEl.replaceChildren(); }
  }
  function sendTyping() {
    const now = Date.now();
    if (now - S.typingSentAt < TYPING_SEND_MS) return;
    if (wsSend({ op: 'typing' })) S.typingSentAt = now;
  }

  // ------------------------------------------------------------------ WebSocket
  let ws = null, wsRetry = null, wsPing = null, backoff = BACKOFF_MIN, lastFrameAt = 0, bannerTimer = null, authFailures = 0;

  function wsSend(obj) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  function connect() {
    if (!S.conv || ws) return;
    clearTimeout(wsRetry);
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${proto}://${location.host}/widget/v1/ws?token=${enc(S.token)}&conversation=${enc(S.conv.id)}&after_seq=${S.lastSeq}`;
    const sock = new WebSocket(url);
    const convId = S.conv.id;
    ws = sock;
    sock.onopen = () => {
      lastFrameAt = Date.now();
      clearInterval(wsPing);
      wsPing = setInterval(() => {
        if (Date.now() - lastFrameAt > SILENCE_MS) sock.close(4000, 'silent'); // a dead link: start over
        else wsSend({ op: 'ping' });
      }, PING_MS);
    };
    sock.onmessage = (e) => {
      lastFrameAt = Date.now();
      backoff = BACKOFF_MIN;
      authFailures = 0;
      setBanner(false);
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (S.conv && S.conv.id === convId) onFrame(f);
    };
    sock.onclose = (e) => {
      if (ws !== sock) return; // closed on purpose
      ws = null;
      clearInterval(wsPing);
      if (!S.conv) return;
      setBanner(true);
      if (e.code === 4001 || e.code === 4003) return reauth();
      const delay = backoff / 2 + Math.random() * (backoff / 2);
      backoff = Math.min(BACKOFF_MAX, backoff * 2);
      wsRetry = setTimeout(connect, delay);
    };
  }

  /** The token stopped working (erased contact, rotated secret): a new session, then carry on. */
  async function reauth() {
    if (++authFailures > 3) return;
    try {
      const conv = await startSession();
      if (conv && S.conv && conv.id === S.conv.id) { setConversation(conv); connect(); } else enterConversation(conv);
    } catch (e) {
      wsRetry = setTimeout(connect, BACKOFF_MAX);
    }
  }

  function closeSocket() {
    clearTimeout(wsRetry);
    clearInterval(wsPing);
    setBanner(false);
    if (ws) { const s = ws; ws = null; s.close(1000); }
  }

  function setBanner(on) {
    clearTimeout(bannerTimer);
    if (!on) connBanner.hidden = true;
    else bannerTimer = setTimeout(() => { connBanner.hidden = false; }, 1500);
  }

  function onFrame(f) {
    switch (f.type) {
      case 'message.created':
      case 'message.updated':
      case 'message.deleted': {
        const m = f.message;
        if (!m) return;
        if (f.type === 'message.deleted') m.deleted = true;
        if (f.type === 'message.created') upsert(m, !byseq.has(m.seq));
        else if (byseq.has(m.seq)) upsert(m, false);
        break;
      }
      case 'typing':
        showTyping(f.name);
        break;
      case 'read':
        if (f.seq > S.opRead) { S.opRead = f.seq; renderRead(); }
        break;
      case 'conversation.updated':
        setConversation(f.conversation);
        break;
      case 'ping':
        wsSend({ op: 'ping' });
        break;
      default:
    }
  }

  // ------------------------------------------------------------------ start
  async function start() {
    main.setAttribute('aria-busy', 'true');
    const identity = IN_FRAME && !S.identity
      ? new Promise((resolve) => { identityArrived = resolve; setTimeout(resolve, IDENTITY_WAIT_MS); })
      : null;
    toParent({ type: 'steward:ready' });
    try {
      const [cfg] = await Promise.all([api('GET', `/widget/v1/inboxes/${enc(KEY)}/config?locale=${LANG}`), identity]);
      S.cfg = (cfg && cfg.inbox) || {};
      applyConfig();
      const conv = await startSession();
      enterConversation(conv);
    } catch (err) {
      renderError(err, start);
    }
  }

  refreshSend();
  start();
})();
