/* Steward website widget loader — docs/SUPPORT.md, widget protocol v1. Plain ES2020, no build step.
 *   <script src="https://STEWARD/widget.js" data-inbox="KEY" async></script>
 * Draws a launcher in a closed shadow root (the host page's CSS cannot reach in, ours cannot leak
 * out) and, on first open, an iframe with the chat served by Steward. The two talk with
 * postMessage, always addressed to Steward's origin and accepted only from the frame's window. */
(() => {
  'use strict';
  if (window.Steward && window.Steward.version) return; // embedded twice

  const me = document.currentScript;
  if (!me || !me.src) return;
  const ORIGIN = new URL(me.src, location.href).origin;
  const data = me.dataset;
  const KEY = data.inbox;
  if (!KEY) {
    console.warn('Steward widget: the script tag needs data-inbox');
    return;
  }
  // The widget token's first-party copy: browsers that deny storage to third-party frames would
  // otherwise start a new contact on every page of the site.
  const STORE = `steward.widget.${KEY}`;
  const LOCALE = /^ru\b/i.test(data.locale || document.documentElement.lang || navigator.language || '') ? 'ru' : 'en';
  const T = {
    en: { open: 'Open support chat', close: 'Close support chat', unread: '{n} unread', chat: 'Support chat', x: 'Close' },
    ru: { open: 'Открыть чат поддержки', close: 'Закрыть чат поддержки', unread: 'непрочитанных: {n}', chat: 'Чат поддержки', x: 'Закрыть' },
  }[LOCALE];

  const CSS = `
:host{all:initial!important}
.w{--c:#5b6cf0;--on:#fff;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;color:#1c1e2b}
.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:56px;height:56px;padding:0;border:0;border-radius:50%;
background:var(--c);color:var(--on);cursor:pointer;display:flex;align-items:center;justify-content:center;
box-shadow:0 6px 20px rgba(20,22,40,.24),0 2px 6px rgba(20,22,40,.14);transition:transform .15s ease,box-shadow .15s ease}
.launcher:hover{transform:scale(1.05)}
.launcher:focus{outline:none}
.launcher:focus-visible,.x:focus-visible{outline:3px solid color-mix(in srgb,var(--c) 70%,#000);outline-offset:3px;box-shadow:0 0 0 6px #fff}
.left .launcher{right:auto;left:20px}
svg{width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.i-x,.open .i-chat{display:none}
.open .i-x{display:block}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;
background:#e5484d;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{position:fixed;z-index:2147483001;bottom:88px;right:20px;width:370px;height:600px;max-width:calc(100vw - 40px);
max-height:calc(100vh - 108px);border-radius:14px;overflow:hidden;background:#fff;
box-shadow:0 24px 60px rgba(20,22,40,.22),0 2px 8px rgba(20,22,40,.1);animation:in .18s ease-out}
.left .panel{right:auto;left:20px}
[hidden]{display:none!important}
iframe{display:block;width:100%;height:100%;border:0}
.x{position:absolute;top:10px;right:10px;width:34px;height:34px;padding:0;border:0;border-radius:8px;background:rgba(28,30,43,.06);
color:#4a4f63;cursor:pointer;display:flex;align-items:center;justify-content:center}
.x svg{width:18px;height:18px}
.spin{position:absolute;top:50%;left:50%;width:26px;height:26px;margin:-13px;border:3px solid rgba(28,30,43,.12);
border-top-color:var(--c);border-radius:50%;animation:r .8s linear infinite}
.ready .spin{display:none}
@keyframes in{from{opacity:0;transform:translateY(12px)}}
@keyframes r{to{transform:rotate(360deg)}}
@media (prefers-color-scheme:dark){.panel{background:#17181f}.x{background:rgba(255,255,255,.08);color:#b8bbcc}.badge{box-shadow:0 0 0 2px #17181f}}
@media (prefers-reduced-motion:reduce){.panel,.launcher{animation:none;transition:none}}
@media (max-width:479.98px){
.panel,.left .panel{inset:0;width:100%;height:100%;max-width:none;max-height:none;border-radius:0}
.open .launcher{display:none}}`;

  const ICON_CHAT = '<path d="M21 11.5a8.4 8.4 0 0 1-9 8.4 8.9 8.9 0 0 1-3.9-.9L3 20.5l1.5-4.4A8 8 0 0 1 3 11.5 8.5 8.5 0 0 1 12 3a8.5 8.5 0 0 1 9 8.5z"/>';
  const ICON_X = '<line x1="18" y1="6" x2="6" y2="18"/><line x1="6" y1="6" x2="18" y2="18"/>';
  const svg = (cls, paths) => `<svg class="${cls}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${paths}</svg>`;

  let root, wrap, launcher, badge, panel, closeX, frame;
  let isOpen = false, ready = false, unread = 0, wantOpen = false, audio = null;

  /** White or near-black, whichever reads better on the inbox colour. */
  function onColor(hex) {
    let h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, '$&$&');
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? '#1c1e2b' : '#ffffff';
  }

  function post(msg) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(msg, ORIGIN);
  }

  function label() {
    const base = isOpen ? T.close : T.open;
    launcher.setAttribute('aria-label', unread && !isOpen ? `${base} (${T.unread.replace('{n}', unread)})` : base);
  }

  function setUnread(n) {
    n = Math.max(0, Math.min(9999, Number(n) | 0));
    if (n > unread && !isOpen) beep();
    unread = n;
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = !n || isOpen;
    label();
  }

  /** A short two-tone chime made on the spot: no audio file to fetch. */
  function beep() {
    try {
      if (!audio) return; // created on the first click: browsers refuse sound before a gesture
      if (audio.state === 'suspended') audio.resume();
      const t = audio.currentTime;
      [[880, 0], [1320, 0.09]].forEach(([f, at]) => {
        const o = audio.createOscillator(), g = audio.createGain();
        o.type = 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t + at);
        g.gain.exponentialRampToValueAtTime(0.12, t + at + 0.015);
        g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.2);
        o.connect(g).connect(audio.destination);
        o.start(t + at);
        o.stop(t + at + 0.22);
      });
    } catch (e) { /* no sound is fine */ }
  }

  function unlockAudio() {
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!audio && AC) audio = new AC();
      if (audio && audio.state === 'suspended') audio.resume();
    } catch (e) { /* no sound is fine */ }
  }

  function focusFrame() {
    if (frame) frame.focus();
  }

  function open() {
    if (!launcher) { wantOpen = true; return; }
    if (isOpen) return;
    isOpen = true;
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = T.chat;
      frame.src = `${ORIGIN}/widget/frame?inbox=${encodeURIComponent(KEY)}&locale=${LOCALE}`;
      // The frame may not navigate the host page; on Steward's own origin a sandbox would mean nothing.
      if (ORIGIN !== location.origin) {
        frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads');
      }
      panel.appendChild(frame);
    }
    panel.hidden = false;
    wrap.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(unread);
    if (ready) {
      focusFrame();
      post({ type: 'steward:visibility', open: true });
    } else {
      closeX.focus();
    }
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    const hadFocus = document.activeElement === host;
    panel.hidden = true;
    wrap.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    setUnread(unread);
    post({ type: 'steward:visibility', open: false });
    if (hadFocus) launcher.focus();
  }

  function toggle() {
    isOpen ? close() : open();
  }

  function onMessage(e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== ORIGIN) return;
    const m = e.data;
    if (!m || typeof m.type !== 'string') return;
    if (m.type === 'steward:ready') {
      ready = true;
      wrap.classList.add('ready');
      closeX.hidden = true; // the frame has its own close button from now on
      const id = { type: 'steward:identity', locale: LOCALE };
      try { id.token = localStorage.getItem(STORE) || undefined; } catch (err) { /* none kept */ }
      for (const [attr, field] of [['userId', 'user_id'], ['userHash', 'hash'], ['userName', 'name'], ['userEmail', 'email']]) {
        if (data[attr]) id[field] = data[attr];
      }
      post(id);
      post({ type: 'steward:visibility', open: isOpen });
      if (isOpen && root.activeElement === closeX) focusFrame();
    } else if (m.type === 'steward:unread') {
      setUnread(m.count);
    } else if (m.type === 'steward:close') {
      close();
    } else if (m.type === 'steward:token' && /^wgt_[\w-]+$/.test(m.token || '')) {
      try { localStorage.setItem(STORE, m.token); } catch (err) { /* the frame may still keep its own */ }
    }
  }

  const host = document.createElement('steward-widget');

  function build(cfg) {
    const color = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(cfg.color || '') ? cfg.color : '#5b6cf0';
    root = host.attachShadow({ mode: 'closed' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS); // constructed sheets are not subject to the host page's style-src
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      const st = document.createElement('style');
      st.textContent = CSS;
      root.appendChild(st);
    }
    wrap = document.createElement('div');
    wrap.className = cfg.position === 'bottom-left' ? 'w left' : 'w';
    wrap.style.setProperty('--c', color);
    wrap.style.setProperty('--on', onColor(color));
    wrap.innerHTML =
      `<button class="launcher" type="button" aria-expanded="false" aria-controls="steward-panel">${svg('i-chat', ICON_CHAT)}${svg('i-x', ICON_X)}<span class="badge" aria-hidden="true" hidden></span></button>` +
      `<div class="panel" id="steward-panel" role="dialog" hidden><span class="spin"></span><button class="x" type="button">${svg('', ICON_X)}</button></div>`;
    root.appendChild(wrap);
    launcher = wrap.querySelector('.launcher');
    badge = wrap.querySelector('.badge');
    panel = wrap.querySelector('.panel');
    closeX = wrap.querySelector('.x');
    panel.setAttribute('aria-label', cfg.name ? `${T.chat}: ${cfg.name}` : T.chat);
    closeX.setAttribute('aria-label', T.x);
    label();
    launcher.addEventListener('click', () => { unlockAudio(); toggle(); });
    closeX.addEventListener('click', close);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && isOpen) { e.stopPropagation(); close(); }
    });
    addEventListener('message', onMessage);
    document.body.appendChild(host);
    if (wantOpen) open();
  }

  window.Steward = { version: 1, open, close, toggle };

  const start = () =>
    fetch(`${ORIGIN}/widget/v1/inboxes/${encodeURIComponent(KEY)}/config?locale=${LOCALE}`, { credentials: 'omit' })
      .then((r) => {
        if (r.status === 404) throw new Error('no such inbox: ' + KEY);
        return r.ok ? r.json() : {};
      }, () => ({})) // unreachable or refused: still offer the chat, the frame will say what is wrong
      .then((j) => build((j && j.inbox) || {}))
      .catch((e) => console.warn('Steward widget:', e.message));
  if (document.body) start();
  else addEventListener('DOMContentLoaded', start);
})();
