//! argon2id password hashing on a fixed pool of worker threads, off the async executor.
//!
//! Each hash needs 19 MiB. Every worker owns one 19 MiB block buffer for its whole life and hashes into
//! it, so memory is `workers x 19 MiB` however many sign-ins arrive at once, and no allocation, zeroing
//! or page-faulting of 19 MiB happens per hash. The queue in front of the workers is bounded: a request
//! takes a `Ticket` first, and when every ticket is out the answer is an immediate `Busy` (the caller
//! says "try again" with a 503), never unbounded memory or latency. Unknown accounts are verified
//! against a dummy hash, so they cost the same time.
use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::crypto::{constant_time_eq, fill_random};

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Argon(String),
    #[error("the hashing pool has shut down")]
    PoolClosed,
    #[error("every password-hashing slot is taken")]
    Busy,
}

/// A place in the hashing queue, taken before any other work of a request that will hash.
pub struct Ticket(#[allow(dead_code)] OwnedSemaphorePermit);

fn params() -> Params {
    // The parameters are constants within argon2's accepted ranges.
    #[allow(clippy::expect_used)]
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN))
        .expect("valid argon2 parameters")
}

/// The memory one hash with our parameters needs; reused across hashes.
pub struct Scratch(Vec<Block>);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(vec![Block::default(); params().block_count()])
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`, computed in `scratch`.
pub fn hash_with(scratch: &mut Scratch, password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut scratch.0)
        .map_err(|e| HashError::Argon(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={PARALLELISM}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// Whether `password` matches the PHC string `stored` (any argon2id parameters), compared in constant
/// time. A malformed or foreign stored hash verifies as false and is reported.
pub fn verify_with(scratch: &mut Scratch, password: &str, stored: &str) -> bool {
    match try_verify(scratch, password, stored) {
        Ok(matches) => matches,
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash cannot be used");
            false
        }
    }
}

fn try_verify(scratch: &mut Scratch, password: &str, stored: &str) -> Result<bool, String> {
    let parsed = PasswordHash::new(stored).map_err(|e| e.to_string())?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return Err(format!("unsupported algorithm {}", parsed.algorithm));
    }
    let version = Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| e.to_string())?;
    let expected = parsed.hash.ok_or("no hash in the PHC string")?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or("no salt in the PHC string")?
        .decode_b64(&mut salt)
        .map_err(|e| e.to_string())?;
    let mut builder = argon2::ParamsBuilder::new();
    let stored_params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    builder
        .m_cost(stored_params.m_cost())
        .t_cost(stored_params.t_cost())
        .p_cost(stored_params.p_cost())
        .output_len(expected.len());
    let params = builder.build().map_err(|e| e.to_string())?;
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(Algorithm::Argon2id, version, params.clone());
    let result = if params.block_count() <= scratch.0.len() {
        argon.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut scratch.0[..params.block_count()],
        )
    } else {
        // An older, larger parameter set: hash with memory of its own size.
        argon.hash_password_into(password.as_bytes(), salt, &mut out)
    };
    result.map_err(|e| e.to_string())?;
    Ok(constant_time_eq(&out, expected.as_bytes()))
}

type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    workers: usize,
    tickets: Arc<Semaphore>,
    /// Verified in place of a missing account's hash, so both paths cost one argon2 run.
    dummy_hash: String,
}

impl PasswordHasher {
    /// Starts `workers` hashing threads, each with its own 19 MiB scratch memory, with room for
    /// `queue` hashes at once (being computed or waiting).
    pub fn new(workers: usize, queue: usize) -> Result<PasswordHasher, HashError> {
        let workers = workers.max(1);
        let tickets = Arc::new(Semaphore::new(queue.max(workers)));
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut dummy_scratch = Scratch::new();
        let dummy_hash = hash_with(&mut dummy_scratch, &crate::crypto::random_token(24))?;
        let mut first_scratch = Some(dummy_scratch);
        for i in 0..workers {
            let queue = queue.clone();
            let scratch = first_scratch.take();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut scratch = scratch.unwrap_or_default();
                    loop {
                        // The lock is held only while waiting for the next job, never while hashing.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut scratch),
                            Err(_) => return, // the hasher was dropped
                        }
                    }
                })
                .map_err(|e| HashError::Argon(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(PasswordHasher {
            jobs,
            workers,
            tickets,
            dummy_hash,
        })
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// A place in the queue, or `Busy` at once when the queue is full.
    pub fn ticket(&self) -> Result<Ticket, HashError> {
        self.tickets
            .clone()
            .try_acquire_owned()
            .map(Ticket)
            .map_err(|_| HashError::Busy)
    }

    pub async fn hash(&self, ticket: Ticket, password: String) -> Result<String, HashError> {
        let result = self
            .run(move |scratch| hash_with(scratch, &password))
            .await?;
        drop(ticket);
        result
    }

    /// `stored: None` (no such account, a locked one, or no password set yet) burns the same time and
    /// answers false.
    pub async fn verify(
        &self,
        ticket: Ticket,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.clone(), false),
        };
        let ok = self
            .run(move |scratch| verify_with(scratch, &password, &hash))
            .await?;
        drop(ticket);
        Ok(ok && real)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(move |scratch| {
                let _ = reply.send(work(scratch));
            }))
            .map_err(|_| HashError::PoolClosed)?;
        answer.await.map_err(|_| HashError::PoolClosed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::new(2, 64).unwrap();
        let hash = hasher
            .hash(hasher.ticket().unwrap(), "Correct-Horse-1".into())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify(
                hasher.ticket().unwrap(),
                "Correct-Horse-1".into(),
                Some(hash.clone())
            )
            .await
            .unwrap());
        assert!(!hasher
            .verify(
                hasher.ticket().unwrap(),
                "correct-horse-1".into(),
                Some(hash.clone())
            )
            .await
            .unwrap());
    }

    #[test]
    fn our_phc_strings_are_standard_both_ways() {
        let mut scratch = Scratch::new();
        let ours = hash_with(&mut scratch, "Interop-Check-9").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"Interop-Check-9", &parsed)
            .is_ok());
        // A hash made by the argon2 crate's own API, with other parameters, verifies here.
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 3, 1, None).unwrap(),
        )
        .hash_password(b"Interop-Check-9", &salt)
        .unwrap()
        .to_string();
        assert!(verify_with(&mut scratch, "Interop-Check-9", &other));
        assert!(!verify_with(&mut scratch, "Interop-Check-8", &other));
        // Larger than our scratch memory still works.
        let big = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32_768, 1, 1, None).unwrap(),
        )
        .hash_password(b"Interop-Check-9", &salt)
        .unwrap()
        .to_string();
        assert!(verify_with(&mut scratch, "Interop-Check-9", &big));
    }

    #[test]
    fn the_reused_memory_gives_the_same_answers() {
        let mut scratch = Scratch::new();
        let a = hash_with(&mut scratch, "First-Pass-1").unwrap();
        let b = hash_with(&mut scratch, "Second-Pass-2").unwrap();
        assert!(verify_with(&mut scratch, "First-Pass-1", &a));
        assert!(verify_with(&mut scratch, "Second-Pass-2", &b));
        assert!(!verify_with(&mut scratch, "First-Pass-1", &b));
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = PasswordHasher::new(1, 64).unwrap();
        let a = hasher
            .hash(hasher.ticket().unwrap(), "Same-Pass-1".into())
            .await
            .unwrap();
        let b = hasher
            .hash(hasher.ticket().unwrap(), "Same-Pass-1".into())
            .await
            .unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        let hasher = PasswordHasher::new(1, 64).unwrap();
        assert!(!hasher
            .verify(hasher.ticket().unwrap(), "anything".into(), None)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_malformed_or_foreign_stored_hash_is_a_failed_verification() {
        let hasher = PasswordHasher::new(1, 64).unwrap();
        assert!(!hasher
            .verify(
                hasher.ticket().unwrap(),
                "x".into(),
                Some("not-a-phc-string".into())
            )
            .await
            .unwrap());
        let bcrypt = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_string();
        assert!(!hasher
            .verify(hasher.ticket().unwrap(), "x".into(), Some(bcrypt))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn no_more_than_the_pool_size_hash_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Arc::new(PasswordHasher::new(2, 64).unwrap());
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (hasher, running, peak) = (hasher.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    hasher
                        .run(move |_| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let hasher = PasswordHasher::new(1, 2).unwrap();
        let a = hasher.ticket().unwrap();
        let _b = hasher.ticket().unwrap();
        assert!(matches!(hasher.ticket(), Err(HashError::Busy)));
        drop(a);
        assert!(
            hasher.ticket().is_ok(),
            "a returned ticket can be taken again"
        );
    }
}
