//! Server-side sessions (the `sessions` table). The browser holds a random 256-bit token; the database
//! holds its SHA-256. Every server instance sharing the database shares the sessions.
//!
//! A session's token changes whenever its stage does (partial → full) and at every confirmation of
//! identity, and a stage only moves from the stage the server expects (`… AND stage = $expected`).
//! Checking a session is one indexed look-up (the session joined with its user); activity is recorded
//! at most about once a minute, never more coarsely than the inactivity limit allows.
use app::types::Stage;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::net::IpAddr;

mod lifetime;

pub use lifetime::{liveness, Liveness, SessionPolicy};

use crate::crypto::{random_token, token_hash};
use crate::db::Conn;
use crate::users::{self, User};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub public_id: String,
    pub user_id: i64,
    pub stage: Stage,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// The last full authentication (password, and the second factor when the user has one); 0 when the
    /// sign-in skipped the second step on a trusted browser.
    pub reauthenticated_at: i64,
    pub ip: String,
    pub user_agent: String,
    /// The hash of the device cookie the session was opened with ('' when the browser kept none).
    pub device_hash: String,
}

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum Resolved {
    /// No session has this token (never did, signed out, revoked, rotated, or cleaned up).
    Unknown,
    /// The session existed but has ended now; it has been deleted.
    Ended(Liveness),
    Live(SessionRow, Box<User>),
}

const COLUMNS: &str = "s.id AS session_id, s.public_id AS session_public_id, s.user_id AS session_user_id, \
    s.stage AS session_stage, s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at, \
    s.expires_at AS session_expires_at, s.reauthenticated_at AS session_reauthenticated_at, \
    s.ip AS session_ip, s.user_agent AS session_user_agent, s.device_hash AS session_device_hash";

fn from_row(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    let stage: String = row.try_get("session_stage")?;
    Ok(SessionRow {
        id: row.try_get("session_id")?,
        public_id: row.try_get("session_public_id")?,
        user_id: row.try_get("session_user_id")?,
        stage: Stage::from_db(&stage)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown stage {stage}").into()))?,
        created_at: row.try_get("session_created_at")?,
        last_seen_at: row.try_get("session_last_seen_at")?,
        expires_at: row.try_get("session_expires_at")?,
        reauthenticated_at: row.try_get("session_reauthenticated_at")?,
        ip: row.try_get("session_ip")?,
        user_agent: row.try_get("session_user_agent")?,
        device_hash: row.try_get("session_device_hash")?,
    })
}

/// Where a new session comes from.
pub struct Opening<'a> {
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
    pub device_hash: &'a str,
}

/// A new session with a new token (a sign-in never reuses a token the browser brought): its id and
/// the token.
pub async fn create(
    conn: &mut Conn,
    policy: &SessionPolicy,
    user_id: i64,
    stage: Stage,
    fully_authenticated: bool,
    from: Opening<'_>,
    now: i64,
) -> Result<(i64, String), sqlx::Error> {
    let token = random_token(32);
    let row = sqlx::query(
        "INSERT INTO sessions (public_id, token_hash, user_id, stage, created_at, last_seen_at, expires_at, \
         reauthenticated_at, ip, user_agent, device_hash) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10) \
         RETURNING id",
    )
    .bind(random_token(16))
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(stage.as_db())
    .bind(now)
    .bind(now + policy.absolute.as_secs() as i64)
    .bind(if fully_authenticated { now } else { 0 })
    .bind(from.ip.map(|ip| ip.to_string()).unwrap_or_default())
    .bind(from.user_agent)
    .bind(from.device_hash)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("id")?, token))
}

/// Finds the session behind a token, with its user, in one look-up. Activity is recorded when the
/// recorded time is older than the touch interval; an ended session is deleted.
pub async fn resolve(
    conn: &mut Conn,
    policy: &SessionPolicy,
    token: &str,
    now: i64,
) -> Result<Resolved, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        *users::COLUMNS_U
    );
    let Some(row) = sqlx::query(&sql)
        .bind(token_hash(token))
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Resolved::Unknown);
    };
    let mut session = from_row(&row)?;
    let user = users::from_row(&row)?;
    match liveness(&session, now, policy) {
        Liveness::Live => {
            if now - session.last_seen_at >= policy.touch_interval_secs().max(1) {
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1",
                )
                .bind(now)
                .bind(session.id)
                .execute(&mut *conn)
                .await?;
                session.last_seen_at = now;
            }
            Ok(Resolved::Live(session, Box::new(user)))
        }
        ended => {
            delete(conn, session.id).await?;
            Ok(Resolved::Ended(ended))
        }
    }
}

/// Moves a session from `expected` to `next` with a new token (answered); None if the session is not
/// at `expected` any more (another request moved or ended it first). `fully_authenticated` opens the
/// window for sensitive changes.
pub async fn advance(
    conn: &mut Conn,
    id: i64,
    expected: Stage,
    next: Stage,
    fully_authenticated: bool,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let token = random_token(32);
    let done = sqlx::query(
        "UPDATE sessions SET stage = $1, token_hash = $2, \
         reauthenticated_at = CASE WHEN $3 = 1 THEN $4 ELSE reauthenticated_at END \
         WHERE id = $5 AND stage = $6",
    )
    .bind(next.as_db())
    .bind(token_hash(&token))
    .bind(i64::from(fully_authenticated))
    .bind(now)
    .bind(id)
    .bind(expected.as_db())
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(token))
}

/// A confirmation of identity: a new token, and the window for sensitive changes opens.
pub async fn reauthenticated(conn: &mut Conn, id: i64, now: i64) -> Result<String, sqlx::Error> {
    let token = random_token(32);
    sqlx::query("UPDATE sessions SET token_hash = $1, reauthenticated_at = $2 WHERE id = $3")
        .bind(token_hash(&token))
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(token)
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_by_token(conn: &mut Conn, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The user's sessions that are still live at `now`, most recent first.
pub async fn live_for_user(
    conn: &mut Conn,
    policy: &SessionPolicy,
    user_id: i64,
    now: i64,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s WHERE s.user_id = $1 ORDER BY s.last_seen_at DESC, s.id DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|s| liveness(s, now, policy) == Liveness::Live)
        .collect())
}

/// Deletes one of the user's sessions by its public id; false if the user has no such session.
pub async fn delete_for_user(
    conn: &mut Conn,
    user_id: i64,
    public_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
        .bind(user_id)
        .bind(public_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of the user except `keep` (none kept when `keep` is None).
pub async fn delete_all_for_user(
    conn: &mut Conn,
    user_id: i64,
    keep: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(-1))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Ends the user's partial sessions (someone is failing their second step).
pub async fn delete_partial_for_user(conn: &mut Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND stage <> 'full'")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Removes sessions that can no longer be used (run periodically).
pub async fn purge_ended(
    conn: &mut Conn,
    policy: &SessionPolicy,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let idle_before = now - policy.idle.as_secs() as i64;
    let partial_before = now - policy.partial.as_secs() as i64;
    let enrollment_before = now - policy.enrollment.as_secs() as i64;
    let done = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 \
         OR (stage = 'enrollment' AND created_at <= $4) \
         OR (stage <> 'enrollment' AND last_seen_at <= $2) \
         OR (stage NOT IN ('full', 'enrollment') AND created_at <= $3)",
    )
    .bind(now)
    .bind(idle_before)
    .bind(partial_before)
    .bind(enrollment_before)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
