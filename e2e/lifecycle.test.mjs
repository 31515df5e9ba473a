// Browser test of an account's life: the admin makes an invite link in the
// console, a newcomer signs up with it in another browser, turns on 2FA,
// signs out and back in with password and code; the admin deactivates them
// and their open page goes to the sign-in page at once (gateway close 4003).
// Usage: node lifecycle.test.mjs [path/to/steward]   (screenshots go to e2e/artifacts/)

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
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

/** RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for a base32 secret, `offset` seconds from now. */
export function totp(secretB32, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor((Date.now() / 1000 + offset) / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}
// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" at 59 s gives 94287082 (8 digits), 287082 in 6.
{
  const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const realNow = Date.now;
  Date.now = () => 59_000;
  assert.equal(totp(seed), '287082', 'the TOTP helper matches RFC 6238');
  Date.now = realNow;
}

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'steward-e2e-life-'));
const env = { ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '', STEWARD_LOG: 'warn' };
const base = `http://127.0.0.1:${port}`;

execFileSync(bin, ['user', 'add', '--username', 'olga', '--role', 'owner', '--display-name', 'Olga Admin', '--locale', 'en', '--password-stdin'],
  { env, input: 'correct-horse-1\n' });
const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
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
const watch = (page, who) => {
  page.on('pageerror', (e) => { console.error(`[${who}] page error:`, e.message); failed = true; });
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.error(`[${who}] console:`, m.text()); });
  page.on('response', (r) => { if (r.status() === 404 || r.status() >= 500) console.error(`[${who}] ${r.status()} ${r.url()}`); });
};

try {
  await waitForServer();

  // The admin creates an invite link in the console.
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const admin = await adminCtx.newPage();
  watch(admin, 'olga');
  await admin.goto(`${base}/login`);
  await admin.fill('#login-username', 'olga');
  await admin.fill('#login-password', 'correct-horse-1');
  await admin.press('#login-password', 'Enter');
  await admin.waitForURL(/\/r\/\d+/);
  await admin.goto(`${base}/admin`);
  await admin.fill('#inv-label', 'lifecycle');
  await admin.click('form[action="/admin/invites"] button[type=submit]');
  await admin.waitForSelector('#invite-url');
  const invite = await admin.inputValue('#invite-url');
  assert.match(invite, /\/invite\//);

  // A newcomer opens it in another browser and signs up.
  const personCtx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  const person = await personCtx.newPage();
  watch(person, 'pavel');
  await person.goto(invite);
  await person.fill('#setup-username', 'pavel');
  await person.fill('#setup-display-name', 'Pavel Newcomer');
  await person.fill('#setup-password', 'pavel-horse-42');
  await person.press('#setup-password', 'Enter');
  await person.waitForURL(/\/r\/\d+/);

  // Two-factor authentication on, from Settings, with a code computed here.
  await person.goto(`${base}/settings`);
  await person.click('form[action="/settings/2fa/setup"] button[type=submit]');
  const secret = (await person.textContent('code.secret')).trim();
  assert.match(secret, /^[A-Z2-7]+=*$/, 'a base32 secret is shown');
  await person.fill('#twofa-code', totp(secret));
  await person.click('form[action="/settings/2fa/enable"] button[type=submit]');
  await person.waitForSelector('.recovery-codes li');
  assert.equal(await person.locator('.recovery-codes li').count(), 10, 'ten recovery codes');
  await person.screenshot({ path: join(artifacts, 'settings-2fa-on-en.png'), fullPage: true });
  await person.goto(`${base}/settings`);
  assert.ok((await person.textContent('#twofa')).includes('10'), 'Settings says 2FA is on with 10 recovery codes');

  // Sign out, then in again: the password alone is not enough.
  await person.click('form[action="/logout"] button[type=submit]');
  await person.waitForURL(/\/login/);
  await person.fill('#login-username', 'pavel');
  await person.fill('#login-password', 'pavel-horse-42');
  await person.press('#login-password', 'Enter');
  await person.waitForSelector('#login-code');
  assert.ok(!/\/r\/\d+/.test(person.url()), 'no way in without the code');
  if (!(await person.inputValue('#login-password'))) await person.fill('#login-password', 'pavel-horse-42');
  // The enabling code was used up; the next step's code is valid (±1 step of skew).
  await person.fill('#login-code', totp(secret, 30));
  await person.press('#login-code', 'Enter');
  await person.waitForURL(/\/r\/\d+/);
  await person.waitForSelector('#composer-input');
  await person.waitForFunction(() => document.querySelector('#conn-banner')?.hidden !== false);
  await person.waitForTimeout(500); // the gateway is up

  // The admin deactivates them; their open page goes to the sign-in page at once.
  await admin.goto(`${base}/admin`);
  const row = admin.locator('section[aria-labelledby="adm-people"] tbody tr', { hasText: '@pavel' });
  await row.locator('form[action$="/status"] button[type=submit]').click();
  await admin.waitForURL(/\/admin/);
  assert.ok((await admin.locator('section[aria-labelledby="adm-people"] tbody tr', { hasText: '@pavel' }).textContent()).toLowerCase().includes('deactivated'));
  // Faster than the reconnect back-off would notice (≥ 5 s): the 4003 close does it.
  await person.waitForURL(/\/login/, { timeout: 4000 });
  await person.fill('#login-username', 'pavel');
  await person.fill('#login-password', 'pavel-horse-42');
  await person.fill('#login-code', totp(secret, 30)).catch(() => {});
  await person.press('#login-password', 'Enter');
  await person.waitForLoadState();
  assert.ok(/\/login/.test(person.url()), 'a deactivated person cannot sign in');
  await person.screenshot({ path: join(artifacts, 'deactivated-login-en.png') });
  console.log('lifecycle browser test passed; screenshots in', artifacts);
} catch (e) {
  failed = true;
  console.error('lifecycle browser test failed:', e);
} finally {
  await browser.close();
  stop();
}
process.exit(failed ? 1 : 0);
