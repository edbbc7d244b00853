//! Ceremonies in flight: what a WebAuthn answer must match (its challenge, the credentials allowed),
//! kept in the database between the options and the answer so that any server instance can finish a
//! ceremony another one started. Each is taken exactly once (`DELETE … RETURNING`), within five
//! minutes, and only by the session (or, for a sign-in without password, the cookie) that started it.
use sqlx::Row;

use crate::db::Conn;

/// How long a ceremony may take, from its options to its answer.
pub const LIFETIME_SECS: i64 = 300;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey or security key to the signed-in account.
    Register,
    /// Proving the signed-in (or half signed-in) user's own key: the second step, confirming identity.
    Assert,
    /// Signing in without a password: any discoverable credential.
    SignIn,
}

impl Purpose {
    fn as_db(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Assert => "assert",
            Purpose::SignIn => "sign_in",
        }
    }
}

/// Who may finish a ceremony.
#[derive(Debug, Clone, Copy)]
pub enum Binding<'a> {
    /// The session that started it, for that session's user.
    Session { session_id: i64, user_id: i64 },
    /// The browser holding the cookie whose hash this is.
    Cookie(&'a str),
}

/// Starts a ceremony, replacing any earlier one of the same binding and purpose (a person who starts
/// again abandons the first attempt), and forgetting expired ones.
pub async fn start(
    conn: &mut Conn,
    purpose: Purpose,
    binding: Binding<'_>,
    state: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let (session_id, user_id, binding_hash) = match binding {
        Binding::Session {
            session_id,
            user_id,
        } => {
            sqlx::query("DELETE FROM webauthn_ceremonies WHERE session_id = $1 AND purpose = $2")
                .bind(session_id)
                .bind(purpose.as_db())
                .execute(&mut *conn)
                .await?;
            (Some(session_id), Some(user_id), None)
        }
        Binding::Cookie(hash) => (None, None, Some(hash.to_string())),
    };
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (purpose, session_id, user_id, binding_hash, state, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(purpose.as_db())
    .bind(session_id)
    .bind(user_id)
    .bind(binding_hash)
    .bind(state)
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the ceremony of this binding and purpose: its state if it is still live. Gone afterwards,
/// whatever the answer turns out to be, so a challenge is answered at most once. A ceremony bound to a
/// session is only found for the same user.
pub async fn take(
    conn: &mut Conn,
    purpose: Purpose,
    binding: Binding<'_>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = match binding {
        Binding::Session {
            session_id,
            user_id,
        } => {
            sqlx::query(
                "DELETE FROM webauthn_ceremonies WHERE session_id = $1 AND user_id = $2 AND purpose = $3 \
                 RETURNING state, expires_at",
            )
            .bind(session_id)
            .bind(user_id)
            .bind(purpose.as_db())
            .fetch_optional(&mut *conn)
            .await?
        }
        Binding::Cookie(hash) => {
            sqlx::query(
                "DELETE FROM webauthn_ceremonies WHERE binding_hash = $1 AND purpose = $2 \
                 RETURNING state, expires_at",
            )
            .bind(hash)
            .bind(purpose.as_db())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= now {
        return Ok(None);
    }
    Ok(Some(row.try_get("state")?))
}

/// Forgets ceremonies past their time (the cleanup job).
pub async fn purge(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
