//! argon2id password hashing, off the async executor, on a bounded pool.
//!
//! Each hash takes 19 MiB and tens of milliseconds of one core. At most `workers` run at once (a
//! semaphore in front of `spawn_blocking`), so a burst of sign-ins queues as cheap futures instead of
//! multiplying memory. Unknown accounts are verified against a dummy hash, so they cost the same time.
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Argon(String),
    #[error("the hashing pool has shut down")]
    PoolClosed,
}

pub fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's accepted ranges.
    #[allow(clippy::expect_used)]
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the calling thread (command line, benchmarks, the pool's workers).
pub fn hash_blocking(argon: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    crate::crypto::fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Argon(e.to_string()))?;
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Argon(e.to_string()))
}

/// Verifies on the calling thread. A malformed stored hash verifies as false (and is reported).
pub fn verify_blocking(argon: &Argon2<'_>, password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon.verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash is malformed");
            false
        }
    }
}

pub struct PasswordHasher {
    argon: Argon2<'static>,
    permits: Arc<Semaphore>,
    workers: usize,
    /// Verified in place of a missing account's hash, so both paths cost one argon2 run.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(workers: usize) -> Result<PasswordHasher, HashError> {
        let argon = argon2();
        let dummy_hash = hash_blocking(&argon, &crate::crypto::random_token(24))?;
        let workers = workers.max(1);
        Ok(PasswordHasher {
            argon,
            permits: Arc::new(Semaphore::new(workers)),
            workers,
            dummy_hash,
        })
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move |argon| hash_blocking(argon, &password))
            .await?
    }

    /// `stored: None` (no such account, or no password set yet) burns the same time and answers false.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.clone(), false),
        };
        let ok = self
            .run(move |argon| verify_blocking(argon, &password, &hash))
            .await?;
        Ok(ok && real)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::PoolClosed)?;
        let argon = self.argon.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&argon)
        })
        .await
        .map_err(|e| HashError::Argon(format!("hashing task failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::new(2).unwrap();
        let hash = hasher.hash("Correct-Horse-1".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify("Correct-Horse-1".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify("correct-horse-1".into(), Some(hash.clone()))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = PasswordHasher::new(1).unwrap();
        let a = hasher.hash("Same-Pass-1".into()).await.unwrap();
        let b = hasher.hash("Same-Pass-1".into()).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        let hasher = PasswordHasher::new(1).unwrap();
        assert!(!hasher.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_a_failed_verification() {
        let hasher = PasswordHasher::new(1).unwrap();
        assert!(!hasher
            .verify("x".into(), Some("not-a-phc-string".into()))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn no_more_than_the_pool_size_hash_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Arc::new(PasswordHasher::new(2).unwrap());
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
}
