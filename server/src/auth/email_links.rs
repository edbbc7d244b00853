//! Single-use links sent by email (the `email_tokens` table): password reset, unlock, invitation, "this
//! wasn't me", cancelling a two-step reset, confirming a new email address. The link carries a random
//! 256-bit token; only its SHA-256 is stored. Opening a link only *looks* at the token (mail scanners
//! fetch links); the token is spent by the form the person submits, atomically, once.
use sqlx::Row;

use crate::crypto::{random_token, token_hash};
use crate::db::{Conn, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Unlock,
    Invite,
    /// "This wasn't me" in a new-device alert: ends every session and starts a reset.
    NotMe,
    /// Cancels a pending two-step reset (recovery) during its waiting period.
    CancelRecovery,
    /// Confirms a new email address.
    ConfirmEmail,
}

impl Purpose {
    pub const ALL: [Purpose; 6] = [
        Purpose::Reset,
        Purpose::Unlock,
        Purpose::Invite,
        Purpose::NotMe,
        Purpose::CancelRecovery,
        Purpose::ConfirmEmail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Unlock => "unlock",
            Purpose::Invite => "invite",
            Purpose::NotMe => "not_me",
            Purpose::CancelRecovery => "cancel_recovery",
            Purpose::ConfirmEmail => "confirm_email",
        }
    }

    /// How long a link stays valid.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::Reset => 30 * 60,
            Purpose::Unlock => 24 * 3600,
            Purpose::Invite => 72 * 3600,
            Purpose::NotMe => 7 * 86_400,
            Purpose::CancelRecovery => 7 * 86_400,
            Purpose::ConfirmEmail => 24 * 3600,
        }
    }

    /// The page the link opens.
    pub fn path(self) -> &'static str {
        use app::routes;
        match self {
            Purpose::Reset => routes::RESET_PASSWORD,
            Purpose::Unlock => routes::UNLOCK,
            Purpose::Invite => routes::INVITATION,
            Purpose::NotMe => routes::NOT_ME,
            Purpose::CancelRecovery => routes::CANCEL_RECOVERY,
            Purpose::ConfirmEmail => routes::CONFIRM_EMAIL,
        }
    }

    /// Whether a new link voids the earlier ones of the same purpose (a new-device alert does not void
    /// the "this wasn't me" link of an earlier alert).
    fn one_at_a_time(self) -> bool {
        !matches!(self, Purpose::NotMe)
    }
}

/// A new token for `user_id` (earlier unused tokens of the same purpose stop working), in the caller's
/// transaction so the old links go exactly when the new one exists.
pub async fn issue(
    tx: &mut Tx,
    user_id: i64,
    purpose: Purpose,
    now: i64,
) -> Result<String, sqlx::Error> {
    issue_with(tx, user_id, purpose, now, None).await
}

/// The same, with a value the link carries (e.g. the new email address to confirm).
pub async fn issue_with(
    tx: &mut Tx,
    user_id: i64,
    purpose: Purpose,
    now: i64,
    payload: Option<&str>,
) -> Result<String, sqlx::Error> {
    if purpose.one_at_a_time() {
        revoke(tx, user_id, purpose, now).await?;
    }
    let token = random_token(32);
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at, payload) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(now + purpose.lifetime_secs())
    .bind(payload)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// A still-valid link: whose it is, and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub user_id: i64,
    pub payload: Option<String>,
}

/// The account a still-valid token belongs to, without spending it.
pub async fn peek(
    conn: &mut Conn,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<Live>, sqlx::Error> {
    sqlx::query(
        "SELECT user_id, payload FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
         AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| {
        Ok(Live {
            user_id: r.try_get("user_id")?,
            payload: r.try_get("payload")?,
        })
    })
    .transpose()
}

/// Spends a still-valid token: of two simultaneous uses, exactly one gets the account.
pub async fn consume(
    conn: &mut Conn,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<Live>, sqlx::Error> {
    sqlx::query(
        "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
         AND expires_at > $1 RETURNING user_id, payload",
    )
    .bind(now)
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| {
        Ok(Live {
            user_id: r.try_get("user_id")?,
            payload: r.try_get("payload")?,
        })
    })
    .transpose()
}

/// Voids every unused token of `purpose` for the account.
pub async fn revoke(
    conn: &mut Conn,
    user_id: i64,
    purpose: Purpose,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Voids the account's outstanding links that act on its credentials (reset, unlock, "this wasn't me",
/// email confirmation): after a change of credentials none of them may be used. Invitations and the
/// cancel link of a pending two-step reset stay.
pub async fn revoke_credential_links(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL \
         AND purpose IN ('reset', 'unlock', 'not_me', 'confirm_email')",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The full link for an email.
pub fn link(public_url: &url::Url, purpose: Purpose, token: &str) -> String {
    app::routes::absolute(
        public_url.as_str(),
        &app::routes::with_param(purpose.path(), token),
    )
}

/// Removes tokens that can no longer be used (run periodically).
pub async fn purge(conn: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM email_tokens WHERE expires_at <= $1 OR (used_at IS NOT NULL AND used_at <= $2)")
        .bind(now)
        .bind(now - 86_400)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
