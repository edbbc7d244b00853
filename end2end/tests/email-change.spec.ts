import { expect, test } from '@playwright/test';
import { createUser, hydrated, linkInMail, PASSWORD, replaceTemporaryPassword, signIn, uniqueName } from './helpers';
import { servers } from './servers';

test('an authorized user changes their email address: a link to the new one, a notice to the old one', async ({ page, browser }) => {
  const username = uniqueName('mover');
  const temporary = createUser(servers.main.dataDir, username, 'authorized');
  await signIn(page, username, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/account/details');
  await hydrated(page);
  const newAddress = `${username}.new@example.org`;
  // Signed in just now: the request goes at once (later the page asks to confirm it's you first).
  await page.getByLabel('New email address').fill(newAddress);
  await page.getByRole('button', { name: 'Send the confirmation link' }).click();
  await expect(page.getByTestId('email-change-sent')).toContainText(newAddress);
  await expect(page.getByTestId('account-details')).toContainText(`${username}@example.com`);

  // The old address was told; the link is in the mail to the new address. A fresh browser (no session)
  // opens it: opening spends nothing, the button does.
  const link = await linkInMail(page, servers.main, newAddress, 'email_change_confirm');
  await expect(page.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="email_change_requested"]`)).toHaveCount(1);
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await hydrated(other);
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Confirm your new email address');
  await other.getByRole('button', { name: 'Use this address' }).click();
  await expect(other.getByTestId('email-changed')).toContainText(newAddress);

  // Used once: opening it again says so.
  await other.goto(link);
  await expect(other.getByTestId('confirm-email-invalid')).toBeVisible();

  await page.goto('/account/details');
  await expect(page.getByTestId('account-details')).toContainText(newAddress);
  await page.goto('/dev/mailbox');
  await expect(page.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="email_changed"]`)).toHaveCount(1);
});
