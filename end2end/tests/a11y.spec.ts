import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createUser, hydrated, PASSWORD, replaceTemporaryPassword, uniqueName } from './helpers';
import { servers } from './servers';

// A catalogue key shown instead of its text ("admin.users_title") means a message is missing.
const sections = Object.keys(JSON.parse(readFileSync(resolve(__dirname, '../../app/locales/en.json'), 'utf8')));
const rawKey = new RegExp(`\\b(${sections.join('|')})\\.[a-z_]+\\b`);

// axe-core on every page, in each language (chosen by the browser's Accept-Language): no serious or
// critical violation of WCAG 2 A/AA.

async function check(page: Page, path: string, lang?: string): Promise<void> {
  const errors: string[] = [];
  const onError = (e: Error) => errors.push(e.message);
  page.on('pageerror', onError);
  const onConsole = (m: import('@playwright/test').ConsoleMessage) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text().slice(0, 400)); };
  page.on('console', onConsole);
  await page.goto(path);
  try {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  } catch (e) {
    throw new Error(`${path} did not hydrate: ${errors.join(' | ')}`);
  }
  page.off('pageerror', onError);
  page.off('console', onConsole);
  if (lang) await expect(page.locator('html'), path).toHaveAttribute('lang', lang);
  const text = await page.locator('body').innerText();
  expect(text.match(rawKey)?.[0], `a catalogue key on ${path}`).toBeUndefined();
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(serious, `${path}`).toEqual([]);
}

for (const locale of ['en-GB', 'fr-FR', 'es-ES']) {
  test(`every page passes axe in ${locale}`, async ({ browser }) => {
    const lang = locale.slice(0, 2);
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const open = [
      '/login', '/forgot-password', '/guide', '/guide/two-step', '/developers',
      // Emailed links that are no longer valid: their error pages.
      '/reset-password/spent', '/invitation/spent', '/unlock/spent', '/not-me/spent', '/cancel-recovery/spent',
      '/no-such-page',
    ];
    for (const path of open) {
      await check(page, path, lang);
    }
    // A first sign-in (an administrator, who sees every page): the forced password change, then
    // every signed-in page.
    const username = uniqueName('axe');
    const temporary = createUser(servers.main.dataDir, username, 'admin');
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
    const signedIn = [
      '/', '/account/security', '/account/sessions', '/account/password', '/account/activity',
      '/account/details', '/account/payout', '/admin/users', `/admin/users/${username}`, '/admin/audit',
      '/admin/recovery',
    ];
    for (const path of signedIn) {
      await check(page, path, lang);
    }
    await page.getByTestId('user-menu').click();
    const results2 = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(results2.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await context.close();
  });
}
