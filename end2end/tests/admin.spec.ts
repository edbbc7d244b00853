import { Browser, expect, Page, test } from '@playwright/test';
import { createUser, hydrated, linkInMail, PASSWORD, replaceTemporaryPassword, uniqueName } from './helpers';
import { servers } from './servers';
import { totp } from './totp';

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

  // The audit log shows each of these, and exports them as CSV.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  await hydrated(page);
  await page.getByLabel('Username (who acted or whose account)').fill(name);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/audit\\?event=&user=${name}$`));
  for (const event of ['user.created', 'account.locked', 'account.unlocked', 'user.role_changed', 'password.temporary_issued', 'user.disabled', 'user.enabled']) {
    await expect(page.locator(`tr[data-event="${event}"]`).first()).toBeVisible();
  }
  await expect(page.locator('tr[data-event="account.unlocked"]')).toContainText('Account unlocked');
  const href = await page.getByTestId('export-csv').getAttribute('href');
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const text = await csv.text();
  expect(text.split('\r\n')[0]).toBe('Time,Event code,Event,By,Account,Address,Browser,Detail');
  expect(text).toContain(`,account.unlocked,Account unlocked,`);
});

test('the back office is closed to users who are not administrators', async ({ page, browser }) => {
  await signedInAs(page, 'plain', 'user');
  await page.getByTestId('user-menu').click();
  await expect(page.getByRole('menuitem', { name: 'Back office' })).toHaveCount(0);
  await page.goto('/admin/users');
  await expect(page.getByRole('alert')).toHaveText('You are not allowed to do that.');
  await expect(page.locator('table.users')).toHaveCount(0);
  expect((await page.request.get('/admin/audit.csv')).status()).toBe(403);
  // Their own activity, though, is theirs to see.
  await page.goto('/account/activity');
  await expect(page.locator('tr[data-event="password.changed"]')).toBeVisible();
  await expect(page.locator('table.audit th')).toHaveCount(4);

  await inNewBrowser(browser, async (other) => {
    await signedInAs(other, 'trusted', 'authorized');
    await other.goto('/admin');
    await expect(other.getByRole('alert')).toHaveText('You are not allowed to do that.');
  });
});

/** Adds an authenticator app from the security settings (the password was just confirmed by signing in). */
async function enrolTotp(page: Page): Promise<void> {
  await page.goto('/account/security');
  await hydrated(page);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await expect(page.getByTestId('backup-codes').locator('li')).toHaveCount(10);
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('mfa-status')).toHaveText('On');
}

test('a recovery request is approved after a recorded verification and cancelled once from its email', async ({ page, browser }) => {
  const name = await inNewBrowser(browser, async (owner) => {
    const n = await signedInAs(owner, 'lost', 'user');
    await enrolTotp(owner);
    return n;
  });
  // Every method lost: from the second step, ask for help.
  await inNewBrowser(browser, async (owner) => {
    await signInAs(owner, name, PASSWORD);
    await expect(owner).toHaveURL(/\/login\/verify$/);
    await hydrated(owner);
    await owner.getByTestId('lost-every-method').click();
    await expect(owner).toHaveURL(/\/login\/recovery$/);
    await hydrated(owner);
    await owner.getByLabel('What can you tell us about your account').fill('I lost my phone; employee number 4411.');
    await owner.getByRole('button', { name: 'Send the request' }).click();
    await expect(owner.getByTestId('recovery-sent')).toBeVisible();
  });

  await signedInAs(page, 'boss', 'admin');
  await page.goto('/admin/recovery');
  await hydrated(page);
  const card = page.locator(`[data-testid="recovery-request"][data-username="${name}"]`);
  await expect(card).toContainText('employee number 4411');
  await expect(card.getByRole('button', { name: 'Approve' })).toBeDisabled();
  await card.getByLabel('How you verified their identity').fill('Video call with ID card');
  await card.getByLabel('Reference (ticket, document check)').fill('HELP-77');
  await card.getByRole('button', { name: 'Record the verification' }).click();
  await expect(card.getByTestId('verification')).toContainText('HELP-77');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(card).toHaveAttribute('data-status', 'approved');

  // The owner cancels it from the email, once.
  const link = await linkInMail(page, servers.main, `${name}@example.com`, 'recovery_approved');
  await inNewBrowser(browser, async (owner) => {
    await owner.goto(link);
    await hydrated(owner);
    await owner.getByRole('button', { name: 'Cancel the removal' }).click();
    await expect(owner.getByTestId('recovery-cancelled')).toBeVisible();
    await owner.goto(link);
    await hydrated(owner);
    await owner.getByRole('button', { name: 'Cancel the removal' }).click();
    await expect(owner.getByRole('alert')).toContainText('This link has expired or has already been used.');
  });
  await page.goto('/admin/recovery');
  await expect(card).toHaveAttribute('data-status', 'cancelled');
  await page.goto(`/admin/audit?user=${name}`);
  for (const event of ['two_step_recovery.requested', 'two_step_recovery.verified', 'two_step_recovery.approved', 'two_step_recovery.cancelled']) {
    await expect(page.locator(`tr[data-event="${event}"]`)).toHaveCount(1);
  }
});
