import { expect, Page, test } from '@playwright/test';
import { cli, createUser, hydrated, PASSWORD, replaceTemporaryPassword, signedInUser, signIn, signOut, uniqueName } from './helpers';
import { servers } from './servers';
import { totp } from './totp';

/** Adds an authenticator app from the security settings; answers its setup key and the backup codes. */
async function enrolTotp(page: Page): Promise<{ key: string; codes: string[] }> {
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Security and sign-in' }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await hydrated(page);
  await expect(page.getByTestId('mfa-status')).toContainText('Off');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  expect(key.split(' ')).toHaveLength(8);
  await expect(page.locator('.qr svg')).toBeVisible();
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByLabel('Name this device (optional)').fill('Test phone');
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  const list = page.getByTestId('backup-codes');
  await expect(list.locator('li')).toHaveCount(10);
  const codes = (await list.locator('li').allTextContents()).map((c) => c.trim());
  await expect(page.getByRole('link', { name: 'Download (.txt)' })).toHaveAttribute('download', 'portcullis-backup-codes.txt');
  const continueButton = page.getByRole('button', { name: 'Continue' });
  await expect(continueButton).toBeDisabled();
  await page.getByLabel('I have saved my backup codes').check();
  await continueButton.click();
  await expect(page.getByTestId('mfa-status')).toHaveText('On');
  await expect(page.locator('li.factor')).toContainText('Test phone');
  await expect(page.getByTestId('codes-remaining')).toContainText('10 of 10');
  return { key, codes };
}

async function submitCode(page: Page, code: string, trust = false): Promise<void> {
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await page.getByLabel(/Verification code|Backup code/).fill(code);
  if (trust) await page.getByLabel(/Don't ask again on this browser/).check();
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('enrol an authenticator app; sign in with it; a code and a backup code work only once', async ({ page, browser }) => {
  const username = await signedInUser(page, 'totp');
  const { key, codes } = await enrolTotp(page);
  await signOut(page);

  await signIn(page, username, PASSWORD);
  await expect(page.getByText('Enter the 6-digit code from your authenticator app.')).toBeVisible();
  // The enrolment used this step's code: the next step's is accepted (±1) and newer.
  const code = totp(key, 1);
  await submitCode(page, code);
  await expect(page).toHaveURL(/\/$/);

  // The same code from another browser: refused as a replay.
  const other = await (await browser.newContext()).newPage();
  await signIn(other, username, PASSWORD);
  await submitCode(other, code);
  await expect(other.getByRole('alert')).toContainText('already been used');
  // A backup code instead, once.
  await other.getByRole('button', { name: 'Try another way' }).click();
  await other.getByRole('button', { name: /Use a backup code \(10 left\)/ }).click();
  await submitCode(other, codes[0]);
  await expect(other).toHaveURL(/\/$/);
  await signOut(other);
  await signIn(other, username, PASSWORD);
  await other.getByRole('button', { name: 'Try another way' }).click();
  await other.getByRole('button', { name: /Use a backup code \(9 left\)/ }).click();
  await submitCode(other, codes[0]);
  await expect(other.getByRole('alert')).toContainText('not valid, or it has already been used');
  await other.context().close();
});

test('a trusted browser skips the second step, and is asked again after it is removed', async ({ page }) => {
  const username = await signedInUser(page, 'trust');
  const { key } = await enrolTotp(page);
  await signOut(page);
  await signIn(page, username, PASSWORD);
  await submitCode(page, totp(key, 1), true);
  await expect(page).toHaveURL(/\/$/);
  await signOut(page);

  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/$/, { timeout: 10_000 });
  await page.goto('/account/security');
  await hydrated(page);
  const row = page.locator('[data-testid="trusted-browsers"] tr[data-current="true"]');
  await expect(row).toContainText('This browser');
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('no-trusted-browsers')).toBeVisible();
  await signOut(page);
  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
});

test('mandatory two-step verification forces enrolment before anything else', async ({ page }) => {
  const username = uniqueName('must');
  const temporary = createUser(servers.main.dataDir, username);
  expect(cli(servers.main, 'user', 'require-2fa', '--username', username)).toContain('mandatory');
  await signIn(page, username, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(/\/login\/enroll$/);
  for (const path of ['/', '/account/sessions', '/account/security']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login\/enroll$/);
  }
  await hydrated(page);
  await expect(page.getByText('Your administrator requires two-step verification')).toBeVisible();
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await expect(page.getByTestId('backup-codes').locator('li')).toHaveCount(10);
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('a partial session reaches no account page and no server function', async ({ page }) => {
  const username = await signedInUser(page, 'partial2fa');
  await enrolTotp(page);
  await signOut(page);
  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
  for (const path of ['/', '/account/security', '/account/sessions', '/account/password']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login\/verify$/);
  }
  for (const fn of ['list_sessions', 'security_overview', 'revoke_other_sessions', 'regenerate_backup_codes', 'begin_totp']) {
    const answer = await page.request.post(`/api/${fn}`, { headers: { Origin: servers.main.url }, form: { password: PASSWORD } });
    expect(await answer.text(), fn).toBe('"SignInIncomplete"');
  }
});
