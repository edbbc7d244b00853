//! The lockout counters of the `users` table. Every statement that claims or counts a password attempt
//! is one conditional `UPDATE … RETURNING`, so no burst and no second server instance gets past it.
//!
//! Every password is judged under a claim taken before hashing (`claim_sign_in` for the sign-in,
//! `claim_password_check` for a signed-in person confirming or changing theirs), then settled by
//! `record_wrong_password` / `record_right_password`: however many attempts arrive together, at most
//! the threshold minus the failures already counted are ever judged.
use sqlx::Row;

use super::{from_row, key, User, COLUMNS};
use crate::db::Conn;

/// A claim on a sign-in attempt older than this is from a request that never finished (a crash).
const CLAIM_STALE_SECS: i64 = 60;

/// Claims the right to judge one password for the account named by `identifier`, before any hashing:
/// granted only while the account is not locked and its failures plus the attempts being judged stay
/// under `threshold`. Answers the account when granted, None otherwise (unknown, locked, or at the limit).
pub async fn claim_sign_in(
    conn: &mut Conn,
    identifier: &str,
    threshold: i64,
    now: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let sql = format!(
        "UPDATE users SET \
           sign_ins_in_flight = CASE WHEN sign_ins_in_flight_at < $3 THEN 1 ELSE sign_ins_in_flight + 1 END, \
           sign_ins_in_flight_at = $4 \
         WHERE (username_key = $1 OR email_key = $1) AND locked_at IS NULL \
           AND failed_sign_ins + CASE WHEN sign_ins_in_flight_at < $3 THEN 0 ELSE sign_ins_in_flight END < $2 \
         RETURNING {}, {CONFIRMED_FACTORS} AS confirmed_factors",
        *COLUMNS
    );
    let Some(row) = sqlx::query(&sql)
        .bind(key(identifier))
        .bind(threshold)
        .bind(now - CLAIM_STALE_SECS)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Claimed {
        user: from_row(&row)?,
        confirmed_factors: row.try_get("confirmed_factors")?,
    }))
}

/// The account's confirmed second factors, counted inside a statement on `users`.
const CONFIRMED_FACTORS: &str = "(SELECT COUNT(*) FROM second_factors sf \
     WHERE sf.user_id = users.id AND sf.confirmed_at IS NOT NULL)";

/// A sign-in attempt claimed by `claim_sign_in`: the account, and how many confirmed second factors it
/// had at that moment (read by the same statement, so the password step needs no other read of them;
/// `settle_right_sign_in` checks the count again when it settles).
pub struct Claimed {
    pub user: User,
    pub confirmed_factors: i64,
}

/// Claims the right to judge the signed-in account's password (confirming or changing it counts toward
/// the same lockout as signing in), before any hashing: granted only while the account is not locked
/// and its failures plus the checks being judged stay under `threshold`.
pub async fn claim_password_check(
    conn: &mut Conn,
    id: i64,
    threshold: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET \
           sign_ins_in_flight = CASE WHEN sign_ins_in_flight_at < $3 THEN 1 ELSE sign_ins_in_flight + 1 END, \
           sign_ins_in_flight_at = $4 \
         WHERE id = $1 AND locked_at IS NULL \
           AND failed_sign_ins + CASE WHEN sign_ins_in_flight_at < $3 THEN 0 ELSE sign_ins_in_flight END < $2",
    )
    .bind(id)
    .bind(threshold)
    .bind(now - CLAIM_STALE_SECS)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

const RELEASE: &str =
    "sign_ins_in_flight = CASE WHEN sign_ins_in_flight > 0 THEN sign_ins_in_flight - 1 ELSE 0 END";

/// A judged attempt was wrong: answers the consecutive failures.
pub async fn record_wrong_password(conn: &mut Conn, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1, {RELEASE} WHERE id = $1 RETURNING failed_sign_ins"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("failed_sign_ins")
}

/// A judged attempt was right: the failure count starts over (unless other attempts are still being
/// judged). False if the account was locked meanwhile (by a burst of wrong passwords): no sign-in then.
pub async fn record_right_password(conn: &mut Conn, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE users SET failed_sign_ins = CASE WHEN sign_ins_in_flight <= 1 THEN 0 ELSE failed_sign_ins END, \
         {RELEASE} WHERE id = $1 AND locked_at IS NULL"
    ))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A sign-in's password was right, settled in one statement: the failure count starts over and the
/// claim is released (as `record_right_password`), and `completed_at`, when this step completes the
/// sign-in as the caller planned it from `planned_factors` (the claim's count), becomes the last sign-in.
/// Answers the confirmed second factors counted now, or None if the account was locked meanwhile (by a
/// burst of wrong passwords): no sign-in then. When the count differs from `planned_factors` (a factor
/// was added or removed while the password was hashed) the last sign-in is left alone and the caller
/// plans again from the answer.
pub async fn settle_right_sign_in(
    conn: &mut Conn,
    id: i64,
    planned_factors: i64,
    completed_at: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE users SET failed_sign_ins = CASE WHEN sign_ins_in_flight <= 1 THEN 0 ELSE failed_sign_ins END, \
         {RELEASE}, \
         last_sign_in_at = CASE WHEN {CONFIRMED_FACTORS} = $2 THEN COALESCE($3, last_sign_in_at) ELSE last_sign_in_at END \
         WHERE id = $1 AND locked_at IS NULL RETURNING {CONFIRMED_FACTORS} AS confirmed_factors"
    ))
    .bind(id)
    .bind(planned_factors)
    .bind(completed_at)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.try_get("confirmed_factors")).transpose()
}

/// Gives back a claim that was never judged (the request failed on the way).
pub async fn release_claim(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("UPDATE users SET {RELEASE} WHERE id = $1"))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A completed sign-in (the session became full): dormancy is measured from here.
pub async fn record_completed_sign_in(
    conn: &mut Conn,
    id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks the account; true if it was not locked before (so the owner is told once).
pub async fn lock(conn: &mut Conn, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET locked_at = $1 WHERE id = $2 AND locked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Unlocks the account and starts the failure count over; true if it was locked.
pub async fn unlock(conn: &mut Conn, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET locked_at = NULL, failed_sign_ins = 0 WHERE id = $1 AND locked_at IS NOT NULL",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
