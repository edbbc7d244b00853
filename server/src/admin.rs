//! Account administration shared by the command line and (later) the back office.
use app::policy::{self, PasswordOwner};
use app::types::Role;
use serde_json::json;
use url::Url;

use crate::audit::{self, Event};
use crate::crypto::fill_random;
use crate::db::Db;
use crate::mail::{self, Message};
use crate::password;
use crate::signin::Lifecycle;
use crate::tokens::{self, Purpose};
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
    #[error("there is no user '{0}'")]
    NoSuchUser(String),
    #[error(transparent)]
    Create(#[from] CreateUserError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What administration needs to know about the site: where links point, how long things last.
#[derive(Debug, Clone)]
pub struct Site {
    pub public_url: Url,
    pub lifecycle: Lifecycle,
}

impl Site {
    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    fn temporary_hours(&self) -> i64 {
        self.lifecycle.temporary_lifetime_secs / 3600
    }
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub role: Role,
    /// Email an invitation link instead of a temporary password.
    pub invite: bool,
}

pub struct Created {
    pub id: i64,
    /// None for an invitation.
    pub temporary_password: Option<String>,
}

async fn hash_off_thread(password: String) -> Result<String, AdminError> {
    tokio::task::spawn_blocking(move || {
        password::hash_with(&mut password::Scratch::new(), &password)
    })
    .await
    .map_err(|e| AdminError::Invalid(format!("hashing failed: {e}")))?
    .map_err(AdminError::from)
}

/// Creates an account and emails its owner either a temporary password (to be changed at first
/// sign-in, valid for the temporary-password lifetime) or an invitation link (72 hours).
pub async fn create_user(
    db: &Db,
    site: &Site,
    new: &NewAccount<'_>,
    now: i64,
) -> Result<Created, AdminError> {
    let (username, email) = (new.username.trim(), new.email.trim());
    policy::validate_username(username).map_err(AdminError::Invalid)?;
    policy::validate_email(email).map_err(AdminError::Invalid)?;
    let display_name = new
        .display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(username);
    let temporary = (!new.invite).then(|| {
        temporary_password(&PasswordOwner {
            username: username.into(),
            email: email.into(),
        })
    });
    let hash = match &temporary {
        Some(p) => Some(hash_off_thread(p.clone()).await?),
        None => None,
    };
    let id = users::create(
        db,
        &NewUser {
            username,
            email,
            display_name,
            role: new.role,
            password_hash: hash.as_deref(),
            temporary_until: temporary
                .as_ref()
                .map(|_| now + site.lifecycle.temporary_lifetime_secs),
        },
        now,
    )
    .await?;
    let message = match &temporary {
        Some(p) => Message::UserCreated {
            username: username.into(),
            sign_in_link: site.link("/login"),
            temporary_password: p.clone(),
            valid_hours: site.temporary_hours(),
        },
        None => {
            let token = tokens::issue(db, id, Purpose::Invite, now).await?;
            Message::Invitation {
                username: username.into(),
                link: tokens::link(&site.public_url, Purpose::Invite, &token),
                valid_hours: Purpose::Invite.lifetime_secs() / 3600,
            }
        }
    };
    mail::enqueue(db, email, &message, now).await?;
    let detail = json!({ "role": new.role.as_str(), "invitation": new.invite });
    audit::record(
        db,
        now,
        Event {
            name: "user.created",
            actor: None,
            subject: Some(id),
            ip: None,
            detail,
        },
    )
    .await;
    Ok(Created {
        id,
        temporary_password: temporary,
    })
}

/// A new temporary password for `username` (printed by the caller and emailed); ends their sessions.
pub async fn issue_temporary_password(
    db: &Db,
    site: &Site,
    username: &str,
    now: i64,
) -> Result<String, AdminError> {
    let user = users::find_by_username(db, username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.into()))?;
    let temporary = temporary_password(&PasswordOwner {
        username: user.username.clone(),
        email: user.email.clone(),
    });
    let hash = hash_off_thread(temporary.clone()).await?;
    users::set_temporary_password(
        db,
        user.id,
        &hash,
        now,
        now + site.lifecycle.temporary_lifetime_secs,
    )
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(&db.pool)
        .await?;
    let message = Message::TemporaryPassword {
        username: user.username.clone(),
        sign_in_link: site.link("/login"),
        temporary_password: temporary.clone(),
        valid_hours: site.temporary_hours(),
    };
    mail::enqueue(db, &user.email, &message, now).await?;
    let event = Event {
        name: "password.temporary_issued",
        actor: None,
        subject: Some(user.id),
        ip: None,
        detail: json!({}),
    };
    audit::record(db, now, event).await;
    Ok(temporary)
}

/// Unlocks `username`; false if it was not locked.
pub async fn unlock(db: &Db, username: &str, now: i64) -> Result<bool, AdminError> {
    let user = users::find_by_username(db, username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.into()))?;
    let unlocked = users::unlock(db, user.id).await?;
    if unlocked {
        tokens::revoke(db, user.id, Purpose::Unlock, now).await?;
        let detail = json!({ "by": "administrator" });
        audit::record(
            db,
            now,
            Event {
                name: "account.unlocked",
                actor: None,
                subject: Some(user.id),
                ip: None,
                detail,
            },
        )
        .await;
    }
    Ok(unlocked)
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
