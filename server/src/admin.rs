//! Account administration shared by the command line and (later) the back office.
use app::policy::{self, PasswordOwner};
use app::types::Role;

use crate::crypto::fill_random;
use crate::db::Db;
use crate::password;
use crate::users::{self, CreateUserError, NewUser};

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random temporary password, e.g. `Kq7m-Xr4p-Tz9w-Hn3c`: 16 characters from 57 (93 bits), grouped
/// for reading aloud, and always meeting the password policy (the dash is its special character).
pub fn temporary_password(owner: &PasswordOwner) -> String {
    loop {
        let mut bytes = [0u8; 64];
        fill_random(&mut bytes);
        // Rejection sampling keeps every character equally likely.
        let chars: Vec<char> = bytes
            .iter()
            .filter(|b| (**b as usize) < 256 - 256 % ALPHABET.len())
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .take(16)
            .collect();
        if chars.len() < 16 {
            continue;
        }
        let candidate = chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        if policy::violations(&candidate, owner).is_empty() {
            return candidate;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Create(#[from] CreateUserError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

pub struct Created {
    pub id: i64,
    pub temporary_password: String,
}

/// Creates an account with a temporary password that must be changed at first sign-in.
pub async fn create_user(
    db: &Db,
    username: &str,
    email: &str,
    display_name: Option<&str>,
    role: Role,
    now: i64,
) -> Result<Created, AdminError> {
    policy::validate_username(username).map_err(AdminError::Invalid)?;
    policy::validate_email(email).map_err(AdminError::Invalid)?;
    let owner = PasswordOwner {
        username: username.trim().into(),
        email: email.trim().into(),
    };
    let temporary_password = temporary_password(&owner);
    let pw = temporary_password.clone();
    let hash = tokio::task::spawn_blocking(move || {
        password::hash_with(&mut password::Scratch::new(), &pw)
    })
    .await
    .map_err(|e| AdminError::Invalid(format!("hashing failed: {e}")))??;
    let display_name = display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(username.trim());
    let id = users::create(
        db,
        &NewUser {
            username,
            email,
            display_name,
            role,
            password_hash: Some(&hash),
            temporary: true,
        },
        now,
    )
    .await?;
    Ok(Created {
        id,
        temporary_password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_meet_the_policy_and_differ() {
        let owner = PasswordOwner {
            username: "admin".into(),
            email: "admin@localhost".into(),
        };
        let a = temporary_password(&owner);
        let b = temporary_password(&owner);
        assert_ne!(a, b);
        for p in [&a, &b] {
            assert_eq!(p.len(), 19);
            assert!(policy::violations(p, &owner).is_empty(), "{p}");
        }
    }
}
