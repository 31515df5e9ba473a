// Browser test: moderation as people use it. A moderator switches on the
// built-in rules from the dashboard and tries a message; an obfuscated insult
// is held and its author told; a member reports a message from its menu; the
// moderator removes it from /moderation and approves the held one; a warning
// from the message menu reaches its person, who appeals; staff are asked
// before sending something rude. Screenshots go to e2e/artifacts/.
// Usage: node moderation.test.mjs [path/to/steward]

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
const dataDir = mkdtempSync(join(tmpdir(), 'steward-e2e-mod-'));
const env = { ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '', STEWARD_LOG: 'warn' };
const base = `http://127.0.0.1:${port}`;
const addUser = (username, role, name, locale) => execFileSync(bin,
  ['user', 'add', '--username', username, '--role', role, '--display-name', name, '--locale', locale, '--password-stdin'],
  { env, input: 'correct-horse-1\n' }).toString();

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

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

let failed = false;
const itemsHave = (page, text) => page.waitForFunction((t) => document.querySelector('#msg-items')?.textContent.includes(t), text, { timeout: 10000 });
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
  addUser('boss', 'moderator', 'Борис Модераторов', 'ru');
  addUser('ivan', 'member', 'Иван Петров', 'ru');
  addUser('vera', 'member', 'Vera Long', 'en');
  const login = async (username, viewport) => {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => { console.error(`[${username}] page error:`, e.message); failed = true; });
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 4')) console.error(`[${username}] console:`, m.text()); });
    await page.goto(`${base}/`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', 'correct-horse-1');
    await page.press('#login-password', 'Enter');
    await page.waitForURL(/\/r\/\d+/);
    await page.waitForSelector('#composer-input');
    return page;
  };
  const boss = await login('boss', { width: 1280, height: 800 });
  const ivan = await login('ivan', { width: 390, height: 844 });
  const vera = await login('vera', { width: 1280, height: 800 });
  const general = boss.url();
  assert.ok(await ivan.locator('#nav-moderation').count() === 0, 'members have no moderation link');

  // The moderator opens the dashboard from the chat and switches on the built-in rules.
  await boss.click('#nav-moderation');
  await boss.waitForSelector('#mod-held');
  await boss.click('form[action^="/moderation/rules/presets"] button');
  await boss.waitForSelector('.alert-success');
  assert.ok((await boss.textContent('main')).includes('abuse'), 'the rules table lists the preset');
  // The try box explains what the engine sees.
  await boss.fill('#try-text', 'ну ты х.у.й');
  await boss.click('form[action^="/moderation/try"] button');
  await boss.waitForSelector('#try-hits');
  assert.ok((await boss.textContent('#try-hits')).includes('abuse'), 'the abuse rule fires in the try box');
  await boss.screenshot({ path: join(artifacts, 'moderation-try-desktop-ru.png') });

  // An obfuscated insult is held; its author sees why, and no bubble hangs.
  await ivan.waitForTimeout(300);
  await ivan.fill('#composer-input', 'ну ты и п.и.з.д.а');
  await ivan.press('#composer-input', 'Enter');
  await ivan.waitForSelector('#mod-notice', { timeout: 10000 });
  assert.ok((await ivan.textContent('#mod-notice')).includes('проверки'), 'the author is told the message waits for review');
  await ivan.waitForFunction(() => !document.querySelector('#msg-items .msg-pending, #msg-items .msg-failed'));
  await ivan.screenshot({ path: join(artifacts, 'held-notice-phone-ru.png') });

  // Ivan writes something rude but clean; Vera reports it from the message's menu.
  const rude = `Вы все тут неправы, и спорить со мной бесполезно ${Date.now()}`;
  await ivan.fill('#composer-input', rude);
  await ivan.press('#composer-input', 'Enter');
  await itemsHave(vera, rude);
  const msg = vera.locator('#msg-items article', { hasText: rude });
  await msg.hover();
  await msg.locator('[data-action="report"]').click();
  await vera.fill('#prompt-text', 'Rude to everyone');
  await vera.screenshot({ path: join(artifacts, 'report-dialog-desktop-en.png') });
  await vera.click('#dlg-prompt-ok');
  await vera.waitForSelector('#dlg-prompt', { state: 'hidden' });
  await vera.waitForSelector('.toast-info');

  // The moderator sees the case and the held message on the dashboard.
  await boss.goto(`${base}/moderation`);
  await boss.waitForSelector('#cases-form');
  const caseItem = boss.locator('#cases-form .mod-item', { hasText: rude }).first();
  assert.ok((await caseItem.textContent()).includes('Rude to everyone'), 'the case shows the reason');
  assert.ok((await boss.textContent('main')).includes('п.и.з.д.а'), 'the held message is in the review queue');
  await boss.screenshot({ path: join(artifacts, 'moderation-desktop-ru.png'), fullPage: true });
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await boss.context().storageState() })).newPage();
  await phone.goto(`${base}/moderation`);
  await phone.screenshot({ path: join(artifacts, 'moderation-phone-ru.png'), fullPage: true });
  await phone.context().close();

  // Remove the reported message: it disappears from Vera's screen.
  await caseItem.locator('button[value="remove"]').click();
  await boss.waitForSelector('.alert-success');
  await vera.waitForFunction((t) => {
    const a = [...document.querySelectorAll('#msg-items article')].find((x) => x.querySelector('.msg-tombstone') || x.textContent.includes(t));
    return a && a.querySelector('.msg-tombstone');
  }, rude, { timeout: 10000 });

  // Approve the held message: it reaches the room and its author is told.
  await boss.click('form[action^="/moderation/held/"] button[value="approve"]');
  await boss.waitForSelector('.alert-success');
  await itemsHave(vera, 'п.и.з.д.а');
  await ivan.waitForFunction(() => document.querySelector('#mod-notice.mod-notice-ok'), null, { timeout: 10000 });

  // A warning from the message menu reaches its person, who appeals from the notice.
  await boss.goto(general);
  await itemsHave(boss, 'п.и.з.д.а');
  const held = boss.locator('#msg-items article', { hasText: 'п.и.з.д.а' });
  await held.hover();
  await held.locator('[data-action="modmenu"]').click();
  await boss.click('.menu-pop [data-mod="warn"]');
  await boss.fill('#prompt-text', 'Без мата, пожалуйста');
  await boss.click('#dlg-prompt-ok');
  await boss.waitForSelector('#dlg-prompt', { state: 'hidden' });
  await ivan.waitForFunction(() => document.querySelector('#mod-notice')?.textContent.includes('Без мата'), null, { timeout: 10000 });
  await ivan.click('#mod-notice [data-appeal]');
  await ivan.fill('#prompt-text', 'Это была цитата');
  await ivan.click('#dlg-prompt-ok');
  await ivan.waitForSelector('#dlg-prompt', { state: 'hidden' });
  await boss.goto(`${base}/moderation#mod-appeals`);
  assert.ok((await boss.textContent('main')).includes('Это была цитата'), 'the appeal is in the queue');

  // Staff are asked before sending something that would read as rude, and may cancel.
  await boss.goto(general);
  await boss.waitForSelector('#composer-input');
  await boss.fill('#composer-input', 'ну ты и х.у.й');
  await boss.press('#composer-input', 'Enter');
  await boss.waitForSelector('#dlg-confirm[open]', { timeout: 10000 });
  await boss.screenshot({ path: join(artifacts, 'politeness-desktop-ru.png') });
  await boss.click('#dlg-confirm button[value="cancel"]');
  assert.equal(await boss.inputValue('#composer-input'), 'ну ты и х.у.й', 'the text stays in the composer');
  console.log('moderation browser test passed; screenshots in', artifacts);
} catch (e) {
  failed = true;
  console.error('moderation browser test failed:', e);
} finally {
  await browser.close();
  stop();
}
process.exit(failed ? 1 : 0);
