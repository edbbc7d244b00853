// Emailed and texted codes: sign-in with the code from the developer mailbox, Send a new code after
// the countdown (the old code stops working), expiry, caps, phone enrolment through the signed webhook
// and the Twilio-compatible API (each against a listener started here that checks what it receives),
// and the chooser switching between three enrolled methods.
import { BrowserContext, expect, Page, test } from '@playwright/test';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server as HttpServer } from 'node:http';
import { cli, createUser, hydrated, linkInMail, PASSWORD, replaceTemporaryPassword, uniqueName } from './helpers';
import { Server, servers, smsListenerPorts } from './servers';
import { totp } from './totp';

const WEBHOOK_SECRET = 'e2e-webhook-secret';

interface Text {
  to: string;
  body: string;
}

/** A provider's side of the wire: accepts only well-formed, authenticated requests; keeps the texts. */
class Listener {
  texts: Text[] = [];
  refused: string[] = [];
  private server?: HttpServer;

  constructor(private port: number, private check: (req: IncomingMessage, raw: Buffer) => Text | string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const verdict = this.check(req, Buffer.concat(chunks));
        if (typeof verdict === 'string') {
          this.refused.push(verdict);
          res.writeHead(401).end();
        } else {
          this.texts.push(verdict);
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1","status":"queued"}');
        }
      });
    });
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', done));
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  /** The code in the newest text to `to`. */
  async codeFor(to: string): Promise<string> {
    let text: Text | undefined;
    await expect.poll(() => (text = [...this.texts].reverse().find((t) => t.to === to)) !== undefined).toBe(true);
    const match = text!.body.match(/\b(\d{6})\b/);
    if (!match) throw new Error(`no code in ${text!.body}`);
    return match[1];
  }
}

/** The generic webhook: JSON, signed with HMAC-SHA256 over `timestamp.body` (README, "Text messages"). */
const webhook = new Listener(smsListenerPorts.webhook, (req, raw) => {
  if (req.method !== 'POST' || req.url !== '/sms') return `unexpected ${req.method} ${req.url}`;
  const ts = String(req.headers['x-portcullis-timestamp'] ?? '');
  const sig = String(req.headers['x-portcullis-signature'] ?? '');
  const expected = 'v1=' + createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.`).update(raw).digest('hex');
  if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) return 'bad signature';
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale timestamp';
  if (!String(req.headers['content-type']).startsWith('application/json')) return 'not JSON';
  const json = JSON.parse(raw.toString('utf8'));
  return { to: json.to, body: json.body };
});

/** A Twilio-compatible API: the form fields and basic authentication. */
const twilio = new Listener(smsListenerPorts.twilio, (req, raw) => {
  if (req.method !== 'POST' || req.url !== '/2010-04-01/Accounts/ACe2e0001/Messages.json') return `unexpected ${req.url}`;
  const auth = 'Basic ' + Buffer.from('ACe2e0001:e2e-auth-token').toString('base64');
  if (req.headers.authorization !== auth) return 'bad credentials';
  if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return 'not a form';
  const form = new URLSearchParams(raw.toString('utf8'));
  if (form.get('From') !== '+15005550006') return 'wrong sender';
  return { to: form.get('To') ?? '', body: form.get('Body') ?? '' };
});

test.beforeAll(async () => {
  await webhook.start();
  await twilio.start();
});

test.afterAll(async () => {
  await webhook.stop();
  await twilio.stop();
});

async function signInAt(page: Page, server: Server, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await hydrated(page);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** An invited user (the invitation proves the email address), signed in, on the security page. */
async function verifiedUser(page: Page, server: Server, prefix: string): Promise<string> {
  const username = uniqueName(prefix);
  cli(server, 'user', 'create', '--username', username, '--email', `${username}@example.com`, '--invite');
  const link = await linkInMail(page, server, `${username}@example.com`, 'invitation');
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm new password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set my password' }).click();
  await expect(page).toHaveURL(/\/login\?password_set=1$/);
  await signInAt(page, server, username, PASSWORD);
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
  await openSecurity(page, server);
  return username;
}

/** A user with their own password (email not verified), signed in, on the security page. */
async function plainUser(page: Page, server: Server, prefix: string): Promise<string> {
  const username = uniqueName(prefix);
  const temporary = createUser(server.dataDir, username);
  await signInAt(page, server, username, temporary);
  await replaceTemporaryPassword(page, temporary, PASSWORD);
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
  await openSecurity(page, server);
  return username;
}

async function openSecurity(page: Page, server: Server): Promise<void> {
  await page.goto(`${server.url}/account/security`);
  await hydrated(page);
}

/** After the first factor: the backup codes are shown once. */
async function acknowledgeBackupCodes(page: Page): Promise<void> {
  await expect(page.getByTestId('backup-codes').locator('li')).toHaveCount(10);
  await page.getByLabel('I have saved my backup codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function enableEmailCodes(page: Page, first = true): Promise<void> {
  await page.getByRole('button', { name: 'Turn on email codes' }).click();
  if (first) await acknowledgeBackupCodes(page);
  await expect(page.locator('li.factor[data-kind="email"]')).toBeVisible();
}

async function addPhone(page: Page, listener: Listener, typed: string, e164: string, first = true): Promise<void> {
  await page.getByLabel('Mobile number').fill(typed);
  await page.getByRole('button', { name: 'Text me a code' }).click();
  await expect(page.getByTestId('code-sent')).toContainText('+33 •••• 78');
  const code = await listener.codeFor(e164);
  await page.getByLabel('Code from the text message').fill(code);
  await page.getByRole('button', { name: 'Add this phone' }).click();
  if (first) await acknowledgeBackupCodes(page);
  await expect(page.locator('li.factor[data-kind="sms"]')).toContainText('+33 •••• 78');
}

async function signOutAt(page: Page, server: Server): Promise<void> {
  await page.goto(`${server.url}/`);
  await hydrated(page);
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
}

/** The code in the newest sign-in-code email to the user, read from the developer mailbox in another tab. */
async function emailedCode(context: BrowserContext, server: Server, username: string, skip = 0): Promise<string> {
  const mailbox = await context.newPage();
  await mailbox.goto(`${server.url}/dev/mailbox`);
  const mail = mailbox.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="sign_in_code"]`).nth(skip);
  await expect(mail).toBeVisible();
  const body = (await mail.locator('.mail-body').textContent()) ?? '';
  await mailbox.close();
  const match = body.match(/Code: (\d{6})/);
  if (!match) throw new Error(`no code in ${body}`);
  return match[1];
}

async function mailCount(context: BrowserContext, server: Server, username: string): Promise<number> {
  const mailbox = await context.newPage();
  await mailbox.goto(`${server.url}/dev/mailbox`);
  const n = await mailbox.locator(`article.mail[data-recipient="${username}@example.com"][data-kind="sign_in_code"]`).count();
  await mailbox.close();
  return n;
}

async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('email code: sent when the step opens, where it went, the countdown, pasted with spaces', async ({ page, context }) => {
  const server = servers.main;
  const username = await verifiedUser(page, server, 'mailcode');
  await expect(page.getByTestId('email-codes-setup')).toContainText(`${username.slice(0, 1)}•••@example.com`);
  await enableEmailCodes(page);
  await signOutAt(page, server);

  await signInAt(page, server, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await expect(page.getByText('Enter the code we sent to your email address.')).toBeVisible();
  await expect(page.getByTestId('code-sent')).toHaveText(
    `We sent a code to ${username.slice(0, 1)}•••@example.com. It works for 15 minutes.`,
  );
  const countdown = page.getByTestId('resend-countdown');
  await expect(countdown).toContainText(/You can ask for a new code in (60|59|58|57) seconds\./);
  await expect(page.getByTestId('send-code')).toBeDisabled();
  await expect(countdown).toContainText(/in (5[0-6]) seconds/, { timeout: 8_000 });
  const code = await emailedCode(context, server, username);
  await enterCode(page, `${code.slice(0, 3)} ${code.slice(3)}`);
  await expect(page).toHaveURL(/\/$/);
});

test('Send a new code voids the old one; an expired code is refused', async ({ page, context }) => {
  const server = servers.otpShort;
  const username = await verifiedUser(page, server, 'resend');
  await enableEmailCodes(page);
  await signOutAt(page, server);

  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByTestId('code-sent')).toBeVisible();
  const old = await emailedCode(context, server, username);
  const again = page.getByRole('button', { name: 'Send a new code' });
  await expect(again).toBeEnabled({ timeout: 5_000 });
  await again.click();
  await expect.poll(() => mailCount(context, server, username)).toBe(2);
  const fresh = await emailedCode(context, server, username);
  if (fresh !== old) {
    await enterCode(page, old);
    await expect(page.getByRole('alert')).toContainText('That code is not correct');
  }
  await enterCode(page, fresh);
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
  await signOutAt(page, server);

  // The code works for 4 seconds on this server.
  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByTestId('code-sent')).toContainText('It works for 1 minute.');
  const code = await emailedCode(context, server, username);
  await page.waitForTimeout(4_500);
  await enterCode(page, code);
  await expect(page.getByRole('alert')).toContainText('That code has expired. Ask for a new one.');
});

test('caps: a clear message once too many codes were sent', async ({ page, context }) => {
  const server = servers.otpCaps;
  const username = await verifiedUser(page, server, 'caps');
  await enableEmailCodes(page);
  await signOutAt(page, server);
  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByTestId('code-sent')).toBeVisible();
  await expect.poll(() => mailCount(context, server, username)).toBe(1);
  const again = page.getByTestId('send-code');
  // This server allows three codes an hour, one second apart.
  for (let sent = 2; sent <= 3; sent++) {
    await expect(again).toBeEnabled({ timeout: 5_000 });
    await again.click();
    await expect.poll(() => mailCount(context, server, username)).toBe(sent);
  }
  await expect(again).toBeEnabled({ timeout: 5_000 });
  await again.click();
  await expect(page.getByTestId('send-error')).toContainText(
    'Too many codes were sent. For your security, wait an hour before asking for another one, or choose another way to sign in.',
  );
  expect(await mailCount(context, server, username)).toBe(3);
});

test('SMS through the signed webhook: add a phone by its code, then sign in with a texted code', async ({ page }) => {
  const server = servers.otpWebhook;
  const username = await plainUser(page, server, 'smshook');
  // Email codes wait for a verified address.
  await expect(page.getByTestId('email-codes-setup')).toContainText('Email codes need a verified email address.');
  await page.getByLabel('Mobile number').fill('06 12 34 56 78');
  await page.getByRole('button', { name: 'Text me a code' }).click();
  await expect(page.getByRole('alert')).toContainText('That is not a phone number.');
  await addPhone(page, webhook, '+33 6 12 34 56 78', '+33612345678');
  expect(webhook.refused).toEqual([]);
  await signOutAt(page, server);

  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByText('Enter the code we sent to your phone.')).toBeVisible();
  await expect(page.getByTestId('code-sent')).toContainText('We sent a code to +33 •••• 78. It works for 10 minutes.');
  const text = [...webhook.texts].reverse()[0];
  expect(text.body).toContain('Portcullis');
  expect(text.body).toContain('staff will never ask you for it');
  await enterCode(page, await webhook.codeFor('+33612345678'));
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
});

test('SMS through the Twilio-compatible API: form fields and basic authentication', async ({ page }) => {
  const server = servers.otpTwilio;
  const username = await plainUser(page, server, 'smstwilio');
  await addPhone(page, twilio, '+33 7 00 00 00 78', '+33700000078');
  expect(twilio.refused).toEqual([]);
  await signOutAt(page, server);
  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByTestId('code-sent')).toBeVisible();
  await enterCode(page, await twilio.codeFor('+33700000078'));
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
});

test('the chooser switches between three enrolled methods; the default opens first', async ({ page, context }) => {
  const server = servers.otpWebhook;
  const username = await verifiedUser(page, server, 'chooser');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = ((await page.getByTestId('setup-key').textContent()) ?? '').trim();
  await page.getByLabel('6-digit code from the app').fill(totp(key));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await acknowledgeBackupCodes(page);
  await enableEmailCodes(page, false);
  await addPhone(page, webhook, '+33 6 99 99 99 78', '+33699999978', false);
  await expect(page.locator('li.factor')).toHaveCount(3);
  await signOutAt(page, server);

  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  // The first method enrolled is the default.
  await expect(page.getByText('Enter the 6-digit code from your authenticator app.')).toBeVisible();
  await page.getByRole('button', { name: 'Try another way' }).click();
  const ways = page.locator('ul.ways');
  await expect(ways.getByRole('button', { name: 'Email code' })).toBeVisible();
  await expect(ways.getByRole('button', { name: 'Text message (SMS)' })).toBeVisible();
  await ways.getByRole('button', { name: 'Email code' }).click();
  await expect(page.getByText('Enter the code we sent to your email address.')).toBeVisible();
  await expect(page.getByTestId('code-sent')).toContainText('@example.com');
  await emailedCode(context, server, username);
  await page.getByRole('button', { name: 'Try another way' }).click();
  await ways.getByRole('button', { name: 'Text message (SMS)' }).click();
  await expect(page.getByText('Enter the code we sent to your phone.')).toBeVisible();
  await expect(page.getByTestId('code-sent')).toContainText('+33 •••• 78');
  await enterCode(page, await webhook.codeFor('+33699999978'));
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));

  // Text messages as the default: the next sign-in opens on them.
  await openSecurity(page, server);
  await page.locator('li.factor[data-kind="sms"]').getByRole('button', { name: 'Make default' }).click();
  await expect(page.locator('li.factor[data-kind="sms"]')).toContainText('Default');
  await signOutAt(page, server);
  await signInAt(page, server, username, PASSWORD);
  await hydrated(page);
  await expect(page.getByText('Enter the code we sent to your phone.')).toBeVisible();
  await page.getByRole('button', { name: 'Try another way' }).click();
  await ways.getByRole('button', { name: 'Authenticator app' }).click();
  await enterCode(page, totp(key, 1));
  await expect(page).toHaveURL(new RegExp(`^${server.url}/$`));
});
