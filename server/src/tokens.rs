//! Single-use links sent by email (password reset, unlock, invitation). The link carries a random
//! 256-bit token; only its SHA-256 is stored. Opening a link only *looks* at the token (mail scanners
//! fetch links); the token is spent by the form the person submits, atomically, once.
use sqlx::Row;

use crate::crypto::{random_token, token_hash};
use crate::db::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Unlock,
    Invite,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Unlock => "unlock",
            Purpose::Invite => "invite",
        }
    }

    /// How long a link stays valid.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::Reset => 30 * 60,
            Purpose::Unlock => 24 * 3600,
            Purpose::Invite => 72 * 3600,
        }
    }

    /// The page the link opens.
    pub fn path(self) -> &'static str {
        match self {
            Purpose::Reset => "/reset-password",
            Purpose::Unlock => "/unlock",
            Purpose::Invite => "/invitation",
        }
    }
}

/// A new token for `user_id`; earlier unused tokens of the same purpose stop working.
pub async fn issue(
    db: &Db,
    user_id: i64,
    purpose: Purpose,
    now: i64,
) -> Result<String, sqlx::Error> {
    revoke(db, user_id, purpose, now).await?;
    let token = random_token(32);
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(now + purpose.lifetime_secs())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// The account a still-valid token belongs to, without spending it.
pub async fn peek(
    db: &Db,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query(
        "SELECT user_id FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| r.try_get("user_id"))
    .transpose()
}

/// Spends a still-valid token: of two simultaneous uses, exactly one gets the account.
pub async fn consume(
    db: &Db,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query(
        "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
         AND expires_at > $1 RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(&db.pool)
    .await?
    .map(|r| r.try_get("user_id"))
    .transpose()
}

/// Voids every unused token of `purpose` for the account.
pub async fn revoke(db: &Db, user_id: i64, purpose: Purpose, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The full link for an email.
pub fn link(public_url: &url::Url, purpose: Purpose, token: &str) -> String {
    format!(
        "{}{}/{token}",
        public_url.as_str().trim_end_matches('/'),
        purpose.path()
    )
}

/// Removes tokens that can no longer be used (run periodically).
pub async fn purge(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM email_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL AND used_at <= $2",
    )
    .bind(now)
    .bind(now - 86_400)
    .execute(&db.pool)
    .await?;
    Ok(())
}
