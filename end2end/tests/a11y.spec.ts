import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { createUser, hydrated, PASSWORD, replaceTemporaryPassword, uniqueName } from './helpers';
import { servers } from './servers';

// axe-core on every page, in each language (chosen by the browser's Accept-Language): no serious or
// critical violation of WCAG 2 A/AA.

async function check(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(serious, `${path}`).toEqual([]);
}

for (const locale of ['en-GB', 'fr-FR', 'es-ES']) {
  test(`every page passes axe in ${locale}`, async ({ browser }) => {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    for (const path of ['/login', '/forgot-password', '/guide', '/guide/two-step', '/developers']) {
      await check(page, path);
    }
    // A first sign-in: the forced password change, then every signed-in page.
    const username = uniqueName('axe');
    const temporary = createUser(servers.main.dataDir, username);
    await page.goto('/login');
    await hydrated(page);
    await page.locator('#identifier').fill(username);
    await page.locator('#password').fill(temporary);
    await page.locator('form button[type=submit].primary').first().click();
    await expect(page).toHaveURL(/\/login\/change-password$/);
    await hydrated(page);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    if (locale === 'en-GB') {
      await replaceTemporaryPassword(page, temporary, PASSWORD);
    } else {
      await page.locator('input[name=current]').fill(temporary);
      await page.locator('input[name=new]').fill(PASSWORD);
      await page.locator('input[name=confirm]').fill(PASSWORD);
      await page.locator('form button[type=submit].primary').click();
    }
    await expect(page).toHaveURL(/\/$/);
    for (const path of ['/', '/account/security', '/account/sessions', '/account/password']) {
      await check(page, path);
    }
    await page.getByTestId('user-menu').click();
    const results2 = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(results2.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await context.close();
  });
}
