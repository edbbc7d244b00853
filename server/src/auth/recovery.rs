//! The `recovery_requests` table: an owner who lost every sign-in method asks for help; an administrator
//! records how they verified the owner's identity, then approves (or rejects); an approval takes effect
//! after a waiting period unless the owner cancels it with the emailed link (only its hash is stored).
//! Every transition is one guarded UPDATE, so two administrators (or instances) cannot both make it.
use app::types::RecoveryStatus;
use sqlx::Row;
use std::net::IpAddr;

use crate::db::Conn;

/// A request with its owner's and verifier's names.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub status: RecoveryStatus,
    pub statement: String,
    pub created_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub verification_method: Option<String>,
    pub verification_reference: Option<String>,
    pub effective_at: Option<i64>,
}

const SELECT: &str = "SELECT r.id, r.user_id, u.username, u.display_name, u.email, r.status, r.statement, \
     r.created_at, r.ip, r.user_agent, v.username AS verifier, r.verified_at, r.verification_method, \
     r.verification_reference, r.effective_at FROM recovery_requests r JOIN users u ON u.id = r.user_id \
     LEFT JOIN users v ON v.id = r.verified_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Request, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Request {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        email: r.try_get("email")?,
        status: RecoveryStatus::from_db(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("recovery status '{status}'").into()))?,
        statement: r.try_get("statement")?,
        created_at: r.try_get("created_at")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        verified_by: r.try_get("verifier")?,
        verified_at: r.try_get("verified_at")?,
        verification_method: r.try_get("verification_method")?,
        verification_reference: r.try_get("verification_reference")?,
        effective_at: r.try_get("effective_at")?,
    })
}

/// Opens a request, unless the user already has one open or approved (answers None then).
pub async fn open(
    conn: &mut Conn,
    user_id: i64,
    statement: &str,
    ip: Option<IpAddr>,
    user_agent: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO recovery_requests (user_id, status, statement, created_at, ip, user_agent) \
         SELECT $1, 'open', $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM recovery_requests \
         WHERE user_id = $1 AND status IN ('open', 'approved')) RETURNING id",
    )
    .bind(user_id)
    .bind(statement)
    .bind(now)
    .bind(ip.map(|ip| ip.to_string()).unwrap_or_default())
    .bind(user_agent)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.try_get("id")).transpose()
}

/// Open and approved requests, oldest first; then the last 50 closed ones.
pub async fn list(conn: &mut Conn) -> Result<Vec<Request>, sqlx::Error> {
    let mut active: Vec<Request> = sqlx::query(&format!(
        "{SELECT} WHERE r.status IN ('open', 'approved') ORDER BY r.id"
    ))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_, _>>()?;
    let closed: Vec<Request> = sqlx::query(&format!(
        "{SELECT} WHERE r.status NOT IN ('open', 'approved') ORDER BY r.id DESC LIMIT 50"
    ))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_, _>>()?;
    active.extend(closed);
    Ok(active)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Request>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Records how the identity was verified (an open request only; a new record replaces the old).
pub async fn record_verification(
    conn: &mut Conn,
    id: i64,
    admin: i64,
    method: &str,
    reference: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_requests SET verified_by = $1, verified_at = $2, verification_method = $3, \
         verification_reference = $4 WHERE id = $5 AND status = 'open'",
    )
    .bind(admin)
    .bind(now)
    .bind(method)
    .bind(reference)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Approves an open, verified request: it takes effect at `effective_at`; `cancel_hash` is the hash of
/// the owner's cancel link.
pub async fn approve(
    conn: &mut Conn,
    id: i64,
    admin: i64,
    now: i64,
    effective_at: i64,
    cancel_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_requests SET status = 'approved', decided_by = $1, decided_at = $2, \
         effective_at = $3, cancel_token_hash = $4 WHERE id = $5 AND status = 'open' \
         AND verified_at IS NOT NULL",
    )
    .bind(admin)
    .bind(now)
    .bind(effective_at)
    .bind(cancel_hash)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Rejects an open request.
pub async fn reject(conn: &mut Conn, id: i64, admin: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_requests SET status = 'rejected', decided_by = $1, decided_at = $2, \
         closed_at = $2 WHERE id = $3 AND status = 'open'",
    )
    .bind(admin)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a cancel link of an approved request still waiting: answers (request, user) once.
pub async fn cancel(
    conn: &mut Conn,
    cancel_hash: &str,
    now: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE recovery_requests SET status = 'cancelled', cancel_token_hash = NULL, closed_at = $1 \
         WHERE cancel_token_hash = $2 AND status = 'approved' AND effective_at > $1 \
         RETURNING id, user_id",
    )
    .bind(now)
    .bind(cancel_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("user_id")?)))
        .transpose()
}

/// Approved requests whose waiting period is over.
pub async fn due(conn: &mut Conn, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query(
        "SELECT id FROM recovery_requests WHERE status = 'approved' AND effective_at <= $1 ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect()
}

/// Marks a due request completed (once: answers its user the first time).
pub async fn complete(conn: &mut Conn, id: i64, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE recovery_requests SET status = 'completed', cancel_token_hash = NULL, closed_at = $1 \
         WHERE id = $2 AND status = 'approved' AND effective_at <= $1 RETURNING user_id",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.try_get("user_id")).transpose()
}

/// Removes every second factor (apps, passkeys, codes by email or text) and backup code of the user,
/// and ends any grace period of a mandatory policy (the next sign-in enrols at once).
pub async fn remove_every_method(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let factors = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM backup_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE users SET default_factor = NULL, \
         mfa_grace_until = CASE WHEN mfa_required <> 0 THEN $1 ELSE mfa_grace_until END WHERE id = $2",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(factors)
}
