//! Administration: the same operations for the command line (`portcullis user …`) and the back office,
//! over the same services (the same hashing pool, the same rules, the same "credentials changed"
//! routine). An administrator never sees or sets another user's password or secrets: a temporary
//! password is generated, shown once to whoever asked, and must be replaced at first sign-in.
//!
//! Creating accounts (a temporary password or an invitation) is in `create`.
use app::policy::{self, PasswordOwner};
use app::service::RequestInfo;
use serde_json::json;
use std::sync::Arc;

pub mod audit_log;
mod back_office;
mod create;
mod recovery;
pub use create::{Created, NewAccount};

use super::credentials::Change;
use super::Core;
use crate::audit::{self, Entry, Event};
use crate::auth::email_links::{self, Purpose};
use crate::crypto::fill_random;
use crate::db::Tx;
use crate::notify::{Message, Recipient};
use crate::users::{self, CreateUserError, User};

pub struct Admin(pub Arc<Core>);

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
    #[error("{0:?}")]
    Service(app::error::AppError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<app::error::AppError> for AdminError {
    fn from(e: app::error::AppError) -> Self {
        AdminError::Service(e)
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An operator at the command line (the machine's own account).
    Operator,
    /// A signed-in administrator.
    Admin(i64),
}

impl Actor {
    fn id(self) -> Option<i64> {
        match self {
            Actor::Operator => None,
            Actor::Admin(id) => Some(id),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Actor::Operator => "command line",
            Actor::Admin(_) => "administrator",
        }
    }
}

impl Admin {
    /// Records an administrative action: who, to whom, and (from the back office) from where and with
    /// what browser.
    #[tracing::instrument(name = "admin.record", skip_all)]
    async fn record(
        &self,
        tx: &mut Tx,
        actor: Actor,
        req: Option<&RequestInfo>,
        event: Event,
        subject: i64,
        detail: serde_json::Value,
    ) -> Result<(), AdminError> {
        let entry = Entry {
            event,
            actor: actor.id(),
            subject: Some(subject),
            ip: req.and_then(|r| r.ip),
            user_agent: req.map(|r| r.user_agent.as_str()).unwrap_or(""),
            detail,
        };
        audit::record(tx, self.0.now(), entry).await?;
        Ok(())
    }

    #[tracing::instrument(name = "admin.find", skip_all)]
    async fn find(&self, username: &str) -> Result<User, AdminError> {
        let mut conn = self.0.db.conn().await?;
        users::find_by_username(&mut conn, username)
            .await?
            .ok_or_else(|| AdminError::NoSuchUser(username.into()))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, AdminError> {
        let mut conn = self.0.db.conn().await?;
        Ok(users::list(&mut conn).await?)
    }

    /// A new temporary password for `username` (shown to the caller and emailed); their sessions end
    /// and their trusted browsers are forgotten.
    pub async fn issue_temporary_password(
        &self,
        actor: Actor,
        username: &str,
    ) -> Result<String, AdminError> {
        let user = self.find(username).await?;
        self.issue_temporary_password_to(actor, None, &user).await
    }

    async fn issue_temporary_password_to(
        &self,
        actor: Actor,
        req: Option<&RequestInfo>,
        user: &User,
    ) -> Result<String, AdminError> {
        let core = &self.0;
        let temporary = temporary_password(&PasswordOwner {
            username: user.username.clone(),
            email: user.email.clone(),
        });
        let hash = core.hash_password(&temporary).await?;
        let now = core.now();
        let lifetime = core.settings.lifecycle.temporary_lifetime_secs;
        let mut tx = core.db.begin().await?;
        users::set_temporary_password(&mut tx, user.id, &hash, now, now + lifetime).await?;
        core.credentials_changed(&mut tx, req, user, Change::TemporaryPassword, None)
            .await?;
        let message = Message::TemporaryPassword {
            sign_in_link: core.link(app::routes::LOGIN),
            temporary_password: temporary.clone(),
            valid_hours: lifetime / 3600,
        };
        core.notifier
            .email(&mut tx, &Recipient::of(user), &message, now)
            .await?;
        self.record(
            &mut tx,
            actor,
            req,
            Event::TemporaryPasswordIssued,
            user.id,
            json!({ "by": actor.name() }),
        )
        .await?;
        tx.commit().await?;
        Ok(temporary)
    }

    /// Unlocks `username`; false if it was not locked.
    pub async fn unlock(&self, actor: Actor, username: &str) -> Result<bool, AdminError> {
        let user = self.find(username).await?;
        self.unlock_user(actor, None, &user).await
    }

    async fn unlock_user(
        &self,
        actor: Actor,
        req: Option<&RequestInfo>,
        user: &User,
    ) -> Result<bool, AdminError> {
        let core = &self.0;
        let mut tx = core.db.begin().await?;
        let unlocked = users::unlock(&mut tx, user.id).await?;
        if unlocked {
            email_links::revoke(&mut tx, user.id, Purpose::Unlock, core.now()).await?;
            self.record(
                &mut tx,
                actor,
                req,
                Event::AccountUnlocked,
                user.id,
                json!({ "by": actor.name() }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(unlocked)
    }

    /// Makes two-factor authentication mandatory (or not) for `username`, with an optional grace period.
    pub async fn require_two_factor(
        &self,
        actor: Actor,
        username: &str,
        required: bool,
        grace_secs: Option<i64>,
    ) -> Result<(), AdminError> {
        let user = self.find(username).await?;
        self.require_two_factor_for(actor, None, &user, required, grace_secs)
            .await
    }

    async fn require_two_factor_for(
        &self,
        actor: Actor,
        req: Option<&RequestInfo>,
        user: &User,
        required: bool,
        grace_secs: Option<i64>,
    ) -> Result<(), AdminError> {
        let core = &self.0;
        let grace_until = grace_secs.filter(|_| required).map(|g| core.now() + g);
        let mut tx = core.db.begin().await?;
        users::set_mfa_required(&mut tx, user.id, required, grace_until).await?;
        let detail = json!({ "required": required, "grace_secs": grace_secs, "by": actor.name() });
        self.record(
            &mut tx,
            actor,
            req,
            Event::TwoFactorRequirementChanged,
            user.id,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
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
