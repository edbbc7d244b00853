import { expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { binary, Server, servers } from './servers';

export const PASSWORD = 'Correct-Horse-42';
let counter = 0;

/** A fresh username for each test, so tests never share accounts. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** Runs the real command line against a test server's data directory. */
export function cli(server: Server, ...args: string[]): string {
  const env = { ...process.env, PUBLIC_URL: server.url };
  delete env.DATABASE_URL;
  return execFileSync(binary, ['--data-dir', server.dataDir, ...args], { env, encoding: 'utf8' });
}

function serverOf(dataDir: string): Server {
  const server = Object.values(servers).find((s) => s.dataDir === dataDir);
  if (!server) throw new Error(`no test server uses ${dataDir}`);
  return server;
}

/** Creates an account with the real command line; answers its temporary password. */
export function createUser(dataDir: string, username: string, role = 'user'): string {
  const out = cli(serverOf(dataDir), 'user', 'create', '--username', username, '--email', `${username}@example.com`, '--role', role);
  const match = out.match(/Temporary password \(must be changed at first sign-in\): (\S+)/);
  if (!match) throw new Error(`no temporary password in: ${out}`);
  return match[1];
}

/** The first link in the newest email of `kind` to `recipient`, read from the developer mailbox. */
export async function linkInMail(page: Page, server: Server, recipient: string, kind: string): Promise<string> {
  await page.goto(`${server.url}/dev/mailbox`);
  const mail = page.locator(`article.mail[data-recipient="${recipient}"][data-kind="${kind}"]`).first();
  await expect(mail).toBeVisible();
  const href = await mail.locator('.mail-body a').first().getAttribute('href');
  if (!href) throw new Error(`no link in the ${kind} email to ${recipient}`);
  return href;
}

/** The first administrator's temporary password, as the server printed it on its first start. */
export function firstAdminPassword(dataDir: string): string {
  const out = readFileSync(resolve(dataDir, 'stdout.log'), 'utf8');
  const match = out.match(/temporary password:\s+(\S+)/);
  if (!match) throw new Error(`no administrator password in the server's output: ${out}`);
  return match[1];
}

/** Waits until the wasm bundle has hydrated the page (event handlers attached). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

export async function signIn(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username or email').fill(identifier);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Completes the forced change of a temporary password. */
export async function replaceTemporaryPassword(page: Page, temporary: string, chosen: string): Promise<void> {
  await expect(page).toHaveURL(/\/login\/change-password$/);
  await hydrated(page);
  await page.getByLabel('Temporary password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill(chosen);
  await page.getByLabel('Confirm new password').fill(chosen);
  await page.getByRole('button', { name: 'Change password' }).click();
}

/** A user who has already chosen their own password, signed in and on the home page. */
export async function signedInUser(page: Page, prefix = 'user', dataDir = servers.main.dataDir): Promise<string> {
  const username = uniqueName(prefix);
  const temporary = createUser(dataDir, username);
  await signIn(page, username, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  return username;
}

export async function signOut(page: Page): Promise<void> {
  // The menu is a script-driven menu button: it opens once the page has hydrated.
  await hydrated(page);
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
}
