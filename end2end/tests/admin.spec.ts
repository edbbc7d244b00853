import { Browser, expect, Page, test } from '@playwright/test';
import { createUser, hydrated, PASSWORD, replaceTemporaryPassword, uniqueName } from './helpers';
import { servers } from './servers';

/** The sign-in form's password button (the page also offers "Sign in with a passkey"). */
async function signInAs(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username or email').fill(identifier);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** A fresh account with `role`, signed in with its own password, on the home page. */
async function signedInAs(page: Page, prefix: string, role: string): Promise<string> {
  const name = uniqueName(prefix);
  const temporary = createUser(servers.main.dataDir, name, role);
  await signInAs(page, name, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  return name;
}

async function inNewBrowser<T>(browser: Browser, run: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await run(await context.newPage());
  } finally {
    await context.close();
  }
}

test('an administrator creates a user with two-step verification required, unlocks it and issues a temporary password', async ({ page, browser }) => {
  await signedInAs(page, 'boss', 'admin');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Back office' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await hydrated(page);

  // Create the account, with two-step verification required.
  const name = uniqueName('staff');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Email address', { exact: true }).fill(`${name}@example.com`);
  await page.getByLabel('Full name (optional)').fill('Staff Member');
  await page.getByLabel('Role', { exact: true }).selectOption('User');
  await page.getByLabel('Require two-step verification').check();
  await page.getByRole('button', { name: 'Create user' }).click();
  const shown = page.getByTestId('temporary-password');
  await expect(shown).toBeVisible();
  const temporary = (await shown.textContent())!.trim();
  expect(temporary).toMatch(/^\S{4}-\S{4}-\S{4}-\S{4}$/);

  // The list finds it, with how it stands.
  await page.getByLabel('Search by username, email address or name').fill(name);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.locator(`tr[data-username="${name}"]`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('user-total')).toHaveText('1 user');
  await expect(row.locator('[data-status="mfa-required"]')).toBeVisible();
  await expect(row.locator('[data-status="temporary"]')).toBeVisible();

  // The new user replaces the temporary password and must set up two-step verification.
  await inNewBrowser(browser, async (user) => {
    await signInAs(user, name, temporary);
    await replaceTemporaryPassword(user, temporary, PASSWORD);
    await expect(user).toHaveURL(/\/login\/enroll$/);
  });

  // Someone locks the account with wrong passwords.
  await inNewBrowser(browser, async (attacker) => {
    for (let i = 0; i < 5; i++) {
      await signInAs(attacker, name, 'Wrong-Password-1');
      await expect(attacker.getByRole('alert')).toBeVisible();
    }
  });

  await row.getByRole('link', { name }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/users/${name}$`));
  await hydrated(page);
  await expect(page.getByTestId('user-status').locator('[data-status="locked"]')).toBeVisible();
  await page.getByRole('button', { name: 'Unlock the account' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The account is unlocked.' })).toBeVisible();
  await expect(page.getByTestId('user-status').locator('[data-status="locked"]')).toHaveCount(0);

  // A role, then a new temporary password: the user must change it at the next sign-in.
  await page.getByLabel('Role', { exact: true }).selectOption('Authorized');
  await page.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByTestId('user-role')).toHaveText('Authorized user');
  await page.getByRole('button', { name: 'Issue a temporary password' }).click();
  const issued = page.getByTestId('temporary-password');
  await expect(issued).toBeVisible();
  const second = (await issued.textContent())!.trim();
  expect(second).not.toEqual(temporary);
  await inNewBrowser(browser, async (user) => {
    await signInAs(user, name, second);
    await expect(user).toHaveURL(/\/login\/change-password$/);
  });

  // Disabled, the account cannot sign in.
  await page.getByRole('button', { name: 'Disable the account' }).click();
  await expect(page.getByTestId('user-status').locator('[data-status="disabled"]')).toBeVisible();
  await inNewBrowser(browser, async (user) => {
    await signInAs(user, name, second);
    await expect(user.getByRole('alert')).toContainText('Sign-in failed');
  });
  await page.getByRole('button', { name: 'Enable the account' }).click();
  await expect(page.getByTestId('user-status').locator('[data-status="disabled"]')).toHaveCount(0);
});

test('the back office is closed to users who are not administrators', async ({ page, browser }) => {
  await signedInAs(page, 'plain', 'user');
  await page.getByTestId('user-menu').click();
  await expect(page.getByRole('menuitem', { name: 'Back office' })).toHaveCount(0);
  await page.goto('/admin/users');
  await expect(page.getByRole('alert')).toHaveText('You are not allowed to do that.');
  await expect(page.locator('table.users')).toHaveCount(0);

  await inNewBrowser(browser, async (other) => {
    await signedInAs(other, 'trusted', 'authorized');
    await other.goto('/admin');
    await expect(other.getByRole('alert')).toHaveText('You are not allowed to do that.');
  });
});
