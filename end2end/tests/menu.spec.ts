import { expect, test } from '@playwright/test';
import { createUser, hydrated, PASSWORD, replaceTemporaryPassword, signedInUser, signIn, uniqueName } from './helpers';
import { servers } from './servers';

// The user menu (a WAI-ARIA menu button), the language switch, the user guide and its "?" links.

test('the user menu works with the keyboard alone', async ({ page }) => {
  await signedInUser(page, 'keys');
  const button = page.getByTestId('user-menu');
  const menu = page.getByRole('menu');
  await expect(button).toHaveAttribute('aria-haspopup', 'menu');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeHidden();

  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(menu).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'User guide' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitemradio', { name: 'English' })).toBeFocused();
  await expect(page.getByRole('menuitemradio', { name: 'English' })).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('End');
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'User guide' })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(button).toBeFocused();

  // ↑ opens on the last item; Home goes to the first; moving down to an item and Enter follows it.
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.getByRole('menuitem', { name: 'User guide' })).toBeFocused();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Security and sign-in' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account\/security$/);
});

test('account and payout details are in the menu of authorized users only', async ({ page, browser }) => {
  await signedInUser(page, 'plain');
  await page.getByTestId('user-menu').click();
  await expect(page.getByRole('menuitem', { name: 'Developer portal' })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Account details' })).toHaveCount(0);
  await expect(page.getByRole('menuitem', { name: 'Payout details' })).toHaveCount(0);

  const other = await (await browser.newContext()).newPage();
  const username = uniqueName('authorized');
  const temporary = createUser(servers.main.dataDir, username, 'authorized');
  await signIn(other, username, temporary);
  await replaceTemporaryPassword(other, temporary, PASSWORD);
  await expect(other).toHaveURL(/\/$/);
  await hydrated(other);
  await other.getByTestId('user-menu').click();
  await expect(other.getByRole('menuitem', { name: 'Account details' })).toBeVisible();
  await other.getByRole('menuitem', { name: 'Account details' }).click();
  await expect(other.getByTestId('account-details')).toContainText(username);
  await hydrated(other);

  // Payout details: confirm it's you, a live check of the IBAN, then saved, masked and emailed.
  await other.getByTestId('user-menu').click();
  await other.getByRole('menuitem', { name: 'Payout details' }).click();
  await expect(other).toHaveURL(/\/account\/payout$/);
  await hydrated(other);
  // Signed in just now: the details open at once; later they ask for the password again.
  await expect(other.getByTestId('payout-none')).toBeVisible();
  await other.getByLabel('Account holder').fill('Ada Lovelace');
  await other.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 01');
  await expect(other.locator('#iban-hint')).toHaveText('That IBAN is not valid: check it for typing mistakes.');
  await other.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
  await expect(other.locator('#iban-hint')).toHaveCount(0);
  await other.getByLabel('BIC (SWIFT code)').fill('DEUTDEFF');
  await other.getByRole('button', { name: 'Save payout details' }).click();
  await expect(other.getByRole('status')).toContainText('We sent you an email about this change.');
  await expect(other.getByTestId('payout-current')).toContainText('DE•• •••• •••• •••• ••30 00');
  await expect(other.getByTestId('payout-current')).not.toContainText('0532');
  await other.goto('/dev/mailbox');
  await expect(other.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="payout_changed"]`)).toHaveCount(1);

  // The server refuses a plain user who asks anyway.
  const refused = await page.request.post('/api/payout_details', { headers: { Origin: servers.main.url } });
  expect(refused.status()).toBe(403);
});

test('the language chosen from the menu is kept: pages and emails in French, then Spanish', async ({ page }) => {
  const username = await signedInUser(page, 'langue');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitemradio', { name: 'Français' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await hydrated(page);
  await page.getByTestId('user-menu').click();
  await expect(page.getByRole('menuitemradio', { name: 'Français' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('menuitem', { name: 'Sécurité et connexion' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sécurité et connexion');
  await hydrated(page);

  // An email to this user goes out in the language of their profile.
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Se déconnecter' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion');
  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Adresse e-mail').fill(`${username}@example.com`);
  await page.getByRole('button', { name: /lien/ }).click();
  await expect(page.getByRole('status')).toBeVisible();
  await page.goto('/dev/mailbox');
  const mail = page.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="password_reset"]`).first();
  await expect(mail).toContainText('Réinitialisez votre mot de passe Portcullis');

  // Spanish from the sign-in page's own switch.
  await page.goto('/login');
  await hydrated(page);
  await page.getByRole('button', { name: 'Español' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Iniciar sesión', exact: true })).toBeVisible();
  await page.getByLabel('Nombre de usuario o correo electrónico').fill(username);
  await page.getByLabel('Contraseña', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
});

test('the guide is in three languages and the "?" opens the section for the page', async ({ page }) => {
  await page.goto('/guide');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('User guide');
  for (const title of ['Signing in', 'Setting up two-step verification', 'Backup codes', 'A lost phone or key', '“Code incorrect”', 'New device emails', 'Lost login details']) {
    await expect(page.getByRole('heading', { level: 2, name: title })).toBeVisible();
  }
  await page.getByRole('button', { name: 'Français' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Guide d’utilisation');
  await hydrated(page);
  await page.getByRole('button', { name: 'Español' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Guía de uso');
  await hydrated(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('User guide');

  await signedInUser(page, 'helpme');
  await page.goto('/account/security');
  await hydrated(page);
  await page.getByTestId('help').click();
  await expect(page).toHaveURL(/\/guide\/two-step$/);
  await expect(page.getByRole('heading', { level: 2, name: 'Setting up two-step verification' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Backup codes' })).toHaveCount(0);
});
