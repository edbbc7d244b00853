//! The database: SQLite by default, PostgreSQL when DATABASE_URL says so. One pool type (`sqlx::Any`),
//! one SQL text for both engines (`$1` placeholders work on both), one migration folder per engine.
//!
//! Data functions take a connection (`&mut Conn`): a pooled one for a single statement, or a transaction
//! (`&mut *tx`) when a step writes several rows that must commit or roll back together.
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};
use std::path::Path;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a pooled connection may sit idle and still be handed out untested.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What data functions take: a pooled connection or an open transaction.
pub type Conn = sqlx::AnyConnection;
pub type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("could not create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("could not connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        if backend == Backend::Sqlite {
            if let Some(dir) =
                sqlite_file(url).and_then(|f| Path::new(f).parent().map(Path::to_path_buf))
            {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| DbError::DataDir(dir.display().to_string(), e))?;
                }
            }
        }
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            // A connection is tested before it is handed out only after it sat idle a while (a
            // database restarted meanwhile); one just used is known to work, and a test on every
            // acquire was one more round trip per request. A test that fails closes the connection
            // and the pool hands out another.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers and the writer proceed together; NORMAL is durable in WAL mode
                    // except for the last transactions on power loss.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await.map_err(DbError::Connect)?;
        Ok(Db { pool, backend })
    }

    /// Applies the migrations once, whoever gets there first. PostgreSQL serialises migrators with an
    /// advisory lock; SQLite has none, so a process that lost the race reads the applied list again.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            Backend::Sqlite => {
                let mut attempt = 0;
                loop {
                    match SQLITE_MIGRATIONS.run(&self.pool).await {
                        Ok(()) => break,
                        Err(e) if attempt < 5 => {
                            attempt += 1;
                            tracing::debug!(error = %e, attempt, "migrations raced another process; again");
                            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Ok(())
    }

    /// A connection from the pool, for single statements.
    pub async fn conn(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// transaction that reads and then writes never fails on a concurrent writer; it waits instead.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Where counters a crash may lose without harm are written (attempt claims, which go stale by
    /// themselves, and rate-limit hits): each of their statements is atomic on its own. On PostgreSQL a
    /// transaction whose commit does not wait for the WAL flush (still atomic and at once visible to
    /// every instance), opened in one round trip. On SQLite the connection itself, each statement
    /// committing on its own: in WAL mode a commit never waits for the disk, and BEGIN and COMMIT
    /// were two more round trips to SQLite's worker thread.
    pub async fn begin_counters(&self) -> Result<Counters, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => Ok(Counters::Autocommit(self.pool.acquire().await?)),
            // The simple-query protocol takes both statements at once.
            Backend::Postgres => Ok(Counters::Transaction(
                self.pool
                    .begin_with("BEGIN; SET LOCAL synchronous_commit = off")
                    .await?,
            )),
        }
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Counters' statements (`Db::begin_counters`): a connection to run them on, then `commit`.
pub enum Counters {
    Transaction(Tx),
    Autocommit(PoolConnection<Any>),
}

impl Counters {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Counters::Transaction(tx) => tx.commit().await,
            Counters::Autocommit(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for Counters {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            Counters::Transaction(tx) => tx,
            Counters::Autocommit(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Counters {
    fn deref_mut(&mut self) -> &mut Conn {
        match self {
            Counters::Transaction(tx) => tx,
            Counters::Autocommit(conn) => conn,
        }
    }
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file_in_a_url() {
        assert_eq!(
            sqlite_file("sqlite://data/p.db?mode=rwc"),
            Some("data/p.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }
}
