import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { servers } from './tests/servers';

// Debian's Chromium on the build machines; set PORTCULLIS_CHROMIUM elsewhere, or let Playwright use its own.
const chromium =
  process.env.PORTCULLIS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Two cores, and argon2 is meant to be slow: one browser at a time keeps timings honest.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  use: {
    // WebAuthn needs a host name: always localhost, never 127.0.0.1.
    baseURL: servers.main.url,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--no-sandbox',
      ],
    },
  },
  webServer: Object.values(servers).map((s) => ({
    command: s.command,
    url: `${s.url}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  })),
});
