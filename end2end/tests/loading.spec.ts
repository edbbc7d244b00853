// The first download carries the sign-in and second-step pages only; every other area is a chunk of its
// own, fetched when the router reaches it (issue 9). These tests hold back every chunk to show that the
// sign-in page needs none, then let them through and visit each area.
import { APIRequestContext, expect, Page, Route, test } from '@playwright/test';
import { hydrated, PASSWORD, signedInUser, signIn, signOut } from './helpers';
import { servers } from './servers';
import { totp } from './totp';

/** The wasm file the sign-in page names: the main bundle. */
async function mainBundle(request: APIRequestContext): Promise<string> {
  const html = await (await request.get(`${servers.main.url}/login`)).text();
  const match = html.match(/\/pkg\/[^"']+?\.wasm/);
  if (!match) throw new Error('the sign-in page names no wasm file');
  return match[0].split('/').pop()!;
}

/** Every wasm file but `main` waits until `release()`; answers the names requested. */
async function holdChunks(page: Page, main: string) {
  const held: Route[] = [];
  const requested: string[] = [];
  let released = false;
  await page.route(/\/pkg\/.*\.wasm$/, async (route) => {
    const name = route.request().url().split('/').pop()!;
    if (name === main) return route.continue();
    requested.push(name);
    if (released) return route.continue();
    held.push(route);
  });
  return {
    requested,
    release: async () => {
      released = true;
      for (const route of held.splice(0)) await route.continue();
    },
  };
}

/** Names of the wasm files the page has fetched so far. */
function wasmFetched(page: Page): string[] {
  const seen: string[] = [];
  page.on('requestfinished', (request) => {
    const url = request.url();
    if (/\/pkg\/.*\.wasm$/.test(url)) seen.push(url.split('/').pop()!);
  });
  return seen;
}

test('the sign-in and second-step pages work before any other chunk has arrived', async ({ page, browser, request }) => {
  const main = await mainBundle(request);
  // Someone with an authenticator app, enrolled in another browser.
  const setup = await browser.newPage();
  const username = await signedInUser(setup, 'lazy');
  await setup.getByTestId('user-menu').click();
  await setup.getByRole('menuitem', { name: 'Security and sign-in' }).click();
  await hydrated(setup);
  await setup.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await setup.getByTestId('setup-key').textContent()) ?? '').trim();
  await setup.getByLabel('6-digit code from the app').fill(totp(key));
  await setup.getByRole('button', { name: 'Confirm and turn on' }).click();
  await setup.getByLabel('I have saved my backup codes').check();
  await setup.getByRole('button', { name: 'Continue' }).click();
  await expect(setup.getByTestId('mfa-status')).toHaveText('On');
  await setup.close();

  const chunks = await holdChunks(page, main);
  // The sign-in page hydrates and answers on the main bundle alone.
  await signIn(page, username, 'Not-The-Password-1');
  await expect(page.getByRole('alert')).toContainText('Sign-in failed');
  const password = page.getByLabel('Password', { exact: true });
  await page.getByLabel('Show password').check();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByLabel('Show password').uncheck();
  // The password step leads to the second step, still without any chunk.
  await password.fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  expect(chunks.requested).toEqual([]);
  // The code is accepted; the home page is the first thing that needs a chunk of its own.
  await page.getByLabel(/Verification code/).fill(totp(key, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect.poll(() => chunks.requested.length).toBeGreaterThan(0);
  await chunks.release();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: /^Welcome/ })).toBeVisible();
});

test('navigating to every other area fetches its chunk and the area works', async ({ page, request }) => {
  const main = await mainBundle(request);
  const fetched = wasmFetched(page);
  await page.goto('/login');
  await hydrated(page);
  expect(fetched).toEqual([main]);

  /** Runs `go`, then expects a heading and at least one chunk the page had not fetched before. */
  async function visit(go: () => Promise<void>, url: RegExp, heading: string | RegExp) {
    const before = new Set(fetched);
    await go();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expect.poll(() => fetched.filter((f) => !before.has(f)).length, { message: `a chunk for ${url}` }).toBeGreaterThan(0);
  }
  const menu = async (item: string) => {
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: item }).click();
  };

  // Forgot password, reached from the sign-in page by a client-side navigation; it works.
  await visit(() => page.getByRole('link', { name: /Forgot/ }).click(), /\/forgot-password$/, 'Reset your password');
  await hydrated(page);
  await page.getByLabel('Email address').fill('nobody-here@example.com');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('If these details match an account');

  // A new account: the forced change of its temporary password is a chunk, and so is home.
  const username = await signedInUser(page, 'areas');
  await expect(page.getByRole('heading', { name: /^Welcome/ })).toBeVisible();

  await visit(() => menu('Security and sign-in'), /\/account\/security$/, 'Security and sign-in');
  await expect(page.getByTestId('mfa-status')).toContainText('Off');

  await visit(() => menu('Sessions and devices'), /\/account\/sessions$/, 'Sessions and devices');
  await expect(page.locator('table.sessions .badge')).toHaveText('This browser');

  await visit(() => menu('Change password'), /\/account\/password$/, 'Change password');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('Another-Horse-43');
  await page.getByLabel('Confirm new password').fill('Another-Horse-43');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password has been changed.');

  await signOut(page);
  await signIn(page, username, 'Another-Horse-43');
  await expect(page).toHaveURL(/\/$/);

  // The developer mailbox, opened directly: the server names its chunk and the page hydrates.
  const before = new Set(fetched);
  await page.goto('/dev/mailbox');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Developer mailbox', level: 1 })).toBeVisible();
  await expect(page.locator('article.mail').first()).toBeVisible();
  expect(fetched.filter((f) => !before.has(f)).length).toBeGreaterThan(0);
});

test('the browser tells the server its time zone once the page is idle, and only when it changed', async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const reports: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/set_time_zone')) reports.push(request.postData() ?? '');
  });
  await page.goto('/login');
  await hydrated(page);
  const zone = async () => (await context.cookies()).find((c) => c.name === '__Host-portcullis_tz')?.value;
  await expect.poll(zone).toBe('Asia/Tokyo');
  expect(reports).toHaveLength(1);
  // The server now renders in that zone, and the next page does not ask again.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('body')).toHaveAttribute('data-tz', 'Asia/Tokyo');
  await page.waitForTimeout(300);
  expect(reports).toHaveLength(1);
  await context.close();
});
