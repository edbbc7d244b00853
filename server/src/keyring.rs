//! The server's secret key and what is derived from it: AES-256-GCM for TOTP seeds (and, later, payout
//! details) at rest and for the bodies of queued emails, and HMAC keys for backup codes and one-time
//! codes (so a copy of the database alone is not enough to test guesses).
//!
//! The master key comes from `PORTCULLIS_SECRET_KEY` (base64 of 32 bytes) or from a key file in the data
//! directory, created on first start with mode 0600. Every server instance sharing a database needs the
//! same key.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

use crate::crypto::fill_random;

#[derive(Clone)]
pub struct Keyring {
    seeds: Aes256Gcm,
    mail: Aes256Gcm,
    codes_key: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(<secret>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key must be base64 of exactly 32 bytes")]
    Malformed,
    #[error("could not read or create the key file {0}: {1}")]
    File(String, std::io::Error),
    #[error("a stored secret could not be decrypted (wrong server key, or damaged data)")]
    Decrypt,
    #[error(
        "the key file {0} can be read by other users (mode {1:o}): run `chmod 600 {0}` (and check who \
         may have copied it), then start again"
    )]
    Exposed(String, u32),
}

fn derive(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    // HMAC with the master key as a PRF: one independent subkey per purpose.
    #[allow(clippy::expect_used)]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Keyring {
    pub fn from_master(master: &[u8; 32]) -> Keyring {
        let aead = |purpose: &str| {
            #[allow(clippy::expect_used)]
            Aes256Gcm::new_from_slice(&derive(master, purpose)).expect("32-byte key")
        };
        Keyring {
            seeds: aead("portcullis/totp-seeds/aes-256-gcm/v1"),
            mail: aead("portcullis/outbox/aes-256-gcm/v1"),
            codes_key: derive(master, "portcullis/backup-codes/hmac-sha256/v1"),
        }
    }

    /// A keyring with a fresh random key (tests, and nothing else).
    pub fn random() -> Keyring {
        let mut master = [0u8; 32];
        fill_random(&mut master);
        Keyring::from_master(&master)
    }

    pub fn from_base64(text: &str) -> Result<Keyring, KeyError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed)?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Keyring::from_master(&master))
    }

    /// The configured key, or the key file (created, mode 0600, when missing).
    pub fn load(configured: Option<&str>, key_file: &Path) -> Result<Keyring, KeyError> {
        if let Some(text) = configured.filter(|t| !t.trim().is_empty()) {
            return Keyring::from_base64(text);
        }
        let file_error = |e| KeyError::File(key_file.display().to_string(), e);
        match std::fs::read_to_string(key_file) {
            Ok(text) => {
                refuse_if_exposed(key_file)?;
                Keyring::from_base64(&text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = key_file.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_error)?;
                }
                let mut master = [0u8; 32];
                fill_random(&mut master);
                write_private(key_file, STANDARD.encode(master).as_bytes()).map_err(file_error)?;
                tracing::info!(file = %key_file.display(), "created a new secret key file");
                Ok(Keyring::from_master(&master))
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// `nonce || ciphertext`; `context` (e.g. the owner's id) must match at decryption.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        seal_with(&self.seeds, plaintext, context)
    }

    pub fn open(&self, blob: &[u8], context: &[u8]) -> Result<Vec<u8>, KeyError> {
        open_with(&self.seeds, blob, context)
    }

    /// The same for the body of a queued email (its own key).
    pub fn seal_mail(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        seal_with(&self.mail, plaintext, context)
    }

    pub fn open_mail(&self, blob: &[u8], context: &[u8]) -> Result<Vec<u8>, KeyError> {
        open_with(&self.mail, blob, context)
    }

    /// Hex HMAC-SHA256 of a backup code.
    pub fn code_hash(&self, code: &str) -> String {
        #[allow(clippy::expect_used)]
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.codes_key).expect("any key length");
        mac.update(code.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn seal_with(cipher: &Aes256Gcm, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 12];
    fill_random(&mut nonce);
    // Encryption with a valid key and nonce cannot fail for inputs this small.
    #[allow(clippy::expect_used)]
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context,
            },
        )
        .expect("AES-GCM encryption");
    [nonce.as_slice(), &sealed].concat()
}

fn open_with(cipher: &Aes256Gcm, blob: &[u8], context: &[u8]) -> Result<Vec<u8>, KeyError> {
    if blob.len() < 12 {
        return Err(KeyError::Decrypt);
    }
    let (nonce, sealed) = blob.split_at(12);
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: context,
            },
        )
        .map_err(|_| KeyError::Decrypt)
}

/// A key file that group or others can read is refused: whoever read it can decrypt every TOTP seed.
#[cfg(unix)]
fn refuse_if_exposed(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| KeyError::File(path.display().to_string(), e))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed(path.display().to_string(), mode));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_exposed(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let k = Keyring::random();
        let blob = k.seal(b"seed bytes", b"user:1");
        assert_ne!(&blob[12..], b"seed bytes");
        assert_eq!(k.open(&blob, b"user:1").unwrap(), b"seed bytes");
        assert!(k.open(&blob, b"user:2").is_err(), "bound to its owner");
        assert!(
            Keyring::random().open(&blob, b"user:1").is_err(),
            "another key cannot open it"
        );
        assert_ne!(
            k.seal(b"seed bytes", b"user:1"),
            blob,
            "a fresh nonce every time"
        );
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Keyring::load(None, &path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let b = Keyring::load(None, &path).unwrap();
        assert_eq!(a.code_hash("x"), b.code_hash("x"));
        assert!(Keyring::from_base64("too short").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        Keyring::load(None, &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keyring::load(None, &path).unwrap_err();
        assert!(matches!(err, KeyError::Exposed(_, 0o644)), "{err}");
        assert!(err.to_string().contains("chmod 600"));
    }

    #[test]
    fn mail_bodies_have_a_key_of_their_own() {
        let k = Keyring::random();
        let blob = k.seal_mail(b"body", b"outbox");
        assert_eq!(k.open_mail(&blob, b"outbox").unwrap(), b"body");
        assert!(k.open(&blob, b"outbox").is_err());
    }

    #[test]
    fn code_hashes_depend_on_the_key() {
        let (a, b) = (Keyring::random(), Keyring::random());
        assert_eq!(a.code_hash("abcde12345").len(), 64);
        assert_ne!(a.code_hash("abcde12345"), b.code_hash("abcde12345"));
    }
}
