//! A release server in a process of its own, on SQLite or on a fresh PostgreSQL database, with accounts
//! created the way an operator does (the command line, then the person choosing their password).
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "Throughput-Measured-2026";

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_portcullis"))
}

pub fn have_taskset() -> bool {
    std::process::Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `taskset -c CORE program`, or just the program where taskset is missing.
fn pinned(core: Option<usize>, program: &Path) -> Command {
    match core {
        Some(c) if have_taskset() => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(c.to_string()).arg(program);
            cmd
        }
        _ => Command::new(program),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::Sqlite => "SQLite",
            Store::Postgres => "PostgreSQL",
        }
    }
}

/// Where the benchmark's PostgreSQL databases are made (when PostgreSQL answers).
pub fn postgres_url() -> String {
    std::env::var("PORTCULLIS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn postgres_available() -> bool {
    sqlx::any::install_default_drivers();
    matches!(
        tokio::time::timeout(
            Duration::from_secs(3),
            sqlx::AnyPool::connect(&postgres_url())
        )
        .await,
        Ok(Ok(_))
    )
}

pub struct Options {
    pub core: Option<usize>,
    pub workers: usize,
    pub port: u16,
    pub store: Store,
    pub extra_env: Vec<(&'static str, String)>,
}

pub struct Server {
    child: Child,
    pub base: String,
    dir: tempfile::TempDir,
    database_url: Option<String>,
    pg_name: Option<String>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

impl Server {
    pub async fn start(options: Options) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg_name) = match options.store {
            Store::Sqlite => (None, None),
            Store::Postgres => {
                let name = format!(
                    "portcullis_bench_{}",
                    std::process::id() as u64 * 1000 + u64::from(options.port % 1000)
                );
                let admin = sqlx::AnyPool::connect(&postgres_url())
                    .await
                    .expect("postgres");
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create database");
                let base = postgres_url();
                let root = base
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(base);
                (Some(format!("{root}/{name}")), Some(name))
            }
        };
        let mut cmd = pinned(options.core, &binary());
        cmd.args(["--data-dir", dir.path().to_str().expect("utf-8"), "serve"])
            .env_remove("DATABASE_URL")
            .env("PORTCULLIS_BIND", format!("127.0.0.1:{}", options.port))
            .env("PUBLIC_URL", format!("http://localhost:{}", options.port))
            .env("PORTCULLIS_HASH_WORKERS", options.workers.to_string())
            .env(
                "TOKIO_WORKER_THREADS",
                if options.core.is_some() { "1" } else { "2" },
            )
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(url) = &database_url {
            cmd.env("DATABASE_URL", url);
        }
        for (k, v) in &options.extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start server");
        let server = Server {
            child,
            base: format!("http://localhost:{}", options.port),
            dir,
            database_url,
            pg_name,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let client = client();
        for _ in 0..400 {
            if client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }

    /// Creates `username` with the command line, then signs in with the temporary password and sets
    /// `PASSWORD`, as the person would.
    pub async fn account(&self, username: &str) {
        let mut cmd = std::process::Command::new(binary());
        cmd.args([
            "--data-dir",
            self.dir.path().to_str().expect("utf-8"),
            "user",
            "create",
        ])
        .args([
            "--username",
            username,
            "--email",
            &format!("{username}@example.com"),
        ])
        .env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        let out = cmd.output().expect("user create");
        let text = String::from_utf8_lossy(&out.stdout);
        let temporary = text
            .lines()
            .find_map(|l| l.strip_prefix("Temporary password (must be changed at first sign-in): "))
            .unwrap_or_else(|| {
                panic!(
                    "no temporary password: {text} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .trim()
            .to_string();
        let client = client();
        let cookie = self
            .sign_in(&client, username, &temporary)
            .await
            .expect("first sign-in");
        let res = client
            .post(format!("{}/api/change_password", self.base))
            .header("origin", &self.base)
            .header("cookie", cookie)
            .form(&[
                ("current", temporary.as_str()),
                ("new", PASSWORD),
                ("confirm", PASSWORD),
            ])
            .send()
            .await
            .expect("change password");
        assert!(
            res.status().is_success(),
            "change password: {}",
            res.text().await.unwrap_or_default()
        );
    }

    /// One sign-in; answers the session cookie.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> Result<String, u16> {
        let res = client
            .post(format!("{}/api/sign_in", self.base))
            .header("origin", &self.base)
            .form(&[("identifier", username), ("password", password)])
            .send()
            .await
            .map_err(|_| 0u16)?;
        if !res.status().is_success() {
            return Err(res.status().as_u16());
        }
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("__Host-portcullis_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .ok_or(0)
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("server pid")
    }

    /// (current, peak) resident memory in KiB. With taskset the server is taskset's exec'd image: same pid.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// CPU time the server has used so far, and the database's processes on PostgreSQL (seconds).
    pub fn cpu_secs(&self) -> (f64, f64) {
        let database = if self.database_url.is_some() {
            postgres_cpu_secs()
        } else {
            0.0
        };
        (process_cpu_secs(self.pid()), database)
    }

    /// CPU time the server's password-hashing threads (`argon2-*`) have used so far (seconds, from
    /// each thread's `schedstat`).
    pub fn hashing_cpu_secs(&self) -> f64 {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) else {
            return 0.0;
        };
        tasks
            .filter_map(Result::ok)
            .filter(|t| {
                std::fs::read_to_string(t.path().join("comm"))
                    .is_ok_and(|name| name.starts_with("argon2"))
            })
            .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map(|ns| ns / 1e9)
            .sum()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Some(name) = self.pg_name.take() {
            if let Ok(admin) = sqlx::AnyPool::connect(&postgres_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
            }
        }
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux), asked once.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User and system CPU time of a process and all its threads, live and ended (seconds), with its name.
fn stat_cpu(pid: &str) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_string();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14, stime 15.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((name, ticks / clock_ticks()))
}

fn process_cpu_secs(pid: u32) -> f64 {
    stat_cpu(&pid.to_string()).map_or(0.0, |(_, secs)| secs)
}

/// CPU time of every PostgreSQL process on this machine (the bench's database is the only one busy).
fn postgres_cpu_secs() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
        .filter_map(|pid| stat_cpu(&pid))
        .filter(|(name, _)| name == "postgres")
        .map(|(_, secs)| secs)
        .sum()
}
