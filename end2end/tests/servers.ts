// The servers the browser tests run against: the release build, each on a fresh data directory.
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : resolve(root, 'target');
export const binary = resolve(targetDir, 'release', 'portcullis');
export const siteRoot = resolve(root, 'target', 'site');
const dataRoot = resolve(__dirname, '..', '.data');

export interface Server {
  url: string;
  dataDir: string;
  command: string;
}

function server(name: string, port: number, extraEnv: Record<string, string>): Server {
  const dataDir = resolve(dataRoot, name);
  const env = {
    PORTCULLIS_BIND: `127.0.0.1:${port}`,
    PUBLIC_URL: `http://localhost:${port}`,
    PORTCULLIS_DATA_DIR: dataDir,
    LEPTOS_SITE_ROOT: siteRoot,
    PORTCULLIS_DEV_MAILBOX: 'true',
    RUST_LOG: 'warn',
    ...extraEnv,
  };
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  // stdout (where the first administrator's temporary password is printed) goes to a file the tests read.
  const command =
    `sh -c "rm -rf '${dataDir}' && mkdir -p '${dataDir}' && ` +
    `exec env -u DATABASE_URL ${assignments} '${binary}' serve > '${dataDir}/stdout.log'"`;
  return { url: `http://localhost:${port}`, dataDir, command };
}

// Several checkouts on one machine run their browser tests on ports of their own.
const base = Number(process.env.PORTCULLIS_E2E_PORT_BASE ?? '3100');

export const servers = {
  main: server('main', base, {}),
  // A server whose sessions end after 3 seconds without activity.
  shortIdle: server('short-idle', base + 1, { SESSION_IDLE_TIMEOUT: '3s' }),
  // A server where passwords expire after 8 seconds and accounts are dormant after 4.
  lifecycle: server('lifecycle', base + 2, { PASSWORD_MAX_AGE: '8s', DORMANCY_PERIOD: '4s' }),
  // A server where a session idles out after 2 seconds and a half-finished sign-in after 6 seconds.
  shortLimits: server('short-limits', base + 3, { SESSION_IDLE_TIMEOUT: '2s', PARTIAL_SESSION_TIMEOUT: '6s' }),
  // Text messages through the signed webhook, to a listener the test starts (otp.spec.ts).
  otpWebhook: server('otp-webhook', base + 10, {
    SMS_PROVIDER: 'webhook',
    SMS_WEBHOOK_URL: `http://127.0.0.1:${base + 20}/sms`,
    SMS_WEBHOOK_SECRET: 'e2e-webhook-secret',
    CODE_SENDS_PER_HOUR: '50',
  }),
  // Text messages through a Twilio-compatible API, at a listener the test starts.
  otpTwilio: server('otp-twilio', base + 11, {
    SMS_PROVIDER: 'twilio',
    TWILIO_BASE_URL: `http://127.0.0.1:${base + 21}`,
    TWILIO_ACCOUNT_SID: 'ACe2e0001',
    TWILIO_AUTH_TOKEN: 'e2e-auth-token',
    TWILIO_FROM: '+15005550006',
    CODE_SENDS_PER_HOUR: '50',
  }),
  // Emailed codes that expire after 4 seconds, with a 2-second countdown before a new one.
  otpShort: server('otp-short', base + 12, { EMAIL_CODE_LIFETIME: '4s', CODE_RESEND_INTERVAL: '2s', CODE_SENDS_PER_HOUR: '100' }),
  // At most 3 codes an hour, 1 second apart.
  otpCaps: server('otp-caps', base + 13, { CODE_RESEND_INTERVAL: '1s', CODE_SENDS_PER_HOUR: '3' }),
};

/** The ports of the test's own SMS provider listeners (see otpWebhook, otpTwilio). */
export const smsListenerPorts = { webhook: base + 20, twilio: base + 21 };
