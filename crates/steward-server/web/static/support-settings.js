// Support settings (/support/settings): inboxes, their widget, operators,
// departments, and shared canned responses — over the JSON API with the
// session cookie. Errors name the field and the rule, as the API says.
(() => {
  'use strict';
  const main = document.getElementById('sup-inboxes');
  if (!main) return;
  const status = document.getElementById('sup-status');
  const tpl = document.getElementById('sup-inbox-tpl');
  let people = [];

  async function api(method, path, body) {
    const r = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const e = (data && data.error) || {};
      const err = new Error(e.message || r.statusText);
      err.field = e.field;
      err.detail = e.detail;
      throw err;
    }
    return data;
  }

  function say(text, ok) {
    status.hidden = false;
    status.className = 'alert ' + (ok ? 'alert-success' : 'alert-error');
    status.setAttribute('role', ok ? 'status' : 'alert');
    status.textContent = text;
  }
  function fail(e) {
    const extra = e.detail && e.detail.problem ? ' (' + e.detail.problem + ')' : '';
    say(e.message + extra, false);
  }
  const host = document.querySelector('.sup-main');
  const T = (k) => host.dataset['t' + k] || '';

  function bind(root, name) {
    return root.querySelector('[data-n="' + name + '"]');
  }
  // Labels point at their controls (ids are made unique per inbox).
  function wireLabels(root, prefix) {
    root.querySelectorAll('[data-n]').forEach((el) => { el.id = prefix + el.dataset.n; el.name = el.dataset.n; });
    root.querySelectorAll('label[data-for]').forEach((l) => { l.htmlFor = prefix + l.dataset.for; });
    root.querySelectorAll('[data-id]').forEach((h) => { h.id = prefix + h.dataset.id; });
    root.querySelectorAll('[data-describe]').forEach((c) => c.setAttribute('aria-describedby', prefix + c.dataset.describe));
    const sn = root.querySelector('[data-f="snippet"]');
    sn.id = prefix + 'snippet';
    root.querySelector('label[data-for="snippet"]').htmlFor = sn.id;
  }

  function fill(card, entry) {
    const i = entry.inbox;
    const s = i.settings || {};
    card.querySelector('[data-f="title"]').textContent = i.name;
    card.querySelector('[data-f="key"]').textContent = i.public_key;
    const demo = card.querySelector('[data-f="demo"]');
    demo.href = '/widget/demo?inbox=' + encodeURIComponent(i.public_key);
    card.querySelector('[data-f="snippet"]').value =
      '<script src="' + location.origin + '/widget.js" data-inbox="' + i.public_key + '" async></script>';
    const f = card.querySelector('[data-f="settings"]');
    bind(f, 'name').value = i.name;
    bind(f, 'greeting').value = s.greeting || '';
    bind(f, 'locale').value = s.locale || 'ru';
    bind(f, 'color').value = s.color || '#5b6cf0';
    bind(f, 'position').value = s.position || 'right';
    bind(f, 'routing').value = s.routing || 'least_loaded';
    bind(f, 'offer_timeout_secs').value = s.offer_timeout_secs || 0;
    bind(f, 'csat').checked = !!s.csat;
    bind(f, 'offline_form').checked = !!s.offline_form;
    const sla = s.sla || {};
    bind(f, 'sla_first').value = sla.first_response_mins || '';
    bind(f, 'sla_next').value = sla.next_response_mins || '';
    bind(f, 'sla_resolution').value = sla.resolution_mins || '';
    bind(f, 'hours').value = s.hours ? JSON.stringify(s.hours, null, 1) : '';
    bind(f, 'prechat').value = s.prechat && s.prechat.length ? JSON.stringify(s.prechat, null, 1) : '';
    bind(f, 'allowed_origins').value = (s.allowed_origins || []).join('\n');
    // Who answers first: the built-in FAQ bot or an agent bot, never both.
    f.dataset.settings = JSON.stringify(s);
    const faq = bind(f, 'bot');
    const agent = bind(f, 'agent_bot');
    const timeout = bind(f, 'agent_bot_timeout_secs');
    if (s.agent_bot && !agent.querySelector('option[value="' + s.agent_bot + '"]')) {
      agent.append(new Option('#' + s.agent_bot, String(s.agent_bot)));
    }
    faq.checked = !!s.bot;
    agent.value = s.agent_bot ? String(s.agent_bot) : '';
    timeout.value = s.agent_bot_timeout_secs === undefined ? 120 : s.agent_bot_timeout_secs;
    const sync = () => { timeout.disabled = !agent.value; };
    faq.addEventListener('change', () => { if (faq.checked) agent.value = ''; sync(); });
    agent.addEventListener('change', () => { if (agent.value) faq.checked = false; sync(); });
    sync();

    const box = card.querySelector('.sup-people');
    box.querySelectorAll('label').forEach((l) => l.remove());
    for (const p of people) {
      const l = document.createElement('label');
      l.className = 'check';
      const cb = document.createElement('input');
      cb.type = 'checkbox';
      cb.value = p.id;
      cb.checked = entry.members.includes(p.id);
      l.append(cb, ' ' + p.display_name + ' ');
      const u = document.createElement('span');
      u.className = 'muted';
      u.textContent = '@' + p.username;
      l.append(u);
      box.append(l);
    }
    const deps = card.querySelector('[data-f="departments"]');
    deps.replaceChildren();
    for (const d of entry.departments || []) {
      const li = document.createElement('li');
      li.textContent = d.name + ' ';
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'btn btn-sm';
      del.textContent = '×';
      del.setAttribute('aria-label', T('Remove') + ' ' + d.name);
      del.addEventListener('click', () => act(() => api('DELETE', '/support/departments/' + d.id)));
      li.append(del);
      deps.append(li);
    }
  }

  function settingsFrom(f) {
    const num = (n) => { const v = bind(f, n).value.trim(); return v === '' ? null : Number(v); };
    const json = (n, field) => {
      const v = bind(f, n).value.trim();
      if (!v) return null;
      try { return JSON.parse(v); } catch (e) { const err = new Error(field + ': ' + e.message); err.field = field; throw err; }
    };
    const sla = { first_response_mins: num('sla_first'), next_response_mins: num('sla_next'), resolution_mins: num('sla_resolution') };
    const anySla = Object.values(sla).some((v) => v);
    // Start from what is stored, so settings this form does not show are kept.
    const kept = f.dataset.settings ? JSON.parse(f.dataset.settings) : {};
    const agent = bind(f, 'agent_bot').value;
    return Object.assign(kept, {
      bot: bind(f, 'bot').checked,
      agent_bot: agent ? Number(agent) : null,
      agent_bot_timeout_secs: num('agent_bot_timeout_secs') ?? 120,
      greeting: bind(f, 'greeting').value,
      locale: bind(f, 'locale').value,
      color: bind(f, 'color').value,
      position: bind(f, 'position').value,
      routing: bind(f, 'routing').value,
      offer_timeout_secs: num('offer_timeout_secs') || 0,
      csat: bind(f, 'csat').checked,
      offline_form: bind(f, 'offline_form').checked,
      sla: anySla ? sla : null,
      hours: json('hours', 'hours'),
      prechat: json('prechat', 'prechat') || [],
      allowed_origins: bind(f, 'allowed_origins').value.split(/\s+/).filter(Boolean),
    });
  }

  async function act(fn, okText) {
    try {
      await fn();
      say(okText || T('Saved'), true);
      await load();
    } catch (e) { fail(e); }
  }

  function render(list) {
    main.replaceChildren();
    for (const entry of list) {
      const card = tpl.content.firstElementChild.cloneNode(true);
      const id = entry.inbox.id;
      wireLabels(card, 'inbox' + id + '-');
      card.setAttribute('aria-label', entry.inbox.name);
      fill(card, entry);
      card.querySelector('[data-f="settings"]').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const f = ev.currentTarget;
        let settings;
        try { settings = settingsFrom(f); } catch (e) { fail(e); return; }
        act(() => api('PATCH', '/support/inboxes/' + id, { name: bind(f, 'name').value, settings }));
      });
      card.querySelector('[data-f="members"]').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const ids = [...ev.currentTarget.querySelectorAll('input[type=checkbox]:checked')].map((c) => Number(c.value));
        act(() => api('PUT', '/support/inboxes/' + id + '/members', { user_ids: ids }));
      });
      card.querySelector('[data-f="department"]').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const name = bind(ev.currentTarget, 'dep').value;
        act(() => api('POST', '/support/inboxes/' + id + '/departments', { name }));
      });
      card.querySelector('[data-a="copy"]').addEventListener('click', () => {
        const sn = card.querySelector('[data-f="snippet"]');
        sn.select();
        if (navigator.clipboard) navigator.clipboard.writeText(sn.value).catch(() => {});
        say(T('Copied'), true);
      });
      card.querySelector('[data-a="secret"]').addEventListener('click', async () => {
        if (!confirm(T('RotateConfirm'))) return;
        try {
          const r = await api('POST', '/support/inboxes/' + id + '/secret');
          const p = card.querySelector('[data-f="secret"]');
          p.hidden = false;
          p.textContent = T('Secret') + ' ' + r.identity_secret;
        } catch (e) { fail(e); }
      });
      card.querySelector('[data-a="delete"]').addEventListener('click', () => {
        if (!confirm(T('DeleteConfirm'))) return;
        act(() => api('DELETE', '/support/inboxes/' + id));
      });
      main.append(card);
    }
  }

  async function loadCanned() {
    const r = await api('GET', '/support/canned');
    const ul = document.getElementById('sup-canned-list');
    ul.replaceChildren();
    for (const c of r.canned) {
      const li = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = '/' + c.shortcut;
      li.append(code, ' ' + (c.title || '') + ' — ' + c.body + ' ');
      const scope = document.createElement('span');
      scope.className = 'badge';
      scope.textContent = c.scope;
      li.append(scope, ' ');
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'btn btn-sm';
      del.textContent = '×';
      del.setAttribute('aria-label', T('Remove') + ' /' + c.shortcut);
      del.addEventListener('click', () => act(() => api('DELETE', '/support/canned/' + c.id)));
      li.append(del);
      ul.append(li);
    }
  }

  async function load() {
    const [inboxes, users] = await Promise.all([api('GET', '/support/inboxes'), people.length ? null : api('GET', '/users?limit=500')]);
    if (users) people = users.users || [];
    render(inboxes.inboxes);
    await loadCanned();
  }

  document.getElementById('sup-create').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = document.getElementById('sup-create-name').value;
    act(async () => {
      await api('POST', '/support/inboxes', { name });
      ev.target.reset();
    });
  });
  document.getElementById('sup-canned-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    const body = { shortcut: f.shortcut.value, title: f.title.value, body: f.body.value, scope: f.scope.value };
    act(async () => { await api('POST', '/support/canned', body); f.reset(); });
  });
  load().catch(fail);
})();
