// Browser test: the support desk end to end, a visitor on a website and staff in /inbox.
// An admin sets up an inbox, its operators and a saved reply over the API; an operator goes
// online in /inbox; a visitor opens the widget on the demo shop, fills the pre-chat form and
// writes; routing gives the conversation to the operator, who answers with a saved reply
// (`/` completion, the visitor's first name filled in by the server) and transfers it with a
// comment to a second operator; the second asks for help; a supervisor gets the call, joins and
// whispers a note; the visitor sees neither note nor comment; resolved, the visitor rates it.
// Screenshots (desktop and phone, ru and en) go to e2e/artifacts/.
// Usage: node support.test.mjs [path/to/steward]

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] || join(process.env.CARGO_TARGET_DIR || join(here, '..', 'target'), 'debug', 'steward');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'steward-e2e-support-'));
const env = { ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '', STEWARD_LOG: 'warn' };
const base = `http://127.0.0.1:${port}`;
const addUser = (username, role, name, locale) => {
  const out = execFileSync(bin,
    ['user', 'add', '--username', username, '--role', role, '--display-name', name, '--locale', locale, '--password-stdin'],
    { env, input: 'correct-horse-1\n' }).toString();
  const m = out.match(/with id (\d+)/);
  assert.ok(m, `user add printed its id: ${out}`);
  return Number(m[1]);
};

// A fresh install prints a one-time link to create the owner (and #general).
const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const setupLink = new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d.toString();
    const m = out.match(/https?:\/\/\S+\/setup\/\S+/);
    if (m) resolve(m[0]);
  });
  setTimeout(() => reject(new Error(`no setup link printed; output was: ${out}`)), 20000);
});
const stop = () => { server.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); };

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

/** The test's own HTTP calls, as the admin (bearer token). */
let adminToken = null;
async function call(method, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(adminToken ? { Authorization: `Bearer ${adminToken}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

let failed = false;
const watch = (page, who) => {
  page.on('pageerror', (e) => { console.error(`[${who}] page error:`, e.message); failed = true; });
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 4')) console.error(`[${who}] console:`, m.text()); });
};
const shot = (page, name, fullPage = false) => page.screenshot({ path: join(artifacts, name), fullPage });

try {
  await waitForServer();
  const owner = await (await browser.newContext()).newPage();
  await owner.goto(await setupLink);
  await owner.fill('input[name=username]', 'owner');
  await owner.fill('input[name=display_name]', 'Owner');
  await owner.fill('input[name=password]', 'correct-horse-1');
  await owner.press('input[name=password]', 'Enter');
  await owner.waitForURL(/\/r\/\d+/);
  await owner.context().close();
  const olga = addUser('olga', 'operator', 'Ольга Операторова', 'ru');
  const oleg = addUser('oleg', 'operator', 'Oleg Second', 'en');
  addUser('sveta', 'supervisor', 'Светлана Старшая', 'ru');
  addUser('ivan', 'member', 'Иван Участник', 'ru');

  // The admin sets up an inbox with a pre-chat form, its operators and a saved reply.
  adminToken = (await call('POST', '/auth/login', { username: 'owner', password: 'correct-horse-1' })).token;
  const { inbox } = await call('POST', '/support/inboxes', {
    name: 'Чайная лавка',
    settings: {
      greeting: 'Здравствуйте! Мы отвечаем за пару минут.',
      routing: 'least_loaded',
      csat: true,
      prechat: [
        { name: 'name', label: { ru: 'Как вас зовут?', en: 'Your name' }, kind: 'text', required: true },
        { name: 'email', label: { ru: 'Эл. почта', en: 'E-mail' }, kind: 'email', required: true },
      ],
    },
  });
  await call('PUT', `/support/inboxes/${inbox.id}/members`, { user_ids: [olga, oleg] });
  await call('POST', '/support/canned', {
    shortcut: 'hello', title: 'Приветствие', scope: 'global',
    body: 'Здравствуйте, {{contact.first_name}}! Сейчас всё проверю.',
  });

  const login = async (username, { viewport = { width: 1280, height: 800 }, locale = 'ru-RU' } = {}) => {
    const ctx = await browser.newContext({ viewport, locale });
    const page = await ctx.newPage();
    watch(page, username);
    await page.goto(`${base}/`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', 'correct-horse-1');
    await page.press('#login-password', 'Enter');
    await page.waitForURL(/\/r\/\d+/);
    return page;
  };

  // Members have no inbox link and are refused the page.
  const ivan = await login('ivan');
  assert.equal(await ivan.locator('#nav-inbox').count(), 0, 'members have no inbox link');
  assert.equal((await ivan.goto(`${base}/inbox`)).status(), 403, 'members are refused /inbox');
  await ivan.context().close();

  // Olga opens the inbox from the chat's sidebar and goes online.
  const olgaPage = await login('olga');
  await olgaPage.click('#nav-inbox');
  await olgaPage.waitForURL(/\/inbox/);
  await olgaPage.waitForSelector('#ib-list-loading', { state: 'hidden' });
  await olgaPage.click('label[for="ib-av-online"]');
  await olgaPage.waitForFunction(() => document.querySelector('#ib-av-online').checked && document.querySelector('#ib-load').textContent.trim() !== '');
  await olgaPage.click('#ib-q-mine');

  // The visitor opens the widget on the demo shop, fills in the pre-chat form and writes.
  const visitorCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
  const visitor = await visitorCtx.newPage();
  watch(visitor, 'visitor');
  await visitor.goto(`${base}/widget/demo?inbox=${inbox.public_key}`);
  // The launcher lives in a closed shadow root: click where it is drawn, as a person would.
  await visitor.waitForFunction(() => document.querySelector('steward-widget'));
  const launcherAt = { x: 1280 - 20 - 28, y: 800 - 20 - 28 };
  assert.equal(await visitor.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.tagName, launcherAt), 'STEWARD-WIDGET', 'the launcher is at the corner');
  await visitor.mouse.click(launcherAt.x, launcherAt.y);
  let frame = null;
  for (let i = 0; i < 100 && !frame; i++) {
    frame = visitor.frames().find((f) => f.url().includes('/widget/frame'));
    if (!frame) await visitor.waitForTimeout(100);
  }
  assert.ok(frame, 'the chat frame opened');
  await frame.waitForSelector('[data-field="name"] input');
  await frame.fill('[data-field="name"] input', 'Анна Смирнова');
  await frame.fill('[data-field="email"] input', 'anna@example.com');
  await frame.fill('[data-field="body"] textarea', 'Здравствуйте, где мой заказ №1042?');
  await shot(visitor, 'widget-prechat-desktop-ru.png');
  await frame.click('form.w-form button[type="submit"]');
  await frame.waitForSelector('#w-input');
  await frame.waitForFunction(() => document.querySelector('.w-list')?.textContent.includes('№1042'));

  // Routing (least loaded) gives it to Olga, the only one online: it shows in Mine, live.
  const item = olgaPage.locator('.ib-item', { hasText: 'Анна Смирнова' });
  await item.waitFor({ timeout: 10000 });
  assert.ok(Number(await olgaPage.textContent('#ib-count-mine')) >= 1, 'Mine counts it');
  await item.click();
  await olgaPage.waitForFunction(() => document.querySelector('#ib-msg-items')?.textContent.includes('№1042'));
  assert.ok((await olgaPage.textContent('#ib-contact')).includes('anna@example.com'), 'the contact card shows the e-mail');

  // A saved reply through `/` completion: the server fills in the visitor's first name.
  await olgaPage.click('#ib-input');
  await olgaPage.keyboard.type('/hel');
  await olgaPage.waitForSelector('#ib-canned .ib-canned-item');
  await shot(olgaPage, 'inbox-canned-desktop-ru.png');
  await olgaPage.keyboard.press('Enter');
  assert.ok((await olgaPage.inputValue('#ib-input')).includes('{{contact.first_name}}'), 'the saved reply is in the composer');
  await olgaPage.keyboard.press('Enter');
  await olgaPage.waitForFunction(() => document.querySelector('#ib-msg-items')?.textContent.includes('Здравствуйте, Анна!'));
  await frame.waitForFunction(() => document.querySelector('.w-list')?.textContent.includes('Здравствуйте, Анна! Сейчас всё проверю.'), null, { timeout: 10000 });
  await shot(visitor, 'widget-chat-desktop-ru.png');
  await shot(olgaPage, 'inbox-desktop-ru.png');

  // Oleg (English) comes online; Olga transfers the conversation to him with a comment.
  const olegPage = await login('oleg', { locale: 'en-US' });
  await olegPage.goto(`${base}/inbox`);
  await olegPage.click('label[for="ib-av-online"]');
  await olegPage.waitForFunction(() => document.querySelector('#ib-av-online').checked && document.querySelector('#ib-load').textContent.trim() !== '');
  await olgaPage.click('#ib-actions [data-act="transfer"]');
  await olgaPage.waitForSelector('#dlg-transfer[open]');
  await olgaPage.selectOption('#tr-operator', String(oleg));
  await olgaPage.fill('#tr-comment', 'Клиент ждёт заказ 1042, проверь склад');
  await olgaPage.click('#form-transfer button[type="submit"]');
  await olgaPage.waitForSelector('#dlg-transfer', { state: 'hidden' });
  await olgaPage.waitForFunction(() => document.querySelector('#ib-msg-items')?.textContent.includes('проверь склад'));

  // Oleg finds it in Mine, with the comment as a note; he asks for help.
  await olegPage.click('#ib-q-mine');
  const olegItem = olegPage.locator('.ib-item', { hasText: 'Анна Смирнова' });
  await olegItem.waitFor({ timeout: 10000 });
  await olegItem.click();
  await olegPage.waitForSelector('#ib-msg-items .ib-msg-note');
  assert.ok((await olegPage.textContent('#ib-msg-items .ib-msg-note')).includes('проверь склад'), 'the transfer comment is a note');

  const svetaPage = await login('sveta');
  await svetaPage.goto(`${base}/inbox`);
  await svetaPage.waitForSelector('#ib-list-loading', { state: 'hidden' });
  await olegPage.click('#ib-actions [data-act="escalate"]');
  await olegPage.fill('#es-comment', 'Need a refund decision');
  await olegPage.waitForTimeout(250); // the dialog's entrance animation
  await shot(olegPage, 'inbox-escalate-desktop-en.png');
  await olegPage.click('#form-escalate button[type="submit"]');
  await olegPage.waitForSelector('#dlg-escalate', { state: 'hidden' });

  // The supervisor is told at once, opens it, joins and whispers a note.
  const call_ = svetaPage.locator('.toast', { hasText: 'Oleg Second' });
  await call_.waitFor({ timeout: 10000 });
  await call_.locator('.toast-action').click();
  await svetaPage.waitForFunction(() => document.querySelector('#ib-conv-name')?.textContent.includes('Анна'));
  await svetaPage.click('#ib-actions [data-act="join"]');
  await svetaPage.waitForFunction(() => document.querySelector('#ib-actions [data-act="join"]').hidden);
  await svetaPage.click('.ib-mode-btn[data-mode="note"]');
  await svetaPage.fill('#ib-input', 'Олег, возврат одобряю, оформляй');
  await svetaPage.press('#ib-input', 'Enter');
  await olegPage.waitForFunction(() => [...document.querySelectorAll('#ib-msg-items .ib-msg-note')].some((n) => n.textContent.includes('возврат одобряю')), null, { timeout: 10000 });
  await shot(olegPage, 'inbox-desktop-en.png');

  // Oleg replies; the visitor sees the reply and never the notes.
  await olegPage.click('#ib-input');
  await olegPage.keyboard.type('We will refund your order today.');
  await olegPage.keyboard.press('Enter');
  await frame.waitForFunction(() => document.querySelector('.w-list')?.textContent.includes('refund your order today'), null, { timeout: 10000 });
  const seen = await frame.textContent('.w-list');
  for (const secret of ['проверь склад', 'возврат одобряю', 'Need a refund decision']) {
    assert.ok(!seen.includes(secret), `the visitor never sees "${secret}"`);
  }

  // Priority and labels from the contact card; the list shows the priority live.
  await olegPage.selectOption('#ib-priority', 'high');
  await olegPage.fill('#ib-label-input', 'Refund');
  await olegPage.press('#ib-label-input', 'Enter');
  await olegPage.waitForFunction(() => document.querySelector('#ib-labels')?.textContent.includes('refund'));
  await olegPage.waitForFunction(() => document.querySelector('.ib-item .ib-prio-high'), null, { timeout: 10000 });

  // The supervisor's overview lists the operators live.
  await svetaPage.click('#ib-tab-supervisor');
  await svetaPage.waitForFunction(() => document.querySelector('#ib-ov-operators')?.textContent.includes('Oleg Second'));
  await shot(svetaPage, 'inbox-overview-desktop-ru.png');
  await svetaPage.keyboard.press('?');
  await svetaPage.waitForSelector('#dlg-help[open]');
  await svetaPage.waitForTimeout(250); // the dialog's entrance animation
  await shot(svetaPage, 'inbox-shortcuts-desktop-ru.png');
  await svetaPage.keyboard.press('Escape');
  await svetaPage.waitForSelector('#dlg-help', { state: 'hidden' });

  // Phones, both languages: the list, then the open conversation (one pane at a time).
  for (const [page, lang] of [[olgaPage, 'ru'], [olegPage, 'en']]) {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await page.context().storageState() })).newPage();
    watch(phone, `phone-${lang}`);
    await phone.goto(`${base}/inbox`);
    await phone.click('#ib-q-all');
    await phone.locator('.ib-item', { hasText: 'Анна Смирнова' }).waitFor();
    await shot(phone, `inbox-list-phone-${lang}.png`);
    await phone.click('.ib-item');
    await phone.waitForFunction(() => document.querySelector('#ib-msg-items')?.textContent.includes('№1042'));
    assert.ok(await phone.locator('#ib-list').isHidden(), 'a phone shows one pane at a time');
    await shot(phone, `inbox-conversation-phone-${lang}.png`);
    await phone.click('#ib-back');
    await phone.locator('#ib-list').waitFor();
    await phone.context().close();
  }

  // Resolve with the keyboard shortcut; the widget asks for a rating.
  await olegPage.click('#ib-conv-name');
  await olegPage.keyboard.press('e');
  await olegPage.waitForFunction(() => document.querySelector('#ib-conv-meta')?.textContent.includes('Resolved'));
  await frame.waitForSelector('form.w-csat', { timeout: 10000 });
  await frame.click('label.w-star[for$="5"]');
  await frame.fill('#w-csat-comment', 'Быстро и вежливо');
  await shot(visitor, 'widget-csat-desktop-ru.png');
  await frame.click('form.w-csat button[type="submit"]');
  await frame.waitForSelector('.w-done');
  const convId = (await call('GET', '/support/conversations?queue=resolved')).conversations
    .find((x) => x.contact && x.contact.name === 'Анна Смирнова').conversation.id;
  const detail = await call('GET', `/support/conversations/${convId}`);
  assert.equal(detail.conversation.csat_rating, 5, 'the rating is stored');
  assert.equal(detail.conversation.csat_comment, 'Быстро и вежливо', 'the comment is stored');
  await olegPage.waitForFunction(() => document.querySelector('#ib-csat .ib-stars')?.textContent === '★★★★★', null, { timeout: 10000 });

  // The contact card on a phone shows the rating.
  const phoneOlga = await (await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await olgaPage.context().storageState() })).newPage();
  watch(phoneOlga, 'phone-ru');
  await phoneOlga.goto(`${base}/inbox?c=${convId}`);
  await phoneOlga.waitForFunction(() => document.querySelector('#ib-msg-items')?.textContent.includes('№1042'));
  await phoneOlga.click('#ib-info-open');
  await phoneOlga.waitForSelector('#ib-csat .ib-stars');
  await shot(phoneOlga, 'inbox-contact-phone-ru.png');
  await phoneOlga.context().close();
  const phoneVisitor = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' })).newPage();
  watch(phoneVisitor, 'phone-visitor');
  await phoneVisitor.goto(`${base}/widget/demo?inbox=${inbox.public_key}`);
  await phoneVisitor.waitForFunction(() => document.querySelector('steward-widget'));
  await phoneVisitor.waitForTimeout(300);
  await shot(phoneVisitor, 'widget-demo-phone-en.png');
  await phoneVisitor.mouse.click(390 - 48, 844 - 48);
  for (let i = 0; i < 50 && !phoneVisitor.frames().some((f) => f.url().includes('/widget/frame')); i++) await phoneVisitor.waitForTimeout(100);
  const phoneFrame = phoneVisitor.frames().find((f) => f.url().includes('/widget/frame'));
  assert.ok(phoneFrame, 'the chat opens on a phone');
  await phoneFrame.waitForSelector('[data-field="name"] input');
  await shot(phoneVisitor, 'widget-prechat-phone-en.png');
  await phoneVisitor.context().close();
  console.log('support browser test passed; screenshots in', artifacts);
} catch (e) {
  failed = true;
  console.error('support browser test failed:', e);
} finally {
  await browser.close();
  stop();
}
process.exit(failed ? 1 : 0);
