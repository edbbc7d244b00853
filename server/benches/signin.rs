//! `make bench`: how close password sign-ins through the HTTP API come to the cost of argon2 itself,
//! and how much memory a burst of concurrent sign-ins takes.
//!
//! 1. Raw argon2id hashes per second on one core (core 0), in a process of its own.
//! 2. Sign-ins per second through `POST /api/sign_in` against the release server pinned to the same
//!    core (one hashing worker, one runtime thread); the load driver runs on the other core.
//!    Ratio = 2 / 1. Target: >= 0.9.
//! 3. Peak resident memory (VmHWM) of a fresh server during a burst of 20 and of 200 concurrent
//!    sign-ins. Target: bounded by the hashing pool (workers x 19 MiB), not by the burst size.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const PASSWORD: &str = "Throughput-Measured-2026";
const SIGN_INS: usize = 300;
const RAW_HASHES: usize = 150;

fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_portcullis"))
}

fn have_taskset() -> bool {
    std::process::Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `taskset -c CORE program args…`, or just the program where taskset is missing.
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

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(core: Option<usize>, workers: usize, port: u16) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let binary = server_binary();
        // An account whose password is its own: create it, then replace the temporary password.
        let out = std::process::Command::new(&binary)
            .args([
                "--data-dir",
                dir.path().to_str().expect("utf-8 path"),
                "user",
                "create",
            ])
            .args(["--username", "bench", "--email", "bench@example.com"])
            .env_remove("DATABASE_URL")
            .output()
            .expect("user create");
        let text = String::from_utf8_lossy(&out.stdout);
        let temporary = text
            .lines()
            .find_map(|l| l.strip_prefix("Temporary password (must be changed at first sign-in): "))
            .expect("temporary password")
            .trim()
            .to_string();
        let child = pinned(core, &binary)
            .args([
                "--data-dir",
                dir.path().to_str().expect("utf-8 path"),
                "serve",
            ])
            .env_remove("DATABASE_URL")
            .env("PORTCULLIS_BIND", format!("127.0.0.1:{port}"))
            .env("PORTCULLIS_HASH_WORKERS", workers.to_string())
            .env(
                "TOKIO_WORKER_THREADS",
                if core.is_some() { "1" } else { "2" },
            )
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start server");
        let base = format!("http://localhost:{port}");
        let server = Server {
            child,
            base,
            _dir: dir,
        };
        server.wait_ready().await;
        let client = client();
        let cookie = server
            .sign_in(&client, &temporary)
            .await
            .expect("first sign-in");
        let res = client
            .post(format!("{}/api/change_password", server.base))
            .header("origin", &server.base)
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
        server
    }

    async fn wait_ready(&self) {
        let client = client();
        for _ in 0..200 {
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

    /// One sign-in; answers the session cookie.
    async fn sign_in(&self, client: &reqwest::Client, password: &str) -> Result<String, String> {
        let res = client
            .post(format!("{}/api/sign_in", self.base))
            .header("origin", &self.base)
            .form(&[("identifier", "bench"), ("password", password)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!(
                "{}: {}",
                res.status(),
                res.text().await.unwrap_or_default()
            ));
        }
        res.headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| "no session cookie".to_string())
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("server pid")
    }

    /// (current, peak) resident memory in KiB. With taskset the server is taskset's exec'd image: same pid.
    fn memory_kib(&self) -> (u64, u64) {
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
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client")
}

/// Sign-ins per second with `concurrency` clients in flight.
async fn sign_in_rate(server: &Server, total: usize, concurrency: usize) -> f64 {
    let client = client();
    let started = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, base) = (client.clone(), next.clone(), server.base.clone());
            tokio::spawn(async move {
                let probe = Server::sign_in_probe(&base);
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < total {
                    probe(&client).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("driver task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

impl Server {
    fn sign_in_probe(
        base: &str,
    ) -> impl Fn(&reqwest::Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
    {
        let base = base.to_string();
        move |client: &reqwest::Client| {
            let (client, base) = (client.clone(), base.clone());
            Box::pin(async move {
                let res = client
                    .post(format!("{base}/api/sign_in"))
                    .header("origin", &base)
                    .form(&[("identifier", "bench"), ("password", PASSWORD)])
                    .send()
                    .await
                    .expect("sign-in request");
                assert!(
                    res.status().is_success(),
                    "sign-in failed: {}",
                    res.status()
                );
            })
        }
    }
}

/// Raw argon2id rate with the server's parameters, in a child process pinned to `core`.
fn raw_hash_rate(core: Option<usize>) -> f64 {
    let exe = std::env::current_exe().expect("bench executable");
    let mut cmd = match core {
        Some(c) if have_taskset() => {
            let mut cmd = std::process::Command::new("taskset");
            cmd.arg("-c").arg(c.to_string()).arg(&exe);
            cmd
        }
        _ => std::process::Command::new(&exe),
    };
    let out = cmd.arg("--raw-hashes").output().expect("raw hash child");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("raw rate")
}

fn raw_hashes_here() -> f64 {
    // The fastest way argon2 allows: one preallocated memory buffer, reused (as the server's workers do).
    let mut scratch = server::auth::password::Scratch::new();
    server::auth::password::hash_with(&mut scratch, PASSWORD).expect("warm-up");
    let started = Instant::now();
    for _ in 0..RAW_HASHES {
        server::auth::password::hash_with(&mut scratch, PASSWORD).expect("hash");
    }
    RAW_HASHES as f64 / started.elapsed().as_secs_f64()
}

async fn burst_peak(size: usize, workers: usize, port: u16) -> (u64, u64) {
    let server = Server::start(None, workers, port).await;
    // Warm up: allocator arenas and connection pools as after any first sign-in.
    sign_in_rate(&server, 4, 2).await;
    let (before, _) = server.memory_kib();
    sign_in_rate(&server, size, size).await;
    let (_, peak) = server.memory_kib();
    (before, peak)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--raw-hashes") {
        println!("{}", raw_hashes_here());
        return;
    }
    if !args.iter().any(|a| a == "--bench") && args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; there is nothing to list.
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let pinned = have_taskset() && std::thread::available_parallelism().map(|n| n.get() >= 2).unwrap_or(false);
        let core = pinned.then_some(0);
        println!("Portcullis sign-in benchmark (argon2id m={} KiB, t={}, p={})", server::auth::password::MEMORY_KIB,
            server::auth::password::ITERATIONS, server::auth::password::PARALLELISM);
        if !pinned {
            println!("  note: taskset or a second core is missing; measuring unpinned");
        }

        if pinned {
            // The load driver stays off the server's core.
            let _ = std::process::Command::new("taskset")
                .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
                .stdout(Stdio::null())
                .status();
        }
        let raw_before = raw_hash_rate(core);

        let server = Server::start(core, 1, 39_871).await;
        sign_in_rate(&server, 6, 2).await; // warm-up
        let http = sign_in_rate(&server, SIGN_INS, 4).await;
        drop(server);
        // Raw speed measured before and after, so a drift of the machine's speed does not skew the ratio.
        let raw = (raw_before + raw_hash_rate(core)) / 2.0;
        println!("  raw argon2id on one core:            {raw:8.2} hashes/s");
        println!("  sign-ins through HTTP on one core:   {http:8.2} sign-ins/s  ({SIGN_INS} sign-ins, 4 clients)");
        let ratio = http / raw;
        println!("  ratio (target >= 0.90):              {ratio:8.3}  {}", if ratio >= 0.9 { "ok" } else { "BELOW TARGET" });

        let workers = 2;
        let (base20, peak20) = burst_peak(20, workers, 39_872).await;
        let (base200, peak200) = burst_peak(200, workers, 39_873).await;
        let pool_kib = workers as u64 * u64::from(server::auth::password::MEMORY_KIB);
        println!("  peak memory, burst of  20 sign-ins:  {:8.1} MiB  (before: {:.1} MiB)", peak20 as f64 / 1024.0, base20 as f64 / 1024.0);
        println!("  peak memory, burst of 200 sign-ins:  {:8.1} MiB  (before: {:.1} MiB)", peak200 as f64 / 1024.0, base200 as f64 / 1024.0);
        let growth = peak200.saturating_sub(base200);
        let bound = pool_kib * 2 + 32 * 1024;
        println!(
            "  growth in the 200 burst: {:.1} MiB; pool of {workers} workers x 19 MiB = {:.1} MiB; bound (2 x pool + 32 MiB) {}",
            growth as f64 / 1024.0,
            pool_kib as f64 / 1024.0,
            if growth <= bound { "ok" } else { "EXCEEDED" }
        );
    });
}
