// Integrations (/admin/integrations): bot accounts, their tokens, their
// webhooks and each webhook's delivery log — over the JSON API with the
// session cookie (same-origin requests, so the API's Origin check passes).
// Secrets (tokens, signing secrets) arrive once, are shown once, and are
// never kept: the box that shows one is the only place it lives.
(() => {
  'use strict';
  const list = document.getElementById('int-bots');
  if (!list) return;
  const TEXT = JSON.parse(document.getElementById('int-text').textContent);
  const T = (k, vars) => {
    let s = TEXT[k] || k;
    for (const [n, v] of Object.entries(vars || {})) s = s.split('{' + n + '}').join(v);
    return s;
  };
  const lang = document.documentElement.lang || 'en';
  const status = document.getElementById('int-status');
  const PAGE = 25;
  let uid = 0;

  async function api(method, path, body) {
    const r = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!r.ok) {
      const e = (data && data.error) || {};
      const err = new Error(e.message || r.status + ' ' + r.statusText);
      err.field = e.field;
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
  const fail = (e) => say(e.message, false);

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function button(text, cls, onClick) {
    const b = el('button', 'btn btn-sm' + (cls ? ' ' + cls : ''), text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  function when(iso, seconds) {
    if (!iso) return el('span', 'muted', '—');
    const d = new Date(iso);
    const t = el('time', null, d.toLocaleString(lang, seconds
      ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }));
    t.dateTime = iso;
    t.title = d.toLocaleString(lang);
    return t;
  }
  function badge(text, kind) { return el('span', 'badge int-badge int-b-' + kind, text); }
  const clone = (id) => document.getElementById(id).content.firstElementChild.cloneNode(true);
  const f = (root, name) => root.querySelector('[data-f="' + name + '"]');
  const n = (root, name) => root.querySelector('[data-n="' + name + '"]');

  // Labels and hints point at their controls: ids made unique per copy.
  function wire(root) {
    const p = 'int' + (++uid) + '-';
    root.querySelectorAll('[data-n]').forEach((c) => { c.id = p + c.dataset.n; });
    root.querySelectorAll('label[data-for]').forEach((l) => { l.htmlFor = p + l.dataset.for; });
    root.querySelectorAll('[data-id]').forEach((h) => { h.id = p + h.dataset.id; });
    root.querySelectorAll('[data-describe]').forEach((c) => c.setAttribute('aria-describedby', p + c.dataset.describe));
    return p;
  }

  async function copy(text, input) {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; }
    } catch (_) { ok = false; }
    if (!ok && input) {
      input.focus();
      input.select();
      try { ok = document.execCommand('copy'); } catch (_) { ok = false; }
    }
    say(ok ? T('copied') : T('copy-failed'), ok);
  }

  // A secret shown once: the value, a copy button, the warning, and "done"
  // which forgets it.
  function showSecret(slot, title, value, warning) {
    slot.replaceChildren();
    const box = el('div', 'int-secret');
    box.setAttribute('role', 'group');
    const id = 'int' + (++uid) + '-secret';
    const h = el('p', 'int-secret-title', title);
    h.id = id + '-t';
    box.setAttribute('aria-labelledby', h.id);
    const warn = el('p', 'int-secret-warn', warning);
    const row = el('div', 'int-secret-row');
    const input = el('input', 'copy-field int-secret-value');
    input.readOnly = true;
    input.value = value;
    input.id = id;
    input.spellcheck = false;
    input.setAttribute('aria-labelledby', h.id);
    input.setAttribute('aria-describedby', id + '-w');
    warn.id = id + '-w';
    row.append(input, button(T('copy'), 'btn-primary', () => copy(value, input)));
    const done = button(T('secret-done'), '', () => {
      input.value = '';
      slot.replaceChildren();
    });
    box.append(h, warn, row, done);
    slot.append(box);
    input.focus();
    input.select();
  }

  function scopesFrom(fieldset) {
    return [...fieldset.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
  }

  // ---------------------------------------------------------------- bots

  async function load() {
    const [bots, hooks] = await Promise.all([api('GET', '/admin/bots'), api('GET', '/webhooks')]);
    list.replaceChildren();
    list.removeAttribute('aria-busy');
    if (!bots.bots.length) {
      const empty = el('div', 'card int-none');
      empty.append(el('p', null, T('no-bots')));
      const go = el('a', 'btn btn-primary btn-sm', T('create-first'));
      go.href = '#int-new-title';
      go.addEventListener('click', () => setTimeout(() => document.getElementById('int-bot-username').focus(), 0));
      empty.append(go);
      list.append(empty);
      return;
    }
    for (const b of bots.bots) {
      list.append(botCard(b, hooks.webhooks.filter((h) => h.bot_id === b.user.id)));
    }
  }

  function botCard(b, hooks) {
    const card = clone('int-bot-tpl');
    const u = b.user;
    wire(card);
    card.id = 'bot-' + u.id;
    card.setAttribute('aria-label', u.display_name);
    const av = f(card, 'avatar');
    av.textContent = (u.display_name || u.username).slice(0, 1).toUpperCase();
    av.style.background = u.avatar_color;
    f(card, 'name').textContent = u.display_name;
    f(card, 'username').textContent = '@' + u.username;
    f(card, 'id').textContent = 'id ' + u.id;
    const active = u.status === 'active';
    const st = f(card, 'status');
    st.textContent = active ? T('active') : T('deactivated');
    st.classList.add(active ? 'badge-active' : 'badge-deactivated');
    const sb = card.querySelector('[data-a="status"]');
    sb.textContent = active ? T('deactivate') : T('reactivate');
    sb.addEventListener('click', async () => {
      if (active && !confirm(T('deactivate-confirm', { name: u.display_name }))) return;
      try {
        await api('POST', '/admin/users/' + u.id + (active ? '/deactivate' : '/reactivate'));
        say(active ? T('deactivated-done') : T('reactivated-done'), true);
        await load();
        const again = document.getElementById('bot-' + u.id);
        if (again) again.querySelector('[data-a="status"]').focus();
      } catch (e) { fail(e); }
    });

    const agent = f(card, 'agent');
    if (b.agent_bot_of.length) {
      agent.append(el('span', 'int-agent-label', T('agent-of') + ' '));
      b.agent_bot_of.forEach((i, k) => {
        if (k) agent.append(', ');
        agent.append(el('strong', null, i.name));
      });
      agent.append(' · ');
    } else {
      agent.append(el('span', 'muted', T('agent-none') + ' '));
    }
    const a = el('a', null, T('agent-where'));
    a.href = '/support/settings';
    agent.append(a);

    renderTokens(card, u.id, b.tokens);
    const tf = f(card, 'token-form');
    tf.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const days = n(tf, 'tdays').value.trim();
      const body = { name: n(tf, 'tname').value, scopes: scopesFrom(tf), expires_in_days: days ? Number(days) : null };
      try {
        const r = await api('POST', '/admin/bots/' + u.id + '/tokens', body);
        tf.reset();
        f(card, 'token-details').open = false;
        showSecret(f(card, 'token-secret'), T('token-title', { name: r.token.name }), r.secret, T('token-warning'));
        const t = await api('GET', '/admin/bots/' + u.id + '/tokens');
        renderTokens(card, u.id, t.tokens);
      } catch (e) { fail(e); }
    });

    const ul = f(card, 'hooks');
    for (const h of hooks) ul.append(hookItem(h, card));
    f(card, 'no-hooks').hidden = hooks.length > 0;
    const form = hookForm(null, async (body) => {
      const r = await api('POST', '/webhooks', Object.assign({ bot_id: u.id }, body));
      form.reset();
      f(card, 'hook-details').open = false;
      ul.append(hookItem(r.webhook, card));
      f(card, 'no-hooks').hidden = true;
      showSecret(f(card, 'hook-secret'), T('hook-secret-title', { name: r.webhook.name }), r.secret, T('hook-secret-warning'));
    });
    f(card, 'hook-form-slot').append(form);
    return card;
  }

  function renderTokens(card, botId, tokens) {
    const tb = f(card, 'tokens');
    tb.replaceChildren();
    if (!tokens.length) {
      const tr = el('tr');
      const td = el('td', 'muted', T('no-tokens'));
      td.colSpan = 6;
      tr.append(td);
      tb.append(tr);
      return;
    }
    const now = Date.now();
    for (const t of tokens) {
      const tr = el('tr');
      const expired = t.expires_at && new Date(t.expires_at).getTime() <= now;
      if (t.revoked || expired) tr.className = 'int-past';
      const name = el('td');
      name.append(el('strong', null, t.name));
      const scopes = el('td', 'int-chips');
      for (const s of t.scopes) scopes.append(el('code', null, s));
      const lastUsed = el('td');
      lastUsed.append(t.last_used_at ? when(t.last_used_at) : el('span', 'muted', T('never-used')));
      const exp = el('td');
      exp.append(t.expires_at ? when(t.expires_at) : el('span', 'muted', T('never')));
      const act = el('td', 'int-row-actions');
      if (t.revoked) act.append(badge(T('revoked'), 'failed'));
      else if (expired) act.append(badge(T('expired'), 'failed'));
      else {
        const b = button(T('revoke'), 'btn-danger', async () => {
          if (!confirm(T('revoke-confirm', { name: t.name }))) return;
          try {
            await api('DELETE', '/admin/bots/' + botId + '/tokens/' + t.id);
            say(T('revoked-done'), true);
            const r = await api('GET', '/admin/bots/' + botId + '/tokens');
            renderTokens(card, botId, r.tokens);
          } catch (e) { fail(e); }
        });
        b.setAttribute('aria-label', T('revoke') + ': ' + t.name);
        act.append(b);
      }
      const created = el('td');
      created.append(when(t.created_at));
      tr.append(name, scopes, created, lastUsed, exp, act);
      // Column names for the phone layout, where each row is a block.
      [...tr.children].forEach((td, i) => { td.dataset.label = card.querySelectorAll('.int-tokens thead th')[i].textContent; });
      tb.append(tr);
    }
  }

  // ------------------------------------------------------------ webhooks

  // The create/edit form: name, URL, events.
  function hookForm(hook, submit) {
    const form = clone('int-hook-form-tpl');
    wire(form);
    const sub = f(form, 'submit');
    sub.textContent = hook ? T('save') : T('create-webhook');
    if (hook) {
      n(form, 'hname').value = hook.name;
      n(form, 'hurl').value = hook.url;
      form.querySelectorAll('.int-events input').forEach((c) => { c.checked = hook.events.includes(c.value); });
    }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const events = scopesFrom(form.querySelector('.int-events'));
      sub.disabled = true;
      try {
        await submit({ name: n(form, 'hname').value, url: n(form, 'hurl').value.trim(), events });
      } catch (e) {
        fail(e);
        const bad = { name: 'hname', url: 'hurl' }[e.field];
        if (bad) n(form, bad).focus();
      } finally { sub.disabled = false; }
    });
    return form;
  }

  function hookItem(h, card) {
    const li = clone('int-hook-tpl');
    wire(li);
    li.id = 'hook-' + h.id;
    const log = { status: '', last: null, rows: f(li, 'rows') };
    fillHook(li, h);

    const refreshHook = async () => {
      const fresh = await api('GET', '/webhooks/' + h.id);
      h = fresh;
      fillHook(li, h);
    };

    li.querySelector('[data-a="ping"]').addEventListener('click', async () => {
      try {
        const r = await api('POST', '/webhooks/' + h.id + '/ping');
        say(T('pinged', { id: r.delivery_id }), true);
        afterQueue();
      } catch (e) { fail(e); }
    });
    li.querySelector('[data-a="active"]').addEventListener('click', async (ev) => {
      const btn = ev.currentTarget;
      try {
        h = await api('PATCH', '/webhooks/' + h.id, { active: !h.active });
        fillHook(li, h);
        say(h.active ? T('resumed') : T('paused'), true);
        btn.focus();
      } catch (e) { fail(e); }
    });
    li.querySelector('[data-a="secret"]').addEventListener('click', async () => {
      if (!confirm(T('rotate-confirm'))) return;
      try {
        const r = await api('POST', '/webhooks/' + h.id + '/secret');
        showSecret(f(li, 'secret'), T('hook-secret-title', { name: h.name }), r.secret, T('rotate-warning'));
      } catch (e) { fail(e); }
    });
    li.querySelector('[data-a="delete"]').addEventListener('click', async () => {
      if (!confirm(T('delete-confirm', { name: h.name }))) return;
      try {
        await api('DELETE', '/webhooks/' + h.id);
        const ul = li.parentElement;
        li.remove();
        f(card, 'no-hooks').hidden = ul.children.length > 0;
        say(T('deleted'), true);
        card.querySelector('[data-f="hook-details"] summary').focus();
      } catch (e) { fail(e); }
    });

    const editBtn = li.querySelector('[data-a="edit"]');
    const editBox = f(li, 'edit');
    editBox.id = 'int' + (++uid) + '-edit';
    editBtn.setAttribute('aria-controls', editBox.id);
    editBtn.addEventListener('click', () => {
      const open = editBox.hidden;
      editBox.hidden = !open;
      editBtn.setAttribute('aria-expanded', String(open));
      editBox.replaceChildren();
      if (!open) return;
      editBox.append(hookForm(h, async (body) => {
        h = await api('PATCH', '/webhooks/' + h.id, body);
        fillHook(li, h);
        editBox.hidden = true;
        editBox.replaceChildren();
        editBtn.setAttribute('aria-expanded', 'false');
        say(T('saved'), true);
        editBtn.focus();
      }));
      n(editBox, 'hname').focus();
    });

    // The delivery log.
    const logBtn = li.querySelector('[data-a="log"]');
    const logBox = f(li, 'log');
    logBox.id = 'int' + (++uid) + '-log';
    logBtn.setAttribute('aria-controls', logBox.id);
    const more = li.querySelector('[data-a="more"]');
    const filter = n(li, 'lstatus');

    async function loadLog(reset) {
      if (reset) log.last = null;
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (log.status) q.set('status', log.status);
      if (log.last) q.set('before_id', String(log.last));
      try {
        const r = await api('GET', '/webhooks/' + h.id + '/deliveries?' + q);
        if (reset) log.rows.replaceChildren();
        for (const d of r.deliveries) log.rows.append(...deliveryRows(d));
        if (r.deliveries.length) log.last = r.deliveries[r.deliveries.length - 1].id;
        more.hidden = r.deliveries.length < PAGE;
        f(li, 'log-empty').hidden = log.rows.children.length > 0;
        li.querySelector('.int-deliveries').hidden = log.rows.children.length === 0;
      } catch (e) { fail(e); }
    }
    let timers = [];
    function afterQueue() {
      // The sender picks it up within a moment: look again twice.
      timers.forEach(clearTimeout);
      timers = [1500, 6000].map((ms) => setTimeout(async () => {
        await refreshHook().catch(() => {});
        if (!logBox.hidden) await loadLog(true);
      }, ms));
    }
    logBtn.addEventListener('click', () => {
      const open = logBox.hidden;
      logBox.hidden = !open;
      logBtn.setAttribute('aria-expanded', String(open));
      if (open) loadLog(true);
    });
    filter.addEventListener('change', () => { log.status = filter.value; loadLog(true); });
    li.querySelector('[data-a="refresh"]').addEventListener('click', () => { refreshHook().catch(fail); loadLog(true); });
    more.addEventListener('click', () => loadLog(false));

    function deliveryRows(d) {
      const tr = el('tr', 'int-delivery');
      const ev = el('td');
      ev.append(el('code', null, d.event), ' ', el('span', 'muted int-id', '#' + d.id));
      const st = el('td');
      st.append(badge(T('st-' + d.status), d.status));
      if (d.status === 'pending' && d.next_attempt_at) {
        const next = el('div', 'muted int-next', T('next-try') + ' ');
        next.append(when(d.next_attempt_at, true));
        st.append(next);
      }
      const att = el('td', 'int-num', String(d.attempts));
      const res = el('td', 'int-result');
      if (d.last_status) res.append(el('span', d.last_status < 300 ? 'int-http-ok' : 'int-http-bad', 'HTTP ' + d.last_status));
      if (d.last_error && d.last_error !== 'HTTP ' + d.last_status) {
        const e = el('span', 'int-error', d.last_error);
        e.title = d.last_error;
        if (d.last_status) res.append(' ');
        res.append(e);
      }
      if (!d.last_status && !d.last_error) res.append(el('span', 'muted', '—'));
      const time = el('td');
      time.append(when(d.created_at, true));
      const act = el('td', 'int-row-actions');
      const detail = el('tr', 'int-detail');
      detail.hidden = true;
      const cell = el('td');
      cell.colSpan = 6;
      cell.id = 'int' + (++uid) + '-d';
      detail.append(cell);
      const more = button(T('details'), '', async () => {
        const open = detail.hidden;
        detail.hidden = !open;
        more.setAttribute('aria-expanded', String(open));
        if (open && !cell.dataset.loaded) {
          cell.replaceChildren(el('p', 'muted', T('loading')));
          try {
            fillDetail(cell, await api('GET', '/webhooks/' + h.id + '/deliveries/' + d.id));
            cell.dataset.loaded = '1';
          } catch (e) { cell.replaceChildren(el('p', 'form-error', e.message)); }
        }
      });
      more.setAttribute('aria-expanded', 'false');
      more.setAttribute('aria-controls', cell.id);
      more.setAttribute('aria-label', T('details') + ' #' + d.id);
      const again = button(T('redeliver'), '', async () => {
        try {
          const fresh = await api('POST', '/webhooks/' + h.id + '/deliveries/' + d.id + '/redeliver');
          say(T('redelivered', { id: d.id }), true);
          const [row, det] = deliveryRows(fresh);
          tr.replaceWith(row);
          detail.replaceWith(det);
          row.querySelector('button').focus();
          afterQueue();
        } catch (e) { fail(e); }
      });
      again.setAttribute('aria-label', T('redeliver') + ' #' + d.id);
      act.append(more, ' ', again);
      tr.append(ev, st, att, res, time, act);
      const heads = li.querySelectorAll('.int-deliveries thead th');
      [...tr.children].forEach((td, i) => { td.dataset.label = heads[i].textContent; });
      return [tr, detail];
    }
    return li;
  }

  function fillHook(li, h) {
    f(li, 'name').textContent = h.name;
    const state = f(li, 'state');
    const gone = !h.active && h.disabled_reason;
    state.className = 'badge int-badge ' + (h.active ? 'int-b-delivered' : gone ? 'int-b-failed' : 'int-b-paused');
    state.textContent = h.active ? T('active') : gone ? T('switched-off') : T('paused-state');
    const off = f(li, 'off');
    off.hidden = !gone;
    off.textContent = gone ? (h.disabled_reason === 'gone' ? T('off-gone') : T('off-other', { reason: h.disabled_reason })) : '';
    f(li, 'url').textContent = h.url;
    const evs = f(li, 'events');
    evs.replaceChildren();
    for (const e of h.events) evs.append(el('code', null, e));
    const counts = f(li, 'counts');
    counts.replaceChildren();
    for (const s of ['pending', 'delivered', 'failed']) {
      const c = (h.deliveries && h.deliveries[s]) || 0;
      const span = el('span', 'int-count int-c-' + s + (c ? '' : ' int-zero'));
      span.append(el('b', null, String(c)), ' ' + T('count-' + s));
      counts.append(span);
    }
    li.querySelector('[data-a="active"]').textContent = h.active ? T('pause') : T('resume');
  }

  function fillDetail(cell, r) {
    cell.replaceChildren();
    const grid = el('div', 'int-detail-grid');
    const left = el('div');
    left.append(el('h6', 'int-detail-title', T('body-sent')));
    const pre = el('pre', 'int-code int-body', JSON.stringify(r.body, null, 2));
    pre.tabIndex = 0;
    pre.setAttribute('aria-label', T('body-sent') + ' #' + r.delivery.id);
    left.append(pre);
    const right = el('div');
    right.append(el('h6', 'int-detail-title', T('attempts-title')));
    if (!r.attempts.length) right.append(el('p', 'muted', T('no-attempts')));
    const ol = el('ol', 'int-attempts');
    for (const a of r.attempts) {
      const li = el('li', 'int-attempt');
      const head = el('div', 'int-attempt-head');
      head.append(el('b', null, '#' + a.attempt), ' ', when(a.at, true), ' ', el('span', 'muted', a.duration_ms + ' ms'), ' ');
      if (a.status_code) head.append(el('span', a.status_code < 300 ? 'int-http-ok' : 'int-http-bad', 'HTTP ' + a.status_code));
      else head.append(el('span', 'int-http-bad', T('no-answer')));
      li.append(head);
      if (a.error && a.error !== 'HTTP ' + a.status_code) li.append(el('p', 'int-error', a.error));
      if (a.response) {
        const resp = el('pre', 'int-code int-response', a.response);
        resp.setAttribute('aria-label', T('response') + ' #' + a.attempt);
        resp.tabIndex = 0;
        li.append(el('div', 'muted int-small', T('response')), resp);
      }
      ol.append(li);
    }
    right.append(ol);
    grid.append(left, right);
    cell.append(grid);
  }

  // ------------------------------------------------------------ new bot

  const botForm = document.getElementById('int-bot-form');
  botForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      username: botForm.username.value.trim(),
      display_name: botForm.display_name.value.trim() || null,
      scopes: scopesFrom(botForm),
    };
    try {
      const r = await api('POST', '/admin/bots', body);
      botForm.reset();
      await load();
      showSecret(document.getElementById('int-bot-secret'), T('bot-token-title', { name: r.user.username }), r.token.secret,
        T('token-warning'));
    } catch (e) {
      fail(e);
      if (e.field === 'username') botForm.username.focus();
    }
  });

  document.querySelectorAll('[data-copy-from]').forEach((b) => {
    b.addEventListener('click', () => copy(document.getElementById(b.dataset.copyFrom).textContent));
  });

  load().catch((e) => { list.removeAttribute('aria-busy'); list.replaceChildren(); fail(e); });
})();
