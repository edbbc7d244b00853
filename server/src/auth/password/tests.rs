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
