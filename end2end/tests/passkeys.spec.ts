import { CDPSession, expect, Page, test } from '@playwright/test';
import { hydrated, PASSWORD, signedInUser, signIn, signOut } from './helpers';

// Passkeys with Chromium's virtual authenticators (CDP WebAuthn domain): a platform authenticator
// with resident keys and user verification (a fingerprint), and a USB security key without user
// verification. The browser, the page's Rust bridge and the server all run for real.

interface Authenticator {
  cdp: CDPSession;
  id: string;
}

async function addAuthenticator(
  page: Page,
  kind: 'fingerprint' | 'security-key',
  consenting = true,
): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const verifies = kind === 'fingerprint';
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: verifies ? 'internal' : 'usb',
      // A fingerprint reader holds discoverable passkeys; a key without a PIN cannot make them.
      hasResidentKey: verifies,
      hasUserVerification: verifies,
      isUserVerified: verifies,
      isUserConsenting: consenting,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** Whether the authenticator answers by itself (a finger on the reader); off, requests wait. */
async function presence(a: Authenticator, enabled: boolean): Promise<void> {
  await a.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: a.id, enabled });
}

async function credentialCount(a: Authenticator): Promise<number> {
  const { credentials } = await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id });
  return credentials.length;
}

async function openSecurity(page: Page): Promise<void> {
  await hydrated(page);
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Security and sign-in' }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await hydrated(page);
}

/** Adds a passkey named `name` from the security settings (identity confirmed at sign-in). */
async function addPasskey(page: Page, name: string): Promise<void> {
  const setup = page.locator('.method-setup[data-kind="passkey"]');
  await setup.getByLabel('Nickname (to recognise it later)').fill(name);
  await setup.getByRole('button', { name: 'Add a passkey or security key' }).click();
}

async function saveBackupCodes(page: Page): Promise<void> {
  await expect(page.getByTestId('backup-codes').locator('li')).toHaveCount(10);
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('register a passkey; sign in with password and passkey, then without a password; rename and remove it', async ({ page }) => {
  const fingerprint = await addAuthenticator(page, 'fingerprint');
  const username = await signedInUser(page, 'passkey');
  await openSecurity(page);
  await addPasskey(page, 'Work laptop');
  await saveBackupCodes(page);
  await expect(page.getByTestId('mfa-status')).toHaveText('On');
  const factor = page.locator('li.factor[data-kind="passkey"]');
  await expect(factor).toContainText('Work laptop');
  await expect(factor.getByTestId('passkey-kind')).toContainText("This device's fingerprint, face or screen lock");
  await expect(factor.getByTestId('passkey-kind')).toContainText('can sign you in without a password');
  expect(await credentialCount(fingerprint)).toBe(1);

  // The same authenticator again: the browser knows it already holds a credential for this account.
  await addPasskey(page, 'Again');
  await expect(page.getByTestId('passkey-error')).toHaveText('This passkey or security key is already registered to your account.');
  expect(await credentialCount(fingerprint)).toBe(1);

  // Password, then the passkey (the default method). Nobody touches the reader while the password is
  // typed, so the sign-in page's passkey autofill stays waiting.
  await presence(fingerprint, false);
  await signOut(page);
  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await expect(page.getByText('Use your passkey, fingerprint or security key.')).toBeVisible();
  await presence(fingerprint, true);
  await page.getByTestId('use-passkey').click();
  await expect(page).toHaveURL(/\/$/);

  // Without a password: the sign-in page offers the passkey in the username field's autofill, and
  // choosing it signs in.
  await presence(fingerprint, false);
  await signOut(page);
  await page.goto('/login');
  await hydrated(page);
  await expect(page.getByLabel('Username or email')).toHaveAttribute('autocomplete', 'username webauthn');
  await expect(page.locator('.passkey-sign-in')).toHaveAttribute('data-passkey-autofill', 'true');
  // …and behind a button (the autofill's own answer is the last step below).
  await presence(fingerprint, true);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);

  // Rename, then remove (a passkey sign-in is a full authentication: no new confirmation is asked for
  // within five minutes; confirming with password and passkey later is an integration test).
  await openSecurity(page);
  await factor.getByText('Rename').click();
  await factor.getByLabel('New name').fill('Old laptop');
  await factor.getByRole('button', { name: 'Save' }).click();
  await expect(factor).toContainText('Old laptop');
  await expect(factor.getByRole('button', { name: 'Remove' })).toBeEnabled();
  await factor.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('mfa-status')).toContainText('Off');
  await expect(page.locator('li.factor[data-kind="passkey"]')).toHaveCount(0);

  // Removed on the server: the credential the authenticator still holds, offered by the autofill and
  // answered at once, no longer signs in.
  await signOut(page);
  await expect(page.getByRole('alert')).toContainText('That passkey could not be used.');
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
});

test('a cancelled passkey request says so, and the sign-in page still works', async ({ page }) => {
  await addAuthenticator(page, 'fingerprint', false);
  await page.goto('/login');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByTestId('passkey-error')).toHaveText('The passkey request was cancelled. Try again when you are ready.');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
});

test('a security key without user verification is a second step, never a sign-in on its own', async ({ page }) => {
  await addAuthenticator(page, 'security-key');
  const username = await signedInUser(page, 'seckey');
  await openSecurity(page);
  await addPasskey(page, 'YubiKey');
  await saveBackupCodes(page);
  const factor = page.locator('li.factor[data-kind="passkey"]');
  await expect(factor.getByTestId('passkey-kind')).toContainText('Security key');
  await expect(factor.getByTestId('passkey-kind')).toContainText('used after your password');

  // Without the password it signs no one in: the browser finds no passkey on it for this site (the
  // server's own refusal of a key without user verification is an integration test).
  await signOut(page);
  await page.goto('/login');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByTestId('passkey-error')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await page.getByTestId('use-passkey').click();
  await expect(page).toHaveURL(/\/$/);
});

test('opened on an IP address, the page sends the visitor to the host name passkeys need', async ({ page, baseURL }) => {
  const ip = (baseURL ?? '').replace('localhost', '127.0.0.1');
  await page.goto(`${ip}/login`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Open Portcullis at its own address');
  await expect(page.getByText('cookies and passkeys are bound to it')).toBeVisible();
  await page.getByRole('link', { name: 'Go there' }).click();
  await expect(page).toHaveURL(`${baseURL}/login`);
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeEnabled();
  await expect(page.getByTestId('passkey-host-notice')).toHaveCount(0);
});
