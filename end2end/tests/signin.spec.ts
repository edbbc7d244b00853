import { expect, test } from '@playwright/test';
import {
  createUser,
  firstAdminPassword,
  hydrated,
  PASSWORD,
  replaceTemporaryPassword,
  signedInUser,
  signIn,
  signOut,
  uniqueName,
} from './helpers';
import { servers } from './servers';

test('the first administrator signs in with the printed password, replaces it, and signs out', async ({ page }) => {
  const temporary = firstAdminPassword(servers.main.dataDir);
  await signIn(page, 'admin', temporary);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await expect(page.getByText('You signed in with a temporary password')).toBeVisible();
  await replaceTemporaryPassword(page, temporary, 'Gatekeeper-Chosen-2026');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Administrator' })).toBeVisible();
  await signOut(page);
  await expect(page.getByText('You have signed out.')).toBeVisible();
  // The new password works; the temporary one no longer does.
  await signIn(page, 'admin', temporary);
  await expect(page.getByRole('alert')).toContainText('Sign-in failed');
  await signIn(page, 'admin', 'Gatekeeper-Chosen-2026');
  await expect(page).toHaveURL(/\/$/);
});

test('a wrong password and an unknown account get the same generic error', async ({ page }) => {
  const username = uniqueName('wrong');
  createUser(servers.main.dataDir, username);
  await signIn(page, username, 'Not-The-Password-1');
  const error = page.getByRole('alert');
  await expect(error).toHaveText(
    'Sign-in failed. Check your username or email and your password, then try again.',
  );
  await expect(page).toHaveURL(/\/login$/);
  const first = await error.textContent();
  await signIn(page, uniqueName('nobody'), 'Not-The-Password-1');
  await expect(page.getByRole('alert')).toHaveText(first ?? '');
});

test('show password reveals and hides what was typed, after hydration', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('Secret-Typed-1');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByLabel('Show password').check();
  await expect(password).toHaveAttribute('type', 'text');
  await expect(password).toHaveValue('Secret-Typed-1');
  await page.getByLabel('Show password').uncheck();
  await expect(password).toHaveAttribute('type', 'password');
});

test('every field of the sign-in form has a visible label', async ({ page }) => {
  await page.goto('/login');
  for (const label of ['Username or email', 'Password', 'Show password']) {
    await expect(page.getByText(label, { exact: true })).toBeVisible();
  }
  await expect(page.getByRole('link', { name: 'Forgot password?' })).toBeVisible();
});

test('signing in by email works and the user menu signs out', async ({ page }) => {
  const username = await signedInUser(page, 'menu');
  await signOut(page);
  await signIn(page, `${username.toUpperCase()}@EXAMPLE.COM`, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  // The home page is loaded in full after a sign-in: its menu opens once the page has hydrated.
  await hydrated(page);
  await page.getByTestId('user-menu').click();
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Change password' })).toBeVisible();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  // Signed out means signed out: account pages send to the sign-in page.
  await page.goto('/account/sessions');
  await expect(page).toHaveURL(/\/login$/);
});

test('a session ends after the configured inactivity', async ({ page }) => {
  await page.goto(servers.shortIdle.url + '/login');
  const username = uniqueName('idle');
  const temporary = createUser(servers.shortIdle.dataDir, username);
  await hydrated(page);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(temporary);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(servers.shortIdle.url + '/');
  // Without any activity the page itself notices the end of the session and shows why.
  await expect(page).toHaveURL(/\/login\?expired=1$/, { timeout: 15_000 });
  await expect(page.getByText('Your session ended after a period without activity')).toBeVisible();
  // And the server agrees: the account pages are closed.
  await page.goto(servers.shortIdle.url + '/account/sessions');
  await expect(page).toHaveURL(/\/login/);
});

test('the temporary password stage cannot reach account pages', async ({ page }) => {
  const username = uniqueName('partial');
  const temporary = createUser(servers.main.dataDir, username);
  await signIn(page, username, temporary);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  for (const path of ['/', '/account/sessions', '/account/password']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login\/change-password$/);
  }
  // Server functions refuse the partial session too, whatever the page does.
  const answer = await page.request.post('/api/list_sessions', {
    headers: { Origin: servers.main.url },
  });
  expect(await answer.text()).toBe('"SignInIncomplete"');
});
