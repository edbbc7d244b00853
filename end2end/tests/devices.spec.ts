import { expect, Page, test } from '@playwright/test';
import { hydrated, linkInMail, PASSWORD, signedInUser, signIn, signOut } from './helpers';
import { servers } from './servers';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

async function alerts(page: Page, recipient: string): Promise<number> {
  await page.goto(`${servers.main.url}/dev/mailbox`);
  await hydrated(page);
  return page.locator(`article.mail[data-recipient="${recipient}"][data-kind="new_device"]`).count();
}

test('a known browser is not announced after an update; a new one is, and its link ends every session and starts a reset', async ({ page, browser }) => {
  const username = await signedInUser(page, 'dev');
  const email = `${username}@example.com`;
  expect(await alerts(page, email), 'the first sign-in is not news').toBe(0);

  // The same browser (its device cookie), updated: another User-Agent, no alert.
  await page.goto('/');
  await signOut(page);
  const updated = await browser.newContext({ storageState: await page.context().storageState(), userAgent: FIREFOX });
  const same = await updated.newPage();
  await signIn(same, username, PASSWORD);
  await expect(same).toHaveURL(/\/$/);
  expect(await alerts(same, email), 'a known device after an update').toBe(0);
  await updated.close();

  // A browser this account never used: announced.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await signIn(stranger, username, PASSWORD);
  await expect(stranger).toHaveURL(/\/$/);
  const link = await linkInMail(page, servers.main, email, 'new_device');
  expect(link).toContain('/not-me/');

  // The owner, from the email: "This wasn't me".
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: "This wasn't me" })).toBeVisible();
  await page.getByRole('button', { name: 'Secure my account' }).click();
  await expect(page).toHaveURL(/\/reset-password\//);
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill('Rescued-Horse-91');
  await page.getByLabel('Confirm new password').fill('Rescued-Horse-91');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?password_reset=1$/);

  // The stranger's session is over and the old password opens nothing.
  await stranger.reload();
  await expect(stranger).toHaveURL(/\/login/);
  await signIn(stranger, username, PASSWORD);
  await expect(stranger.getByRole('alert')).toBeVisible();
  await expect(stranger).toHaveURL(/\/login/);
  await strangerContext.close();

  // The link worked once.
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Secure my account' })).toHaveCount(0);

  // The new password signs in.
  await signIn(page, username, 'Rescued-Horse-91');
  await expect(page).toHaveURL(/\/$/);
});
