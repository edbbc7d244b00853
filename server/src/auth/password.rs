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
mod tests;
