// Makes docs/screenshot.png: the demo data in the web client, as a newcomer sees it.
// Usage: node e2e/screenshot.mjs path/to/steward
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2];
const dataDir = mkdtempSync(join(tmpdir(), 'steward-shot-'));
const port = 18000 + Math.floor(Math.random() * 1000);
const env = { ...process.env, STEWARD_DATA_DIR: dataDir, STEWARD_BIND: `127.0.0.1:${port}`, STEWARD_DATABASE_URL: '', STEWARD_LOG: 'warn' };
execFileSync(bin, ['demo', '--password', 'demo-password'], { env });
const server = spawn(bin, ['serve'], { env, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* starting */ }
  await new Promise((r) => setTimeout(r, 100));
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 760 }, locale: 'ru-RU' })).newPage();
  await page.goto(`${base}/login`);
  await page.fill('#login-username', 'anna');
  await page.fill('#login-password', 'demo-password');
  await page.press('#login-password', 'Enter');
  await page.waitForURL(/\/r\/\d+/);
  const general = await page.getAttribute('.room-link:has-text("general")', 'href');
  await page.goto(base + general);
  await page.waitForSelector('#msg-items article');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(here, '..', 'docs', 'screenshot.png') });
  console.log('wrote docs/screenshot.png');
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
