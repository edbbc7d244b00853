import { expect, Page, test } from '@playwright/test';
import {
  cli,
  createUser,
  hydrated,
  linkInMail,
  PASSWORD,
  replaceTemporaryPassword,
  signedInUser,
  signIn,
  signOut,
  uniqueName,
} from './helpers';
import { Server, servers } from './servers';

async function fillNewPassword(page: Page, password: string): Promise<void> {
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Confirm new password').fill(password);
}

test('change password from the user menu; the owner is told by email', async ({ page }) => {
  const username = await signedInUser(page, 'change');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/account\/password$/);
  await hydrated(page);
  await page.getByLabel('Current password').fill(PASSWORD);
  await fillNewPassword(page, 'Changed-Horse-77');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password has been changed.')).toBeVisible();
  await linkInMail(page, servers.main, `${username}@example.com`, 'password_changed');
  await expect(page.locator(`article.mail[data-recipient="${username}@example.com"] .mail-subject`).first()).toHaveText(
    'Your Portcullis password was changed',
  );
  await page.goto('/');
  await signOut(page);
  await signIn(page, username, 'Changed-Horse-77');
  await expect(page).toHaveURL(/\/$/);
});

test('forgot password: the emailed link sets a new password once', async ({ page }) => {
  const username = await signedInUser(page, 'forgot');
  await signOut(page);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email address').fill(`${username}@example.com`);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  const answer = page.getByRole('status');
  await expect(answer).toContainText('If these details match an account');

  const link = await linkInMail(page, servers.main, `${username}@example.com`, 'password_reset');
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await fillNewPassword(page, 'Recovered-Horse-8');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?password_reset=1$/);
  await expect(page.getByText('Your password has been changed. Sign in with your new password.')).toBeVisible();
  await signIn(page, username, 'Recovered-Horse-8');
  await expect(page).toHaveURL(/\/$/);
  // The link worked once.
  await page.goto(link);
  await expect(page.getByRole('alert')).toHaveText('This link has expired or has already been used. Ask for a new one.');
});

test('forgot password answers the same for an account that does not match', async ({ page }) => {
  const answers: string[] = [];
  const username = await signedInUser(page, 'same');
  await signOut(page);
  for (const [name, email] of [
    [username, `${username}@example.com`],
    [username, 'someone-else@example.com'],
    [uniqueName('ghost'), 'ghost@example.com'],
  ]) {
    await page.goto('/forgot-password');
    await hydrated(page);
    await page.getByLabel('Username').fill(name);
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    answers.push((await page.getByRole('status').textContent()) ?? '');
  }
  expect(new Set(answers).size).toBe(1);
});

test('five wrong passwords lock the account; the emailed link unlocks it', async ({ page }) => {
  const username = await signedInUser(page, 'lock');
  await signOut(page);
  for (let i = 0; i < 5; i++) {
    await signIn(page, username, `Wrong-Horse-${i}`);
    await expect(page.getByRole('alert')).toContainText('Sign-in failed');
  }
  // Locked: the right password gets the same generic error.
  await signIn(page, username, PASSWORD);
  await expect(page.getByRole('alert')).toContainText('Sign-in failed');
  await expect(page).toHaveURL(/\/login$/);

  const link = await linkInMail(page, servers.main, `${username}@example.com`, 'account_locked');
  await expect(page.locator(`article.mail[data-kind="account_locked"][data-recipient="${username}@example.com"]`).first()).toContainText(
    'forgot-password',
  );
  await page.goto(link);
  await hydrated(page);
  await page.getByRole('button', { name: 'Unlock my account' }).click();
  await expect(page.getByText('Your account is unlocked. You can sign in again.')).toBeVisible();
  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
});

test('an invitation link lets a new user choose their first password', async ({ page }) => {
  const username = uniqueName('invited');
  const out = cli(servers.main, 'user', 'create', '--username', username, '--email', `${username}@example.com`, '--invite');
  expect(out).toContain('Invitation link emailed');
  const link = await linkInMail(page, servers.main, `${username}@example.com`, 'invitation');
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Welcome: choose your password' })).toBeVisible();
  await fillNewPassword(page, 'Invited-Horse-21');
  await page.getByRole('button', { name: 'Set my password' }).click();
  await expect(page).toHaveURL(/\/login\?password_set=1$/);
  await signIn(page, username, 'Invited-Horse-21');
  await expect(page).toHaveURL(/\/$/);
});

async function signInOn(page: Page, server: Server, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await hydrated(page);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('a dormant account, then an expired password, must be changed before anything else', async ({ page }) => {
  test.setTimeout(90_000);
  const server = servers.lifecycle;
  const username = uniqueName('aging');
  const temporary = createUser(server.dataDir, username);
  await signInOn(page, server, username, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(`${server.url}/`);
  // Passwords on this server expire within days (seconds, really): the banner says so.
  await expect(page.getByRole('status').filter({ hasText: 'Your password expires' })).toBeVisible();
  await signOut(page);

  // More than the dormancy period (4 s) without signing in.
  await page.waitForTimeout(5_000);
  await signInOn(page, server, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await expect(page.getByText('You have not signed in for a long time')).toBeVisible();
  await page.goto(`${server.url}/account/sessions`);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await hydrated(page);
  await page.getByLabel('Current password').fill(PASSWORD);
  await fillNewPassword(page, 'Second-Horse-22');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(`${server.url}/`);
  await signOut(page);

  // The password is now older than its lifetime (8 s).
  await page.waitForTimeout(9_000);
  await signInOn(page, server, username, 'Second-Horse-22');
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await expect(page.getByText('Your password has expired')).toBeVisible();
});
