import { expect, test } from '@playwright/test';
import { cli, createUser, hydrated, PASSWORD, replaceTemporaryPassword, signedInUser, signIn, signOut, uniqueName } from './helpers';
import { servers } from './servers';
import { totp } from './totp';

test('cancel on the second step ends the half-finished sign-in and shows a clean sign-in page', async ({ page }) => {
  const username = await signedInUser(page, 'cancel');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Security and sign-in' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await signOut(page);

  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Cancel and sign in again' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('Username or email')).toBeEmpty();
  // The partial session is gone: the second-step page sends the visitor to sign in.
  await page.goto('/login/verify');
  await expect(page).toHaveURL(/\/login$/);
});

test('the forced password change has a way out: sign out', async ({ page }) => {
  const username = uniqueName('out');
  const temporary = createUser(servers.main.dataDir, username);
  await signIn(page, username, temporary);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/login/change-password');
  await expect(page).toHaveURL(/\/login$/);
});

test('mandatory enrolment succeeds for someone who takes twenty minutes to install the app', async ({ page }) => {
  const server = servers.shortLimits;
  const username = uniqueName('slow');
  const temporary = createUser(server.dataDir, username);
  expect(cli(server, 'user', 'require-2fa', '--username', username)).toContain('mandatory');
  await page.clock.install();
  await page.goto(`${server.url}/login`);
  await hydrated(page);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(temporary);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(/\/login\/enroll$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  // Twenty minutes on the page's clock, and on this server longer than its inactivity and
  // half-finished sign-in limits (2 s and 6 s) in real time.
  await page.clock.fastForward('20:00');
  await page.waitForTimeout(8_000);
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await expect(page.getByTestId('backup-codes').locator('li')).toHaveCount(10);
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(`${server.url}/`);
});
