//! Configuration: command-line flags, each with an environment variable, all documented in the README.
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Portcullis: a self-hosted sign-in system"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

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
    /// Create a user with a temporary password, printed once.
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
    },
    /// List users.
    List,
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
}

impl StoreArgs {
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
    /// The origin people use to reach the server: links in emails, the Origin check, WebAuthn.
    /// Default: http://localhost:<port>.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// End a session after this long without activity (e.g. 15m, 900s).
    #[arg(long, env = "SESSION_IDLE_TIMEOUT", default_value = "15m", value_parser = parse_duration)]
    pub session_idle_timeout: Duration,
    /// End a session this long after sign-in, active or not (e.g. 12h).
    #[arg(long, env = "SESSION_MAX_LIFETIME", default_value = "12h", value_parser = parse_duration)]
    pub session_max_lifetime: Duration,
    /// A partial session (password given, a step still owed) ends after this long.
    #[arg(long, env = "PARTIAL_SESSION_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    pub partial_session_timeout: Duration,
    /// Where the built site is (cargo-leptos output: the pkg/ directory and assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Password hashes computed at once (each takes 19 MiB). Default: the number of cores.
    #[arg(long, env = "PORTCULLIS_HASH_WORKERS")]
    pub hash_workers: Option<usize>,
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy you control).
    #[arg(long, env = "PORTCULLIS_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy_headers: bool,
    /// Email address of the first administrator, created on the first start with an empty database.
    #[arg(
        long,
        env = "PORTCULLIS_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            session_idle_timeout: Duration::from_secs(15 * 60),
            session_max_lifetime: Duration::from_secs(12 * 3600),
            partial_session_timeout: Duration::from_secs(10 * 60),
            site_root: PathBuf::from("target/site"),
            hash_workers: None,
            trust_proxy_headers: false,
            admin_email: "admin@localhost".into(),
        }
    }
}

/// Session lifetimes, as the session service uses them.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
    pub partial: Duration,
}

impl ServeArgs {
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: self.session_idle_timeout,
            absolute: self.session_max_lifetime,
            partial: self.partial_session_timeout,
        }
    }

    pub fn hash_workers(&self) -> usize {
        self.hash_workers.filter(|n| *n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
    }
}

/// `90`, `90s`, `15m`, `12h`, `30d`: a whole number with an optional unit (seconds by default).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        format!("'{text}' is not a duration: use a whole number and s, m, h or d, e.g. 15m")
    })?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{text}': use s, m, h or d"
            ))
        }
    };
    if n == 0 {
        return Err(format!("'{text}' must be longer than zero"));
    }
    n.checked_mul(factor)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("'{text}' is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(2_592_000)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn sqlite_is_the_default_database() {
        let s = StoreArgs {
            data_dir: "d".into(),
            database_url: None,
        };
        assert_eq!(s.database_url(), "sqlite://d/portcullis.db?mode=rwc");
        let s = StoreArgs {
            data_dir: "d".into(),
            database_url: Some("postgres://x/y".into()),
        };
        assert_eq!(s.database_url(), "postgres://x/y");
    }
}
