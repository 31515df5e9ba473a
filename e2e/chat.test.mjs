// Browser test: two people in two browser contexts chat in real time.
// Starts the real steward binary on a free port with a fresh data folder,
// creates the accounts with the CLI, drives Debian's Chromium headless.
// Usage: node chat.test.mjs [path/to/steward]   (screenshots go to e2e/artifacts/)

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
const dataDir = mkdtempSync(join(tmpdir(), 'steward-e2e-'));
const env = { ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '', STEWARD_LOG: 'warn' };
const base = `http://127.0.0.1:${port}`;

const addUser = (username, role, name, locale) => execFileSync(bin,
  ['user', 'add', '--username', username, '--role', role, '--display-name', name, '--locale', locale, '--password-stdin'],
  { env, input: 'correct-horse-1\n' }).toString();
// A fresh install prints a one-time link to create the owner; follow it like a newcomer would.
const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const setupLink = new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d.toString();
    process.stdout.write(d);
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
try {
  await waitForServer();

  // The owner's first visit: the setup form, then straight into #general.
  const owner = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
  const setup = await owner.newPage();
  await setup.goto(await setupLink);
  await setup.fill('input[name=username]', 'anna');
  await setup.fill('input[name=display_name]', 'Анна Смирнова');
  await setup.fill('input[name=password]', 'correct-horse-1');
  await setup.screenshot({ path: join(artifacts, 'setup-ru.png') });
  await setup.press('input[name=password]', 'Enter');
  await setup.waitForURL(/\/r\/\d+/);
  await owner.close();
  // A colleague's account, made with the CLI while the server runs.
  addUser('mike', 'member', 'Mike Johnson', 'en');

  const login = async (username, viewport) => {
    const ctx = await browser.newContext({ viewport, locale: username === 'anna' ? 'ru-RU' : 'en-US' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => { console.error(`[${username}] page error:`, e.message); failed = true; });
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[${username}] console:`, m.text()); });
    await page.goto(`${base}/`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', 'correct-horse-1');
    await page.press('#login-password', 'Enter');
    await page.waitForURL(/\/r\/\d+/);
    await page.waitForSelector('#composer-input');
    return page;
  };

  const anna = await login('anna', { width: 1280, height: 800 });
  const mike = await login('mike', { width: 390, height: 844 });
  // Both are in #general; let the gateway connect.
  await anna.waitForFunction(() => document.querySelector('#conn-banner')?.hidden !== false);
  await mike.waitForTimeout(500);

  const text = `Привет, Mike! Баны за спам выдаём сразу 🚀 ${Date.now()}`;
  await anna.fill('#composer-input', text);
  await anna.press('#composer-input', 'Enter');
  // Mike sees it appear without reloading.
  await mike.waitForFunction((t) => document.querySelector('#msg-items')?.textContent.includes(t), text, { timeout: 10000 });
  await anna.waitForFunction((t) => document.querySelector('#msg-items')?.textContent.includes(t), text);

  await mike.fill('#composer-input', 'Hi Anna, **got it** 👍');
  await mike.press('#composer-input', 'Enter');
  await anna.waitForFunction(() => document.querySelector('#msg-items')?.innerHTML.includes('<strong>got it</strong>'), null, { timeout: 10000 });

  await anna.screenshot({ path: join(artifacts, 'chat-desktop-ru.png') });
  await mike.screenshot({ path: join(artifacts, 'chat-phone-en.png') });

  // Anna opens a channel with Mike from the sidebar dialog; it appears in Mike's sidebar live.
  await anna.click('[data-open="create-room"][data-kind="channel"]');
  await anna.fill('#cr-name', 'проект-альфа');
  await anna.fill('#cr-members', 'mike');
  await anna.click('#cr-members-list .picker-option');
  await anna.click('#form-create-room button[type=submit]');
  await anna.waitForFunction(() => document.querySelector('#room-title-text')?.textContent.includes('проект-альфа'));
  const link = mike.locator('.room-link', { hasText: 'проект-альфа' });
  // On the phone layout the sidebar is a drawer; the link exists either way.
  await link.waitFor({ state: 'attached', timeout: 10000 });
  await mike.goto(base + (await link.getAttribute('href')));
  await mike.waitForSelector('#composer-input');
  await mike.waitForTimeout(300);

  await anna.fill('#composer-input', 'План на неделю: релиз в четверг');
  await anna.press('#composer-input', 'Enter');
  await mike.waitForFunction(() => document.querySelector('#msg-items')?.textContent.includes('релиз в четверг'), null, { timeout: 10000 });

  // Arrow-up in an empty composer edits one's last message; the edit reaches Mike.
  await anna.waitForFunction(() => [...document.querySelectorAll('#msg-items article')].some((a) => a.textContent.includes('релиз в четверг') && a.dataset.id));
  await anna.focus('#composer-input');
  await anna.press('#composer-input', 'ArrowUp');
  await anna.fill('#composer-input', 'План на неделю: релиз в пятницу');
  await anna.press('#composer-input', 'Enter');
  await mike.waitForFunction(() => {
    const items = document.querySelector('#msg-items');
    return items?.textContent.includes('релиз в пятницу') && items.querySelector('.msg-edited');
  }, null, { timeout: 10000 });

  // Mike reacts; Anna sees the count.
  const msg = mike.locator('#msg-items article', { hasText: 'релиз в пятницу' });
  await msg.hover();
  await msg.locator('[data-action="react"]').first().click();
  await mike.click('.emoji-picker .emoji-btn[data-emoji="👍"]');
  await anna.waitForFunction(() => [...document.querySelectorAll('#msg-items .reaction-count')].some((c) => c.textContent === '1'), null, { timeout: 10000 });
  await anna.screenshot({ path: join(artifacts, 'channel-desktop-ru.png') });

  // The owner changes the room's rules; Mike's open page learns his new rights
  // without a reload: first no uploads, then announcement mode (no composer).
  const roomId = Number(new URL(anna.url()).pathname.split('/').pop());
  const setPolicy = (policy) => anna.evaluate(async ([id, body]) => {
    const r = await fetch(`/api/v1/rooms/${id}/policy`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`policy: ${r.status} ${await r.text()}`);
  }, [roomId, policy]);
  await mike.evaluate(() => { window.__notReloaded = true; });
  assert.ok(await mike.isVisible('#composer-attach'), 'Mike may attach files at first');
  await setPolicy({ upload: 'staff' });
  await mike.waitForSelector('#composer-attach', { state: 'hidden', timeout: 10000 });
  assert.ok(await mike.isVisible('#composer-input'), 'and may still write');
  await setPolicy({ read_only: true });
  await mike.waitForSelector('#composer', { state: 'hidden', timeout: 10000 });
  await mike.waitForSelector('#composer-readonly', { state: 'visible' });
  assert.equal(await mike.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  assert.ok(await anna.isVisible('#composer-input'), 'the owner still posts');
  await mike.screenshot({ path: join(artifacts, 'announcement-phone-en.png') });
  await setPolicy({});
  await mike.waitForSelector('#composer-input', { state: 'visible', timeout: 10000 });
  assert.ok(await mike.isVisible('#composer-attach'), 'rights come back too');
  assert.equal(await mike.evaluate(() => window.__notReloaded), true);

  // Search in Russian finds a word form.
  await mike.goto(`${base}/search?q=${encodeURIComponent('бан')}`);
  const results = await mike.textContent('main');
  assert.ok(results.includes('Баны за спам'), 'search for "бан" finds "Баны"');
  await mike.screenshot({ path: join(artifacts, 'search-phone-en.png') });
  // The owner's console: people, invite links, audit log.
  await anna.goto(`${base}/admin`);
  await anna.waitForSelector('#adm-people');
  await anna.fill('#inv-label', 'сайт');
  await anna.click('form[action="/admin/invites"] button[type=submit]');
  await anna.waitForSelector('#invite-url');
  const invite = await anna.inputValue('#invite-url');
  assert.ok(invite.includes('/invite/'), 'the console shows the new invite link');
  await anna.screenshot({ path: join(artifacts, 'admin-desktop-ru.png'), fullPage: true });
  console.log('browser test passed; screenshots in', artifacts);
} catch (e) {
  failed = true;
  console.error('browser test failed:', e);
} finally {
  await browser.close();
  stop();
}
process.exit(failed ? 1 : 0);
