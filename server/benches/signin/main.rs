//! `make bench`: the figures the issues set budgets for, each printed beside its budget.
//!
//! - Session checks (`POST /api/session_state`): p50/p99 at a steady 500 requests a second, and the
//!   highest rate, on SQLite and on PostgreSQL (server on both cores).
//! - Sign-ins per core against raw argon2id, on SQLite and PostgreSQL: the server pinned to core 0 with
//!   one hashing worker and one runtime thread, the load driver on core 1. Raw argon2 is measured in a
//!   process of its own on the same core, before and after.
//! - The time a refusal takes for an unknown account, a wrong password and a locked account (medians
//!   of 60 each): the largest ratio shows whether the answer's timing says which it was.
//! - A flood of 1,500 sign-ins, 300 at a time: how many were refused as busy, how fast, and memory.
//!
//! The first load of `/login` in a browser is measured by `end2end/bench/first-load.mjs` (the Makefile
//! runs it right after this).
mod load;
mod process;

use process::{have_taskset, Options, Server, Store, PASSWORD};
use std::process::Stdio;
use std::time::Instant;

const SIGN_INS: usize = 300;
const RAW_HASHES: usize = 150;

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "OVER BUDGET"
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

/// A server with a few accounts, for everything but the pinned rates.
async fn accounts(server: &Server, prefix: &str, n: usize) -> Vec<String> {
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    for name in &names {
        server.account(name).await;
    }
    names
}

async fn session_checks(store: Store, port: u16) {
    let server = Server::start(Options {
        core: None,
        workers: 2,
        port,
        store,
        extra_env: vec![],
    })
    .await;
    let names = accounts(&server, "check", 1).await;
    let cookie = server
        .sign_in(&process::client(), &names[0], PASSWORD)
        .await
        .expect("sign-in");
    load::session_checks_max(&server, &cookie, 32, 1).await; // warm-up
    let (times, failed) = load::session_checks_at(&server, &cookie, 500, 6).await;
    let (p50, p99) = (
        load::percentile(&times, 0.5),
        load::percentile(&times, 0.99),
    );
    let max = load::session_checks_max(&server, &cookie, 64, 4).await;
    let budget = store == Store::Sqlite;
    println!(
        "  {:<10} at 500/s: p50 {p50:6.2} ms, p99 {p99:6.2} ms ({failed} failed)  {}",
        store.name(),
        if budget {
            format!("budget p99 <= 5 ms: {}", verdict(p99 <= 5.0))
        } else {
            "reported".into()
        }
    );
    println!(
        "  {:<10} highest rate: {max:8.0} checks/s                 {}",
        store.name(),
        if budget {
            format!("budget >= 5000/s: {}", verdict(max >= 5000.0))
        } else {
            "reported".into()
        }
    );
    server.stop().await;
}

async fn sign_in_ratio(store: Store, core: Option<usize>, port: u16, raw: f64) {
    let server = Server::start(Options {
        core,
        workers: 1,
        port,
        store,
        extra_env: vec![],
    })
    .await;
    let names = accounts(&server, "rate", 4).await;
    load::sign_in_rate(&server, &names, 8, 4).await; // warm-up
    let http = load::sign_in_rate(&server, &names, SIGN_INS, 4).await;
    let ratio = http / raw;
    let target = if store == Store::Sqlite { 0.95 } else { 0.90 };
    println!(
        "  {:<10} {http:8.2} sign-ins/s, ratio {ratio:5.3} of raw argon2   budget >= {target:.2}: {}",
        store.name(),
        verdict(ratio >= target)
    );
    server.stop().await;
}

async fn refusal_timing(core: Option<usize>, port: u16) {
    let server = Server::start(Options {
        core,
        workers: 1,
        port,
        store: Store::Sqlite,
        // Many failures from one address: the per-address limit would answer instead of the accounts.
        extra_env: vec![("SIGNIN_FAILURES_PER_ADDRESS", "1000000".into())],
    })
    .await;
    // One wrong password per account (below the lockout threshold); one locked account.
    let wrong = accounts(&server, "wrong", 60).await;
    let locked = accounts(&server, "locked", 1).await;
    let client = process::client();
    for _ in 0..5 {
        let _ = server
            .sign_in(&client, &locked[0], "Not-The-Password-1")
            .await;
    }
    let n = 60;
    let mut unknown_t = Vec::new();
    let mut wrong_t = Vec::new();
    let mut locked_t = Vec::new();
    // Interleaved, so a drift of the machine's speed affects all three alike.
    for (i, account) in wrong.iter().enumerate().take(n) {
        unknown_t
            .extend(load::sign_in_times(&server, &[(format!("nobody{i}"), PASSWORD.into())]).await);
        wrong_t.extend(
            load::sign_in_times(&server, &[(account.clone(), "Not-The-Password-1".into())]).await,
        );
        locked_t
            .extend(load::sign_in_times(&server, &[(locked[0].clone(), PASSWORD.into())]).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        load::percentile(v, 0.5)
    };
    let (u, w, l) = (
        median(&mut unknown_t),
        median(&mut wrong_t),
        median(&mut locked_t),
    );
    let ratio = u.max(w).max(l) / u.min(w).min(l);
    println!("  unknown account {u:7.2} ms, wrong password {w:7.2} ms, locked account {l:7.2} ms (medians of {n})");
    println!(
        "  largest ratio {ratio:5.3}                                          budget < 1.10: {}",
        verdict(ratio < 1.1)
    );
    server.stop().await;
}

async fn flood(port: u16) {
    let server = Server::start(Options {
        core: None,
        workers: 2,
        port,
        store: Store::Sqlite,
        extra_env: vec![("SIGNIN_FAILURES_PER_ADDRESS", "1000000".into())],
    })
    .await;
    let _ = server
        .sign_in(&process::client(), "warm-up", PASSWORD)
        .await;
    let f = load::flood(&server, 1500, 300).await;
    println!(
        "  1500 sign-ins, 300 at a time: {} judged ({} ok, {} refused), {} busy (503), {} other",
        f.ok + f.refused,
        f.ok,
        f.refused,
        f.busy,
        f.other
    );
    let busy_p99 = load::percentile(&f.busy_ms, 0.99);
    println!(
        "  busy answers: p50 {:6.1} ms, p99 {busy_p99:6.1} ms; judged: p99 {:6.1} ms   budget busy p99 <= 250 ms: {}",
        load::percentile(&f.busy_ms, 0.5),
        load::percentile(&f.judged_ms, 0.99),
        verdict(busy_p99 <= 250.0 && f.other == 0)
    );
    let growth = f.peak_kib.saturating_sub(f.before_kib) as f64 / 1024.0;
    println!(
        "  memory: {:.1} MiB before, peak {:.1} MiB (+{growth:.1} MiB)            budget growth <= 64 MiB: {}",
        f.before_kib as f64 / 1024.0,
        f.peak_kib as f64 / 1024.0,
        verdict(growth <= 64.0)
    );
    server.stop().await;
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
    // `cargo bench --bench signin -- sessions` (or `signins`, `timing`, `flood`) runs only those parts.
    let only: Vec<String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    let part = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    rt.block_on(async {
        let two_cores = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
        let pinned = have_taskset() && two_cores;
        let core = pinned.then_some(0);
        println!(
            "Portcullis benchmark (argon2id m={} KiB, t={}, p={})",
            server::auth::password::MEMORY_KIB,
            server::auth::password::ITERATIONS,
            server::auth::password::PARALLELISM
        );
        if !pinned {
            println!("  note: taskset or a second core is missing; measuring unpinned");
        }
        let postgres = process::postgres_available().await;
        if !postgres {
            println!("  note: PostgreSQL is not reachable at {}: its figures are skipped", process::postgres_url());
        }

        if part("sessions") {
            println!("Session checks (POST /api/session_state, server on 2 cores):");
            session_checks(Store::Sqlite, 39_861).await;
            if postgres {
                session_checks(Store::Postgres, 39_862).await;
            }
        }

        if pinned {
            // The load driver stays off the server's core from here on.
            let _ = std::process::Command::new("taskset")
                .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
                .stdout(Stdio::null())
                .status();
        }
        if part("signins") {
            println!("Sign-ins per core (server on core 0, one hashing worker; {SIGN_INS} sign-ins, 4 clients):");
            let raw_before = raw_hash_rate(core);
            sign_in_ratio(Store::Sqlite, core, 39_871, raw_before).await;
            let raw_middle = raw_hash_rate(core);
            if postgres {
                sign_in_ratio(Store::Postgres, core, 39_872, raw_middle).await;
            }
            let raw = (raw_before + raw_middle + raw_hash_rate(core)) / 3.0;
            println!("  raw argon2id on one core: {raw:8.2} hashes/s (before {raw_before:.2}, between {raw_middle:.2})");
        }
        if part("timing") {
            println!("Refusals take the same time whatever the reason (server on core 0):");
            refusal_timing(core, 39_873).await;
        }
        if part("flood") {
            println!("A flood is shed, not queued (2 hashing workers, queue of 32):");
            flood(39_874).await;
        }
    });
}
