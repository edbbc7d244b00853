import { expect, test } from '@playwright/test';
import { createUser, hydrated, signIn, uniqueName } from './helpers';
import { servers } from './servers';

test('the checklist ticks each rule while typing, and the server checks them again', async ({ page }) => {
  const username = uniqueName('rules');
  const temporary = createUser(servers.main.dataDir, username);
  await signIn(page, username, temporary);
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await hydrated(page);
  const rule = (name: string) => page.locator(`#password-rules li[data-rule="${name}"]`);
  const field = page.getByLabel('New password', { exact: true });
  for (const name of ['MinLength', 'Digit', 'Special', 'Uppercase']) {
    await expect(rule(name)).toHaveAttribute('data-met', 'false');
  }
  await field.fill('abcdefgh');
  await expect(rule('MinLength')).toHaveAttribute('data-met', 'true');
  await expect(rule('Digit')).toHaveAttribute('data-met', 'false');
  await field.fill('abcdefgh7');
  await expect(rule('Digit')).toHaveAttribute('data-met', 'true');
  await field.fill('abcdefgh7!');
  await expect(rule('Special')).toHaveAttribute('data-met', 'true');
  await expect(rule('Uppercase')).toHaveAttribute('data-met', 'false');
  // Submitting anyway: the server answers per rule.
  await page.getByLabel('Temporary password').fill(temporary);
  await page.getByLabel('Confirm new password').fill('abcdefgh7!');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toContainText('must contain an English uppercase letter');
  await field.fill('Abcdefgh7!');
  await expect(rule('Uppercase')).toHaveAttribute('data-met', 'true');
  await page.getByLabel('Confirm new password').fill('Abcdefgh7!');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/$/);
});
