//! Configuration: command-line flags, each with an environment variable, all documented in the README.
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

mod codes;
mod duration;
pub use codes::{CodeArgs, SmsProviderKind};
pub use duration::parse_duration;

#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Portcullis: a self-hosted sign-in system"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once at start-up: the size of the serve settings costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with a temporary password (printed once and emailed), or an emailed invitation.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// admin, authorized or user
        #[arg(long, default_value = "user")]
        role: String,
        /// The name shown in the user menu (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Email an invitation link (72 hours) to choose a password, instead of a temporary password.
        #[arg(long)]
        invite: bool,
        /// Two-step verification is mandatory for this user (set up at the first sign-in).
        #[arg(long = "require-2fa")]
        require_2fa: bool,
        /// The language of the user's emails: en, fr or es.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// List users.
    List,
    /// Make two-factor authentication mandatory for a user (or no longer, with --off).
    #[command(name = "require-2fa")]
    Require2fa {
        #[arg(long)]
        username: String,
        /// Time to set it up before sign-in requires it, e.g. 7d (a countdown banner meanwhile).
        #[arg(long, value_parser = parse_duration)]
        grace: Option<Duration>,
        #[arg(long)]
        off: bool,
    },
    /// Unlock an account locked by wrong passwords.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Issue a new temporary password (printed and emailed), to be changed at the next sign-in.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
}

/// Settings shared by the server and the command line (links in emails, password lifetimes).
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// The origin people use to reach the server: links in emails, the Origin check, WebAuthn.
    /// Default: http://localhost:<port>.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<Url>,
    /// A password must be changed after this long (e.g. 90d).
    #[arg(long, env = "PASSWORD_MAX_AGE", default_value = "90d", value_parser = parse_duration, global = true)]
    pub password_max_age: Duration,
    /// Without a sign-in for this long, the password must be changed at the next one (e.g. 30d).
    #[arg(long, env = "DORMANCY_PERIOD", default_value = "30d", value_parser = parse_duration, global = true)]
    pub dormancy_period: Duration,
    /// A temporary password (new account, admin reset) stops working after this long.
    #[arg(long, env = "TEMPORARY_PASSWORD_LIFETIME", default_value = "72h", value_parser = parse_duration, global = true)]
    pub temporary_password_lifetime: Duration,
    /// An approved recovery (every sign-in method removed) takes effect after this long, during which
    /// the owner can cancel it from the email that announced it.
    #[arg(long, env = "RECOVERY_WAIT", default_value = "24h", value_parser = parse_duration, global = true)]
    pub recovery_wait: Duration,
}

impl Default for SiteArgs {
    fn default() -> Self {
        SiteArgs {
            public_url: None,
            password_max_age: Duration::from_secs(90 * 86_400),
            dormancy_period: Duration::from_secs(30 * 86_400),
            temporary_password_lifetime: Duration::from_secs(72 * 3600),
            recovery_wait: Duration::from_secs(24 * 3600),
        }
    }
}

impl SiteArgs {
    /// The public origin: as configured, or http://localhost:<port>.
    pub fn public_url_for_port(&self, port: u16) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            // A literal that always parses.
            #[allow(clippy::expect_used)]
            Url::parse(&format!("http://localhost:{port}")).expect("valid URL")
        })
    }
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory for the SQLite database and key files.
    #[arg(
        long,
        env = "PORTCULLIS_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL: sqlite://… or postgres://… (default: SQLite in the data directory).
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The server's secret key (base64 of 32 bytes): encrypts TOTP secrets, keys backup-code hashes.
    /// Default: the key file. Every instance sharing a database needs the same key.
    #[arg(
        long,
        env = "PORTCULLIS_SECRET_KEY",
        hide_env_values = true,
        global = true
    )]
    pub secret_key: Option<String>,
    /// Where the secret key is kept when PORTCULLIS_SECRET_KEY is not set (created, mode 0600, if missing).
    /// Default: secret.key in the data directory.
    #[arg(long, env = "PORTCULLIS_KEY_FILE", global = true)]
    pub key_file: Option<PathBuf>,
}

impl StoreArgs {
    /// The key file: as configured, or `secret.key` in the data directory.
    pub fn key_file(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.trim().to_string(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("portcullis.db").display()
            ),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PORTCULLIS_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// End a session after this long without activity (e.g. 15m, 900s).
    #[arg(long, env = "SESSION_IDLE_TIMEOUT", default_value = "15m", value_parser = parse_duration)]
    pub session_idle_timeout: Duration,
    /// End a session this long after sign-in, active or not (e.g. 12h).
    #[arg(long, env = "SESSION_MAX_LIFETIME", default_value = "12h", value_parser = parse_duration)]
    pub session_max_lifetime: Duration,
    /// A partial session (password given, a step still owed) ends after this long.
    #[arg(long, env = "PARTIAL_SESSION_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    pub partial_session_timeout: Duration,
    /// The mandatory two-step enrolment may take this long after the password step.
    #[arg(long, env = "ENROLLMENT_TIMEOUT", default_value = "1h", value_parser = parse_duration)]
    pub enrollment_timeout: Duration,
    /// Sent emails (their subjects and status; bodies are wiped when sent) are kept this long.
    #[arg(long, env = "OUTBOX_RETENTION", default_value = "7d", value_parser = parse_duration)]
    pub outbox_retention: Duration,
    /// Audit log entries are kept this long.
    #[arg(long, env = "AUDIT_RETENTION", default_value = "365d", value_parser = parse_duration)]
    pub audit_retention: Duration,
    /// Where the built site is (cargo-leptos output: the pkg/ directory and assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Password hashes computed at once (each takes 19 MiB). Default: the number of cores.
    #[arg(long, env = "PORTCULLIS_HASH_WORKERS")]
    pub hash_workers: Option<usize>,
    /// Password hashes that may wait for a worker; beyond them a request is answered "busy" (503 with
    /// Retry-After) at once. Default: 16 per worker.
    #[arg(long, env = "PORTCULLIS_HASH_QUEUE")]
    pub hash_queue: Option<usize>,
    /// Addresses or CIDR ranges of your own reverse proxies (comma-separated, e.g. 10.0.0.0/8,::1):
    /// behind them the client address is the rightmost X-Forwarded-For hop that is not one of them.
    /// Without it, X-Forwarded-For is ignored.
    #[arg(long, env = "PORTCULLIS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::http::Network>,
    /// Email address of the first administrator, created on the first start with an empty database.
    #[arg(
        long,
        env = "PORTCULLIS_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,
    /// Send email through this SMTP server: smtp://host:25 (plain, a local relay),
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://user:pass@host:465.
    /// Without it, messages stay in the outbox (and the developer mailbox, if enabled).
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every email.
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "Portcullis <no-reply@localhost>"
    )]
    pub smtp_from: String,
    /// Serve /dev/mailbox, a page showing every email in the outbox. Development only: never in production.
    #[arg(long, env = "PORTCULLIS_DEV_MAILBOX", default_value_t = false)]
    pub dev_mailbox: bool,
    /// A MaxMind-format City (or Country) database file (GeoLite2, GeoIP2, DB-IP…) for the approximate
    /// location shown in sign-in alerts and the sessions list. Without one, locations are "unknown".
    #[arg(long, env = "GEOIP_DATABASE")]
    pub geoip_database: Option<PathBuf>,
    /// Consecutive wrong passwords that lock an account.
    #[arg(long, env = "LOCKOUT_THRESHOLD", default_value_t = 5)]
    pub lockout_threshold: u32,
    /// Failed sign-ins allowed from one client address per 15 minutes, before it must wait.
    #[arg(long, env = "SIGNIN_FAILURES_PER_ADDRESS", default_value_t = 50)]
    pub signin_failures_per_address: u32,
    /// Two-factor authentication is mandatory for everyone.
    #[arg(long, env = "MFA_REQUIRED", default_value_t = false)]
    pub mfa_required: bool,
    /// When 2FA becomes mandatory for someone without a factor, they have this long to set one up
    /// (a countdown banner) before sign-in requires it (e.g. 7d). Default: no grace period.
    #[arg(long, env = "MFA_GRACE_PERIOD", value_parser = parse_duration)]
    pub mfa_grace_period: Option<Duration>,
    /// "Don't ask again on this browser" lasts this long.
    #[arg(long, env = "TRUSTED_BROWSER_LIFETIME", default_value = "30d", value_parser = parse_duration)]
    pub trusted_browser_lifetime: Duration,
    #[command(flatten)]
    pub codes: CodeArgs,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            session_idle_timeout: Duration::from_secs(15 * 60),
            session_max_lifetime: Duration::from_secs(12 * 3600),
            partial_session_timeout: Duration::from_secs(10 * 60),
            enrollment_timeout: Duration::from_secs(3600),
            outbox_retention: Duration::from_secs(7 * 86_400),
            audit_retention: Duration::from_secs(365 * 86_400),
            site_root: PathBuf::from("target/site"),
            hash_workers: None,
            hash_queue: None,
            trusted_proxies: Vec::new(),
            admin_email: "admin@localhost".into(),
            smtp_url: None,
            smtp_from: "Portcullis <no-reply@localhost>".into(),
            dev_mailbox: false,
            geoip_database: None,
            lockout_threshold: 5,
            signin_failures_per_address: 50,
            mfa_required: false,
            mfa_grace_period: None,
            trusted_browser_lifetime: Duration::from_secs(30 * 86_400),
            codes: CodeArgs::default(),
        }
    }
}

impl ServeArgs {
    pub fn session_policy(&self) -> crate::auth::session::SessionPolicy {
        crate::auth::session::SessionPolicy {
            idle: self.session_idle_timeout,
            absolute: self.session_max_lifetime,
            partial: self.partial_session_timeout,
            enrollment: self.enrollment_timeout,
        }
    }

    pub fn hash_queue(&self) -> usize {
        self.hash_queue
            .filter(|n| *n > 0)
            .unwrap_or(self.hash_workers() * 16)
    }

    pub fn hash_workers(&self) -> usize {
        self.hash_workers.filter(|n| *n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_is_the_default_database() {
        let s = StoreArgs {
            data_dir: "d".into(),
            database_url: None,
            secret_key: None,
            key_file: None,
        };
        assert_eq!(s.database_url(), "sqlite://d/portcullis.db?mode=rwc");
        let s = StoreArgs {
            data_dir: "d".into(),
            database_url: Some("postgres://x/y".into()),
            secret_key: None,
            key_file: None,
        };
        assert_eq!(s.database_url(), "postgres://x/y");
    }
}
