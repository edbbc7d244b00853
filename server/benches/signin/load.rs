//! Load drivers: sign-in rates, latency samples, open- and closed-loop session checks, and a flood.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::process::{client, Server, PASSWORD};

/// One returning browser per client, each signed in once to the account it will use: it keeps the
/// cookies the server set (device and session), as a browser does, so the sign-ins measured are the
/// everyday ones and not a new device's (which also queues an alert email).
pub async fn browsers(server: &Server, accounts: &[String], n: usize) -> Vec<Browser> {
    let client = client();
    let mut all = Vec::with_capacity(n);
    for w in 0..n {
        let mut browser = Browser {
            account: accounts[w % accounts.len()].clone(),
            jar: Jar::default(),
        };
        browser
            .jar
            .sign_in(&client, &server.base, &browser.account)
            .await;
        all.push(browser);
    }
    all
}

/// A client of the rate measurement: the account it signs in to, and its cookies.
pub struct Browser {
    account: String,
    jar: Jar,
}

/// Sign-ins per second with the browsers signing in at once, `total` in all (one account's passwords
/// are judged at most five at a time, by design). Answers the rate and the browsers.
pub async fn sign_in_rate(
    server: &Server,
    browsers: Vec<Browser>,
    total: usize,
) -> (f64, Vec<Browser>) {
    let client = client();
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = browsers
        .into_iter()
        .map(|mut browser| {
            let (client, next, base) = (client.clone(), next.clone(), server.base.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::SeqCst) < total {
                    browser.jar.sign_in(&client, &base, &browser.account).await;
                }
                browser
            })
        })
        .collect();
    let mut back = Vec::with_capacity(workers.len());
    for w in workers {
        back.push(w.await.expect("driver task"));
    }
    (total as f64 / started.elapsed().as_secs_f64(), back)
}

/// The cookies one browser holds for the server.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    async fn sign_in(&mut self, client: &reqwest::Client, base: &str, name: &str) {
        let mut request = client
            .post(format!("{base}/api/sign_in"))
            .header("origin", base)
            .form(&[("identifier", name), ("password", PASSWORD)]);
        if !self.0.is_empty() {
            let header: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", header.join("; "));
        }
        let res = request.send().await.expect("sign-in request");
        assert!(
            res.status().is_success(),
            "sign-in failed: {}",
            res.status()
        );
        for set in res.headers().get_all("set-cookie") {
            let Some((name, value)) = set
                .to_str()
                .ok()
                .and_then(|c| c.split(';').next())
                .and_then(|c| c.split_once('='))
            else {
                continue;
            };
            self.0.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.0.push((name.to_string(), value.to_string()));
            }
        }
    }
}

/// The time one sign-in with these details takes, `n` times in a row (milliseconds, sorted).
pub async fn sign_in_times(server: &Server, attempts: &[(String, String)]) -> Vec<f64> {
    let client = client();
    let mut times = Vec::with_capacity(attempts.len());
    for (user, password) in attempts {
        let started = Instant::now();
        let _ = server.sign_in(&client, user, password).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn check(client: &reqwest::Client, base: &str, cookie: &str) -> bool {
    client
        .post(format!("{base}/api/session_state"))
        .header("origin", base)
        .header("cookie", cookie)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// Session checks sent at a steady `rate` per second for `secs` (open loop: a slow answer does not slow
/// the sending); latencies in milliseconds, sorted, counted from when each request was due.
pub async fn session_checks_at(
    server: &Server,
    cookie: &str,
    rate: u64,
    secs: u64,
) -> (Vec<f64>, usize) {
    let client = client();
    let total = (rate * secs) as usize;
    let interval = Duration::from_nanos(1_000_000_000 / rate);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, base, cookie) = (client.clone(), server.base.clone(), cookie.to_string());
        tasks.push(tokio::spawn(async move {
            let ok = check(&client, &base, &cookie).await;
            (due.elapsed().as_secs_f64() * 1000.0, ok)
        }));
    }
    let mut times = Vec::with_capacity(total);
    let mut failed = 0;
    for t in tasks {
        let (ms, ok) = t.await.expect("check task");
        times.push(ms);
        failed += usize::from(!ok);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    (times, failed)
}

/// Session checks per second with `concurrency` clients as fast as they go, for `secs`.
pub async fn session_checks_max(
    server: &Server,
    cookie: &str,
    concurrency: usize,
    secs: u64,
) -> f64 {
    let client = client();
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, base, cookie, done) = (
                client.clone(),
                server.base.clone(),
                cookie.to_string(),
                done.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    if check(&client, &base, &cookie).await {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("driver task");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// What a flood of sign-ins got back.
pub struct Flood {
    pub ok: usize,
    pub refused: usize,
    pub busy: usize,
    pub other: usize,
    /// Milliseconds to a "busy" answer, and to a judged one (sorted).
    pub busy_ms: Vec<f64>,
    pub judged_ms: Vec<f64>,
    pub peak_kib: u64,
    pub before_kib: u64,
}

/// `total` sign-ins, `concurrency` at a time, for accounts that do not exist (an attack).
pub async fn flood(server: &Server, total: usize, concurrency: usize) -> Flood {
    let client = client();
    let (before_kib, _) = server.memory_kib();
    let mut answers = Vec::with_capacity(total);
    for wave in 0..total.div_ceil(concurrency) {
        let tasks: Vec<_> = (0..concurrency.min(total - wave * concurrency))
            .map(|i| {
                let (client, base) = (client.clone(), server.base.clone());
                tokio::spawn(async move {
                    let started = Instant::now();
                    let status = client
                        .post(format!("{base}/api/sign_in"))
                        .header("origin", &base)
                        .form(&[
                            ("identifier", format!("flood{wave}x{i}")),
                            ("password", "Flood-Horse-1".into()),
                        ])
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    (status, started.elapsed().as_secs_f64() * 1000.0)
                })
            })
            .collect();
        for t in tasks {
            answers.push(t.await.expect("flood task"));
        }
    }
    let (_, peak_kib) = server.memory_kib();
    let mut f = Flood {
        ok: 0,
        refused: 0,
        busy: 0,
        other: 0,
        busy_ms: Vec::new(),
        judged_ms: Vec::new(),
        peak_kib,
        before_kib,
    };
    for (status, ms) in answers {
        match status {
            200 => {
                f.ok += 1;
                f.judged_ms.push(ms);
            }
            401 => {
                f.refused += 1;
                f.judged_ms.push(ms);
            }
            503 => {
                f.busy += 1;
                f.busy_ms.push(ms);
            }
            _ => f.other += 1,
        }
    }
    f.busy_ms.sort_by(|a, b| a.total_cmp(b));
    f.judged_ms.sort_by(|a, b| a.total_cmp(b));
    f
}
