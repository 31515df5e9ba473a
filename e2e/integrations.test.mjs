// Browser test: the integrations page (/admin/integrations). An owner and, over the API, a bot
// that is an inbox's agent bot, in a room, with three webhooks to a local receiver: one that
// answers 200, one that answers 500 (retried), one that answers 410 (switched off). In the
// browser the owner opens a delivery log and a delivery's details, redelivers, pings, pauses,
// creates a bot (its token shown once) and a webhook (its secret shown once).
// Screenshots (1280 and 390 px, ru and en) go to e2e/artifacts/.
// Usage: node integrations.test.mjs [path/to/steward]

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import http from 'node:http';
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

// The receiver: /ok answers 200, /flaky 500, /gone 410.
const received = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    received.push({ path: req.url, body });
    const code = { '/ok': 200, '/flaky': 500, '/gone': 410 }[req.url] || 404;
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(code === 200 ? 'thanks' : code === 500 ? 'database is down, try later' : 'gone');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookBase = `http://127.0.0.1:${receiver.address().port}`;

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'steward-e2e-int-'));
const env = {
  ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '',
  STEWARD_LOG: 'warn', STEWARD_WEBHOOK_RETRY_UNIT_MS: '200',
};
const base = `http://127.0.0.1:${port}`;
execFileSync(bin, ['user', 'add', '--username', 'boss', '--role', 'owner', '--display-name', 'Boss', '--locale', 'ru', '--password-stdin'],
  { env, input: 'correct-horse-1\n' });
const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => { server.kill('SIGTERM'); receiver.close(); rmSync(dataDir, { recursive: true, force: true }); };
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* starting */ }
  await new Promise((r) => setTimeout(r, 100));
}

let token;
async function api(method, path, body) {
  const r = await fetch(base + '/api/v1' + path, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  token = (await api('POST', '/auth/login', { username: 'boss', password: 'correct-horse-1' })).token;
  const bot = await api('POST', '/admin/bots', { username: 'crm-bot', display_name: 'CRM bot', scopes: ['read', 'write'] });
  const botId = bot.user.id;
  await api('POST', `/admin/bots/${botId}/tokens`, { name: 'staging', scopes: ['read'], expires_in_days: 30 });
  await api('POST', '/support/inboxes', { name: 'Shop', settings: { agent_bot: botId } });
  const room = await api('POST', '/rooms', { name: 'sales', kind: 'channel', members: [botId] });
  const roomId = (room.room || room).id;
  const events = ['message.created', 'message.updated', 'conversation.created'];
  const ok = await api('POST', '/webhooks', { bot_id: botId, name: 'CRM', url: `${hookBase}/ok`, events });
  await api('POST', '/webhooks', { bot_id: botId, name: 'Analytics', url: `${hookBase}/flaky`, events: ['message.created'] });
  await api('POST', '/webhooks', { bot_id: botId, name: 'Old endpoint', url: `${hookBase}/gone`, events: ['message.created'] });
  for (const text of ['Hello, team', 'New order #1042 from Ivan', 'Можно счёт на оплату?']) {
    await api('POST', `/rooms/${roomId}/messages`, { body: text });
  }
  await api('POST', `/webhooks/${ok.webhook.id}/ping`);
  for (let i = 0; i < 50 && received.length < 8; i++) await sleep(100);
  await sleep(2500); // the flaky one gets a retry or two

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/login`);
  await page.fill('#login-username', 'boss');
  await page.fill('#login-password', 'correct-horse-1');
  await page.press('#login-password', 'Enter');
  await page.waitForLoadState('networkidle');

  async function openPage() {
    await page.goto(`${base}/admin/integrations`);
    await page.waitForSelector('.int-bot');
  }
  async function openLogs() {
    const flaky = page.locator('.int-hook', { hasText: 'Analytics' });
    await flaky.locator('[data-a="log"]').click();
    await flaky.locator('.int-delivery').first().waitFor();
    await flaky.locator('.int-delivery').first().locator('button').first().click();
    await flaky.locator('.int-attempt').first().waitFor();
  }

  for (const lang of ['ru', 'en']) {
    await api('PATCH', '/me', { locale: lang });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      await openPage();
      await openLogs();
      // A sticky header would be painted mid-page in a full-page shot.
      await page.evaluate(() => { document.querySelector('.topbar').style.position = 'static'; });
      await page.screenshot({ path: join(artifacts, `integrations-${lang}-${width}.png`), fullPage: true });
      // The long page in screen-sized pieces too, to look at in detail.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      for (let y = 0, i = 0; y < height; y += 1100, i++) {
        await page.screenshot({ path: join(artifacts, `integrations-${lang}-${width}-part${i}.png`), fullPage: true,
          clip: { x: 0, y, width, height: Math.min(1100, height - y) } });
      }
    }
  }

  // The page says what the API holds.
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage();
  const gone = page.locator('.int-hook', { hasText: 'Old endpoint' });
  await assert.doesNotReject(gone.locator('.int-hook-off').waitFor());
  assert.match(await gone.locator('[data-f="state"]').textContent(), /Switched off/);
  assert.match(await page.locator('.int-agent').textContent(), /Shop/);

  // Redeliver a failed delivery of the gone one: it is pending again.
  await gone.locator('[data-a="log"]').click();
  await gone.locator('.int-delivery').first().waitFor();
  await gone.locator('.int-delivery').first().locator('button', { hasText: 'Redeliver' }).click();
  await page.waitForSelector('#int-status:has-text("queued again")');
  // Pause, resume.
  const crm = page.locator('.int-hook', { hasText: 'CRM' }).first();
  await crm.locator('[data-a="active"]').click();
  await crm.locator('[data-f="state"]:has-text("Paused")').waitFor();
  await crm.locator('[data-a="active"]').click();
  await crm.locator('[data-f="state"]:has-text("Active")').waitFor();

  // A new bot from the form: its token shown once.
  await page.fill('#int-bot-username', 'helpdesk-bot');
  await page.fill('#int-bot-name', 'Helpdesk');
  await page.click('#int-bot-form button[type=submit]');
  const secret = page.locator('#int-bot-secret .int-secret-value');
  await secret.waitFor();
  assert.match(await secret.inputValue(), /^stw_/);
  await page.screenshot({ path: join(artifacts, 'integrations-en-1280-new-bot.png'), fullPage: false });
  // A webhook for it: the signing secret shown once.
  const card = page.locator('.int-bot', { hasText: 'helpdesk-bot' });
  await card.locator('[data-f="hook-details"] summary').click();
  await card.locator('input[data-n="hname"]').fill('Tickets');
  await card.locator('input[data-n="hurl"]').fill(`${hookBase}/ok`);
  await card.locator('[data-f="hook-details"] button[type=submit]').click();
  const hs = card.locator('[data-f="hook-secret"] .int-secret-value');
  await hs.waitFor();
  assert.match(await hs.inputValue(), /^whsec_/);
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: join(artifacts, 'integrations-en-1280-new-webhook.png') });
  // Ping it: delivered.
  await card.locator('[data-a="ping"]').click();
  await card.locator('[data-a="log"]').click();
  await card.locator('.int-delivery .int-b-delivered').first().waitFor({ timeout: 15000 });

  // Support settings: the agent bot select shows the bot.
  await page.goto(`${base}/support/settings`);
  await page.waitForSelector('.sup-inbox select[name="agent_bot"]');
  assert.equal(await page.locator('.sup-inbox select[name="agent_bot"]').inputValue(), String(botId));
  await page.locator('.sup-bots').scrollIntoViewIfNeeded();
  await page.locator('.sup-bots').screenshot({ path: join(artifacts, 'support-settings-bots-en.png') });
  // One or the other: ticking the FAQ bot clears the agent bot; saving keeps what the form does not show.
  const inboxSettings = async () => (await api('GET', '/support/inboxes')).inboxes[0].inbox.settings;
  await page.locator('.sup-inbox input[name="bot"]').check();
  assert.equal(await page.locator('.sup-inbox select[name="agent_bot"]').inputValue(), '');
  assert.ok(await page.locator('.sup-inbox input[name="agent_bot_timeout_secs"]').isDisabled());
  await page.locator('.sup-inbox [data-f="settings"] button[type=submit]').click();
  await page.waitForSelector('#sup-status.alert-success');
  let saved = await inboxSettings();
  assert.equal(saved.bot, true);
  assert.equal(saved.agent_bot, null);
  await page.locator('.sup-inbox select[name="agent_bot"]').selectOption(String(botId));
  assert.equal(await page.locator('.sup-inbox input[name="bot"]').isChecked(), false);
  await page.locator('.sup-inbox input[name="agent_bot_timeout_secs"]').fill('300');
  await page.locator('.sup-inbox [data-f="settings"] button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('.sup-inbox select[name="agent_bot"]')?.value !== '');
  await sleep(300);
  saved = await inboxSettings();
  assert.equal(saved.bot, false);
  assert.equal(saved.agent_bot, botId);
  assert.equal(saved.agent_bot_timeout_secs, 300);

  assert.deepEqual(errors, [], 'no script errors');
  console.log('integrations: ok');
} finally {
  await browser.close();
  stop();
}
