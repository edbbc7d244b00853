import { expect, test } from '@playwright/test';
import { hydrated, PASSWORD, signedInUser, signIn } from './helpers';

test('a user sees their sessions and ends another one', async ({ page, browser }) => {
  const username = await signedInUser(page, 'sess');
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, username, PASSWORD);
  await expect(other).toHaveURL(/\/$/);

  await page.goto('/account/sessions');
  await hydrated(page);
  const rows = page.locator('table.sessions tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(page.locator('tr[data-current="true"]')).toContainText('This browser');
  await page.locator('tr[data-current="false"]').getByRole('button', { name: 'End session' }).click();
  await expect(rows).toHaveCount(1);

  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await otherContext.close();
});
