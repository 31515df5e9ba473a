// The knowledge base (/support/faq): the bot's figures, the questions it
// could not answer (answered in two clicks), a test box, and the entries
// with inline editing, import and export — over api/faq.rs with the
// session cookie. Errors show the API's message and its problem detail.
(() => {
  'use strict';
  const host = document.querySelector('.kb-main');
  if (!host) return;
  const T = (k, vars) => {
    let s = host.dataset['t' + k] || '';
    for (const [n, v] of Object.entries(vars || {})) s = s.split('%' + n + '%').join(String(v));
    return s;
  };
  const $ = (id) => document.getElementById(id);
  const lang = document.documentElement.lang || 'en';
  const status = $('kb-status');
  let entries = [];
  let formSeq = 0;

  async function api(method, path, body, raw) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (raw !== undefined) {
      opts.headers['Content-Type'] = 'text/plain; charset=utf-8';
      opts.body = raw;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch('/api/v1' + path, opts);
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!r.ok) {
      const e = (data && data.error) || {};
      const err = new Error(e.message || r.statusText);
      err.field = e.field;
      err.detail = e.detail;
      throw err;
    }
    return data;
  }

  function problemOf(e) {
    const d = e.detail || {};
    return d.problem || (d.entry ? d.entry + (e.field ? ' · ' + e.field : '') : '');
  }
  function say(text, ok) {
    status.hidden = false;
    status.className = 'alert ' + (ok ? 'alert-success' : 'alert-error');
    status.setAttribute('role', ok ? 'status' : 'alert');
    status.textContent = text;
  }
  function fail(e) {
    const p = problemOf(e);
    say(e.message + (p ? ' — ' + p : ''), false);
  }
  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function button(text, cls, onClick, label) {
    const b = el('button', 'btn btn-sm' + (cls ? ' ' + cls : ''), text);
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    b.addEventListener('click', onClick);
    return b;
  }
  // A form from a <template>: ids made unique, labels pointed at their controls.
  function formFrom(tplId) {
    const f = $(tplId).content.firstElementChild.cloneNode(true);
    const prefix = 'kbf' + (++formSeq) + '-';
    f.querySelectorAll('[data-n]').forEach((c) => { c.id = prefix + c.dataset.n; c.name = c.dataset.n; });
    f.querySelectorAll('label[data-for]').forEach((l) => { l.htmlFor = prefix + l.dataset.for; });
    return f;
  }
  const field = (f, n) => f.querySelector('[data-n="' + n + '"]');
  const pct = (x) => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(x || 0);
  const when = (ms) => new Date(ms).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });

  // A topic id from a question: transliterated, lower case, words joined by "_".
  const TRANSLIT = {
    а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
    н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch',
    ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  };
  function slug(text) {
    const s = [...text.toLowerCase()].map((c) => (c in TRANSLIT ? TRANSLIT[c] : c)).join('');
    return s.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').split('_').slice(0, 5).join('_').slice(0, 60) || 'topic';
  }

  // ---- Figures ----
  async function loadStats() {
    const s = await api('GET', '/faq/stats');
    host.querySelectorAll('[data-s]').forEach((d) => {
      const k = d.dataset.s;
      d.textContent = k.endsWith('_rate') ? pct(s[k]) : String(s[k] ?? 0);
    });
  }

  // ---- Unanswered questions ----
  function openPromote(li, u, mode, opener) {
    li.querySelectorAll('.kb-promote').forEach((f) => f.remove());
    const f = formFrom('kb-promote-tpl');
    const id = field(f, 'id');
    const answer = field(f, 'answer');
    if (mode === 'new') {
      id.value = slug(u.sample);
      answer.required = true;
      f.querySelector('label[for="' + id.id + '"]').textContent = T('TopicId');
    } else {
      id.setAttribute('list', 'kb-ids-' + (u.lang === 'en' ? 'en' : 'ru'));
      f.querySelector('label[for="' + id.id + '"]').textContent = T('ExistingTopic');
      f.querySelector('label[for="' + answer.id + '"]').textContent = T('AnswerKeep');
      f.querySelectorAll('[data-only="new"]').forEach((n) => n.remove());
    }
    const close = () => { f.remove(); opener.setAttribute('aria-expanded', 'false'); opener.focus(); };
    f.querySelector('[data-a="cancel"]').addEventListener('click', close);
    f.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const cat = field(f, 'category');
      const body = { id: id.value.trim(), answer: answer.value, category: cat ? cat.value.trim() : '' };
      try {
        await api('POST', '/faq/unanswered/' + u.id + '/promote', body);
        say(T('Promoted'), true);
        await Promise.all([loadUnanswered(), loadEntries(), loadStats()]);
        $('kb-un-title').focus();
      } catch (e) { fail(e); }
    });
    li.append(f);
    opener.setAttribute('aria-expanded', 'true');
    (mode === 'new' ? answer : id).focus();
  }

  async function loadUnanswered() {
    const r = await api('GET', '/faq/unanswered');
    const ul = $('kb-unanswered');
    ul.replaceChildren();
    if (!r.unanswered.length) {
      ul.append(el('li', 'muted kb-empty', T('None')));
      return;
    }
    for (const u of r.unanswered) {
      const li = el('li', 'kb-un');
      const head = el('div', 'kb-un-head');
      const q = el('p', 'kb-un-q', u.sample);
      q.lang = u.lang;
      const meta = el('p', 'kb-un-meta muted');
      const badge = el('span', 'badge kb-lang', u.lang);
      const count = el('span', 'kb-un-count');
      count.append(T('Times') + ' ', el('strong', '', String(u.count)));
      meta.append(badge, ' ', count, ' · ', T('Last') + ' ' + when(u.last_at));
      const actions = el('div', 'kb-actions');
      const a1 = button(T('Answer'), 'btn-primary', () => openPromote(li, u, 'new', a1));
      const a2 = button(T('AddTo'), '', () => openPromote(li, u, 'existing', a2));
      const a3 = button(T('Dismiss'), '', async () => {
        try {
          await api('POST', '/faq/unanswered/' + u.id + '/dismiss');
          say(T('Dismissed'), true);
          await loadUnanswered();
          $('kb-un-title').focus();
        } catch (e) { fail(e); }
      }, T('Dismiss') + ': ' + u.sample);
      a1.setAttribute('aria-expanded', 'false');
      a2.setAttribute('aria-expanded', 'false');
      actions.append(a1, a2, a3);
      const text = el('div', 'kb-un-text');
      text.append(q, meta);
      head.append(text, actions);
      li.append(head);
      ul.append(li);
    }
  }

  // ---- Try a question ----
  $('kb-try').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    const out = $('kb-try-out');
    const params = new URLSearchParams({ q: f.q.value });
    if (f.lang.value) params.set('lang', f.lang.value);
    try {
      const r = await api('GET', '/faq/ask?' + params);
      out.replaceChildren();
      out.hidden = false;
      out.className = 'kb-try-out kb-try-' + r.action;
      if (r.action === 'answer') {
        out.append(el('p', 'kb-try-head', T('WouldAnswer', { id: r.entry, lang: r.lang, pct: pct(r.confidence) })));
        out.append(el('div', 'kb-answer', r.answer));
      } else if (r.action === 'suggest') {
        out.append(el('p', 'kb-try-head', T('WouldSuggest')));
        const ol = el('ol', 'kb-try-list');
        for (const a of r.alternatives) {
          const li = el('li');
          li.append(el('code', '', a.entry), ' ' + (a.question || '') + ' ', el('span', 'muted', '(' + pct(a.score) + ')'));
          ol.append(li);
        }
        out.append(ol);
      } else {
        const reason = { human_requested: 'ReasonHuman', low_confidence: 'ReasonLow', empty: 'ReasonEmpty' }[r.reason];
        out.append(el('p', 'kb-try-head', T('WouldHandover') + ' ' + (reason ? T(reason) : r.reason)));
      }
    } catch (e) { fail(e); }
  });

  // ---- Entries ----
  function entryForm(e, onDone) {
    const f = formFrom('kb-entry-form-tpl');
    if (e) {
      field(f, 'id').value = e.id;
      field(f, 'lang').value = e.lang;
      field(f, 'status').value = e.status;
      field(f, 'category').value = e.category || '';
      field(f, 'questions').value = (e.questions || []).join('\n');
      field(f, 'answer').value = e.answer;
    } else {
      field(f, 'lang').value = lang === 'en' ? 'en' : 'ru';
    }
    f.querySelector('[data-a="cancel"]').addEventListener('click', () => onDone(false));
    f.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') onDone(false); });
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const next = {
        id: field(f, 'id').value.trim(),
        lang: field(f, 'lang').value,
        status: field(f, 'status').value,
        category: field(f, 'category').value.trim(),
        questions: field(f, 'questions').value.split('\n').map((s) => s.trim()).filter(Boolean),
        answer: field(f, 'answer').value,
      };
      try {
        await api('POST', '/faq/entries', [next]);
        // A changed id or language is a move: the old entry goes.
        if (e && (e.id !== next.id || e.lang !== next.lang)) {
          await api('DELETE', '/faq/entries/' + encodeURIComponent(e.id) + '?lang=' + encodeURIComponent(e.lang));
        }
        say(T('Saved'), true);
        onDone(true);
        await loadEntries();
      } catch (err) { fail(err); }
    });
    return f;
  }

  function entryView(e) {
    const art = el('article', 'kb-entry');
    art.dataset.text = [e.id, e.category, e.answer, ...(e.questions || [])].join('\n').toLowerCase();
    const head = el('div', 'kb-entry-head');
    const title = el('h4', 'kb-entry-id');
    title.append(el('code', '', e.id));
    const badges = el('span', 'kb-badges');
    badges.append(el('span', 'badge kb-lang', e.lang));
    badges.append(el('span', 'badge ' + (e.status === 'draft' ? 'kb-draft' : 'kb-published'), e.status === 'draft' ? T('Draft') : T('Published')));
    const actions = el('div', 'kb-actions');
    const name = e.id + ' (' + e.lang + ')';
    const edit = button(T('Edit'), '', () => {
      const f = entryForm(e, () => { f.remove(); art.hidden = false; edit.focus(); });
      art.hidden = true;
      art.after(f);
      field(f, 'questions').focus();
    }, T('Edit') + ' ' + name);
    const del = button(T('Delete'), 'btn-danger-text', async () => {
      if (!confirm(T('DeleteConfirm', { id: e.id, lang: e.lang }))) return;
      try {
        await api('DELETE', '/faq/entries/' + encodeURIComponent(e.id) + '?lang=' + encodeURIComponent(e.lang));
        say(T('Deleted'), true);
        await loadEntries();
      } catch (err) { fail(err); }
    }, T('Delete') + ' ' + name);
    actions.append(edit, del);
    head.append(title, badges, actions);
    const qs = el('ul', 'kb-phrasings');
    qs.lang = e.lang;
    for (const q of e.questions || []) qs.append(el('li', '', q));
    const ans = el('div', 'kb-answer', e.answer);
    ans.lang = e.lang;
    art.append(head, qs, ans);
    return art;
  }

  function fillDatalists() {
    for (const l of ['ru', 'en']) {
      const dl = $('kb-ids-' + l);
      dl.replaceChildren(...[...new Set(entries.filter((e) => e.lang === l).map((e) => e.id))].sort().map((id) => {
        const o = document.createElement('option');
        o.value = id;
        return o;
      }));
    }
    $('kb-categories').replaceChildren(...[...new Set(entries.map((e) => e.category).filter(Boolean))].sort().map((c) => {
      const o = document.createElement('option');
      o.value = c;
      return o;
    }));
  }

  function renderEntries() {
    const box = $('kb-entries');
    box.replaceChildren();
    if (!entries.length) {
      box.append(el('p', 'muted kb-empty', T('EntriesNone')));
      applyFilter();
      return;
    }
    const groups = new Map();
    for (const e of entries) {
      const c = e.category || '';
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c).push(e);
    }
    const cats = [...groups.keys()].sort((a, b) => (a === '') - (b === '') || a.localeCompare(b, lang));
    let n = 0;
    for (const c of cats) {
      const sec = el('section', 'kb-group');
      const hid = 'kb-cat-' + (++n);
      sec.setAttribute('aria-labelledby', hid);
      const h = el('h3', 'kb-group-title', c || T('NoCategory'));
      h.id = hid;
      sec.append(h);
      const list = groups.get(c).sort((a, b) => a.id.localeCompare(b.id) || a.lang.localeCompare(b.lang));
      for (const e of list) sec.append(entryView(e));
      box.append(sec);
    }
    applyFilter();
  }

  function applyFilter() {
    const q = $('kb-filter').value.trim().toLowerCase();
    let shown = 0;
    const box = $('kb-entries');
    box.querySelectorAll('.kb-group').forEach((g) => {
      let any = false;
      g.querySelectorAll('.kb-entry').forEach((a) => {
        const ok = !q || a.dataset.text.includes(q);
        a.classList.toggle('kb-filtered', !ok);
        if (ok) { any = true; shown++; }
      });
      g.hidden = !any;
    });
    let none = box.querySelector('.kb-no-match');
    if (entries.length && !shown) {
      if (!none) { none = el('p', 'muted kb-no-match', T('NoMatch')); box.append(none); }
    } else if (none) none.remove();
    $('kb-count').textContent = entries.length ? T('Count', { n: q ? shown + ' / ' + entries.length : entries.length }) : '';
  }
  $('kb-filter').addEventListener('input', applyFilter);

  async function loadEntries() {
    const r = await api('GET', '/faq/entries');
    entries = r.entries || [];
    fillDatalists();
    renderEntries();
  }

  const newBtn = $('kb-new');
  newBtn.addEventListener('click', () => {
    const slot = $('kb-new-slot');
    if (slot.firstElementChild) { field(slot.firstElementChild, 'id').focus(); return; }
    const f = entryForm(null, () => { f.remove(); newBtn.setAttribute('aria-expanded', 'false'); newBtn.focus(); });
    slot.append(f);
    newBtn.setAttribute('aria-expanded', 'true');
    field(f, 'id').focus();
  });

  // ---- Import ----
  $('kb-import').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const out = $('kb-import-out');
    out.hidden = true;
    const file = $('kb-file').files[0];
    const show = (lines) => {
      out.replaceChildren(...lines.map((t, i) => el(i ? 'p' : 'strong', i > 1 ? 'kb-problem' : 'kb-problem-text', t)));
      out.hidden = false;
    };
    if (!file) { show([T('NoFile')]); return; }
    const ext = file.name.toLowerCase().split('.').pop();
    if (ext !== 'json' && ext !== 'csv') { show([T('BadType')]); return; }
    try {
      const text = await file.text();
      const r = await api('POST', '/faq/import?format=' + ext, undefined, text);
      say(T('Imported', { n: r.saved }), true);
      form.reset();
      await Promise.all([loadEntries(), loadUnanswered()]);
    } catch (e) {
      const p = problemOf(e);
      show([T('ImportFailed'), e.message, ...(p ? [T('Problem') + ' ' + p] : [])]);
      out.focus();
    }
  });

  $('kb-file').addEventListener('change', () => { $('kb-import-out').hidden = true; });

  Promise.all([loadStats(), loadUnanswered(), loadEntries()]).catch(fail);
})();
