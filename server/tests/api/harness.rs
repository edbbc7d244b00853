//! Integration-test harness: the real server on port 0 with a fresh database (SQLite file or a new
//! PostgreSQL database) and a temporary key, a manual clock, and a small HTTP client that keeps cookies
//! the way a browser would (including `Secure` ones over http://localhost).
#![allow(dead_code)]

pub use crate::browser::{Answer, Browser};
use server::clock::ManualClock;
use server::config::{ServeArgs, SiteArgs};
use server::db::Db;
use server::keyring::Keyring;
use server::services::admin::{Actor, Admin, NewAccount};
use server::services::Core;
use server::startup::Application;
use std::sync::Arc;
use std::time::Duration;

pub const T0: i64 = 1_800_000_000;
pub const SESSION_COOKIE: &str = "__Host-portcullis_session";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The database behind one test (and the key every instance on it shares); PostgreSQL databases are
/// dropped when the test ends.
pub struct TestDb {
    pub url: String,
    pub keys: Keyring,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

pub fn postgres_base_url() -> String {
    std::env::var("PORTCULLIS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Some(TestDb {
                    url,
                    keys: Keyring::random(),
                    _dir: Some(dir),
                    pg_name: None,
                })
            }
            Engine::Postgres => {
                let admin_url = postgres_base_url();
                sqlx::any::install_default_drivers();
                let admin = match tokio::time::timeout(
                    Duration::from_secs(5),
                    sqlx::AnyPool::connect(&admin_url),
                )
                .await
                {
                    Ok(Ok(pool)) => pool,
                    _ => {
                        if std::env::var("PORTCULLIS_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                            panic!("PostgreSQL is required but not reachable at {admin_url}");
                        }
                        eprintln!("SKIPPED: PostgreSQL is not reachable at {admin_url}");
                        return None;
                    }
                };
                let name = format!(
                    "portcullis_t_{}",
                    server::crypto::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create database");
                admin.close().await;
                Some(TestDb {
                    url: with_database(&admin_url, &name),
                    keys: Keyring::random(),
                    _dir: None,
                    pg_name: Some(name),
                })
            }
        }
    }

    pub async fn connect(&self) -> Db {
        let db = Db::connect(&self.url).await.expect("connect");
        db.migrate().await.expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin_url = postgres_base_url();
        // Drop runs outside any runtime we may block: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub test_db: Arc<TestDb>,
    pub core: Arc<Core>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn serve_args() -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        hash_workers: Some(2),
        // Room for the parallel bursts the attack scenarios fire.
        hash_queue: Some(256),
        ..ServeArgs::default()
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, SiteArgs::default(), serve_args()).await
    }

    pub async fn spawn_with(engine: Engine, site: SiteArgs, args: ServeArgs) -> Option<TestApp> {
        let test_db = Arc::new(TestDb::new(engine).await?);
        Some(Self::spawn_on(test_db, ManualClock::at(T0), site, args).await)
    }

    /// Another server instance on the same database (and clock).
    pub async fn spawn_on(
        test_db: Arc<TestDb>,
        clock: Arc<ManualClock>,
        site: SiteArgs,
        args: ServeArgs,
    ) -> TestApp {
        let db = test_db.connect().await;
        let app = Application::build_with_db(
            db.clone(),
            test_db.keys.clone(),
            &site,
            &args,
            clock.clone(),
        )
        .await
        .expect("build app");
        let base = format!("http://localhost:{}", app.addr.port());
        let core = app.core.clone();
        let server = tokio::spawn(async move {
            let _ = app.run().await;
        });
        TestApp {
            base,
            db,
            clock,
            test_db,
            core,
            server,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// The administration service (as the command line uses it).
    pub fn admin(&self) -> Admin {
        Admin(self.core.clone())
    }

    pub async fn conn(&self) -> sqlx::pool::PoolConnection<sqlx::Any> {
        self.db.conn().await.expect("connection")
    }

    /// Creates a user whose password is already their own (not temporary).
    pub async fn user(&self, username: &str, password: &str) -> i64 {
        let id = self.create(username, false).await.id;
        let hash = server::auth::password::hash_with(
            &mut server::auth::password::Scratch::new(),
            password,
        )
        .expect("hash");
        server::users::set_password(&mut *self.conn().await, id, &hash, self.clock_now(), false)
            .await
            .expect("set password");
        sqlx::query("DELETE FROM outbox")
            .execute(&self.db.pool)
            .await
            .expect("clear outbox");
        id
    }

    /// Creates a user with a temporary password (as `user create` does); returns it.
    pub async fn temporary_user(&self, username: &str) -> String {
        self.create(username, false)
            .await
            .temporary_password
            .expect("temporary password")
    }

    pub async fn create(&self, username: &str, invite: bool) -> server::services::admin::Created {
        let email = format!("{username}@example.com");
        let account = NewAccount {
            username,
            email: &email,
            display_name: None,
            role: app::types::Role::User,
            invite,
            mfa_required: false,
            locale: app::types::Locale::En,
        };
        self.admin()
            .create_user(Actor::Operator, &account)
            .await
            .expect("create user")
    }

    pub fn clock_now(&self) -> i64 {
        use server::clock::Clock;
        self.clock.now()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
            .try_get::<i64, _>(0)
            .expect("n")
    }

    /// (kind, subject, text body) of every email to `recipient`, oldest first (bodies decrypted with
    /// the server's key, as the developer mailbox does).
    pub async fn mails_to(&self, recipient: &str) -> Vec<(String, String, String)> {
        let mut all =
            server::notify::outbox::recent(&mut *self.conn().await, &self.test_db.keys, 10_000)
                .await
                .expect("outbox");
        all.reverse();
        all.into_iter()
            .filter(|m| m.recipient == recipient)
            .map(|m| (m.kind, m.subject, m.text_body))
            .collect()
    }

    /// The audit events about an account, oldest first.
    pub async fn events(&self, subject: i64) -> Vec<String> {
        server::audit::for_subject(&mut *self.conn().await, subject)
            .await
            .expect("audit")
            .into_iter()
            .map(|e| e.event)
            .collect()
    }

    /// The first link in the newest email of `kind` to `recipient`.
    pub async fn link_in_mail(&self, recipient: &str, kind: &str) -> String {
        let mails = self.mails_to(recipient).await;
        let (_, _, body) = mails
            .iter()
            .rev()
            .find(|(k, _, _)| k == kind)
            .unwrap_or_else(|| panic!("no {kind} mail"));
        first_link(body, &self.base).unwrap_or_else(|| panic!("no link in {body}"))
    }
}

/// The first URL under `base` in a text.
pub fn first_link(text: &str, base: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with(base))
        .map(str::to_string)
}

/// The token at the end of an emailed link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("token").to_string()
}

/// Runs one scenario against a fresh server on `engine` (skipped when PostgreSQL is not reachable),
/// failing with its name instead of hanging when it stops making progress.
pub async fn run<F, Fut>(engine: Engine, name: &str, scenario: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let limit = Duration::from_secs(180);
    if tokio::time::timeout(limit, scenario(app)).await.is_err() {
        panic!("{name} did not finish within {limit:?}");
    }
}

/// Declares a file's scenarios once; each runs as a test on SQLite (`<file>::sqlite::<name>`) and on
/// PostgreSQL (`<file>::postgres::<name>`).
#[macro_export]
macro_rules! scenarios {
    ($( $(#[$meta:meta])* async fn $name:ident($app:ident : TestApp) $body:block )*) => {
        $( $(#[$meta])* pub async fn $name($app: $crate::harness::TestApp) $body )*

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::harness::run($crate::harness::Engine::Sqlite, stringify!($name), super::$name).await
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::harness::run($crate::harness::Engine::Postgres, stringify!($name), super::$name).await
                }
            )*
        }
    };
}
