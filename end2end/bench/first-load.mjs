// `make bench`, first part: what a visitor of /login downloads before the page is interactive, and how
// long until it is (headless Chromium, localhost, cold cache each time). Prints each figure beside its
// budget: at most 150 KB of brotli-compressed wasm, hydrated within 300 ms (median of 8 cold loads).
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, 'target');
const binary = join(targetDir, 'release', 'portcullis');
const site = join(root, 'target', 'site');
const pkg = join(site, 'pkg');
const port = 39_890;
const url = `http://localhost:${port}`;
const loads = 8;
const executablePath = process.env.PORTCULLIS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

if (!existsSync(binary) || !existsSync(pkg)) {
  console.log(`First load of /login: skipped (no release build at ${binary}; run make build)`);
  process.exit(0);
}

const data = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
const server = spawn(binary, ['serve'], {
  env: { ...process.env, PORTCULLIS_BIND: `127.0.0.1:${port}`, PUBLIC_URL: url, PORTCULLIS_DATA_DIR: data, LEPTOS_SITE_ROOT: site, RUST_LOG: 'error', DATABASE_URL: '' },
  stdio: 'ignore',
});
const stop = () => {
  server.kill();
  rmSync(data, { recursive: true, force: true });
};

async function ready() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not start');
}

const size = (file) => (existsSync(file) ? statSync(file).size : 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await ready();
  const browser = await chromium.launch({
    executablePath,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-sandbox'],
  });
  const times = [];
  let wasmFiles = new Set();
  let transferred = 0;
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext(); // a cold cache every time
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body && document.body.hasAttribute('data-hydrated')) {
          window.__hydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const requests = new Map();
    const before = new Set();
    let bytes = 0;
    let hydrated = false;
    cdp.on('Network.responseReceived', (e) => requests.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => {
      const u = requests.get(e.requestId) ?? '';
      if (u.endsWith('.wasm') && !hydrated) {
        before.add(u.split('/').pop());
        bytes += e.encodedDataLength;
      }
    });
    await page.goto(`${url}/login`);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
    hydrated = true;
    times.push(await page.evaluate(() => window.__hydratedAt));
    // The page works: the sign-in form answers (a failed sign-in, shown in place).
    await page.getByLabel(/Username or email/).fill('nobody');
    await page.getByLabel('Password', { exact: true }).fill('Not-A-Password-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    wasmFiles = before;
    transferred = bytes;
    await context.close();
  }
  await browser.close();
  const files = [...wasmFiles];
  const raw = files.reduce((n, f) => n + size(join(pkg, f)), 0);
  const gz = files.reduce((n, f) => n + size(join(pkg, `${f}.gz`)), 0);
  const br = files.reduce((n, f) => n + size(join(pkg, `${f}.br`)), 0);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const chunks = readdirSync(pkg).filter((f) => f.endsWith('.wasm')).length;
  const ok = (good) => (good ? 'ok' : 'OVER BUDGET');
  console.log('First load of /login (headless Chromium, localhost, cold cache):');
  console.log(`  wasm before interactive: ${files.length} of ${chunks} files: raw ${kb(raw)}, gzip ${kb(gz)}, brotli ${kb(br)} (sent: ${kb(transferred)})   budget brotli <= 150 KB: ${ok(br <= 150 * 1024)}`);
  const m = median(times);
  console.log(`  hydrated after ${m.toFixed(0)} ms (median of ${loads}; ${times.map((t) => t.toFixed(0)).join(', ')})   budget <= 300 ms: ${ok(m <= 300)}`);
} finally {
  stop();
}
