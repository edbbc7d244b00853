//! The second-step attempt limit, shared by every method (app codes, backup codes, email and text
//! message codes, passkeys): the `second_factor_limits` table, one row per user.
//!
//! A slot is claimed before a code is judged, in one conditional statement, so however many answers
//! arrive at once (on however many server instances), at most `MAX_WRONG` are judged per window. The
//! fifth wrong answer suspends the step for `SUSPENSION_SECS`; `ESCALATE_AFTER` wrong answers within a
//! day end every partial session and require a password reset (the caller does that).
use sqlx::Row;

use crate::db::Conn;

/// Wrong answers judged per window before the step is suspended.
pub const MAX_WRONG: i64 = 5;
pub const SUSPENSION_SECS: i64 = 15 * 60;
/// Wrong answers within a day that end it: partial sessions end and the password must be reset.
pub const ESCALATE_AFTER: i64 = 10;
const DAY_SECS: i64 = 86_400;
/// A claim older than this is from a request that never finished.
const CLAIM_STALE_SECS: i64 = 60;

/// Why no answer may be judged now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Suspended for this many more seconds.
    Suspended { secs: i64 },
    /// Every slot of the window is being judged right now.
    Busy,
}

/// What a wrong answer led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// This answer started a suspension (tell the owner once).
    pub suspended: bool,
    /// This answer reached the daily limit (end partial sessions, require a reset).
    pub escalated: bool,
}

/// Claims one judgement for `user_id`.
pub async fn claim(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    sqlx::query(
        "INSERT INTO second_factor_limits (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE second_factor_limits SET \
           in_flight = CASE WHEN in_flight_at < $3 THEN 1 ELSE in_flight + 1 END, in_flight_at = $2 \
         WHERE user_id = $1 AND suspended_until <= $2 \
           AND failures + CASE WHEN in_flight_at < $3 THEN 0 ELSE in_flight END < $4",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - CLAIM_STALE_SECS)
    .bind(MAX_WRONG)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let until: i64 =
        sqlx::query("SELECT suspended_until FROM second_factor_limits WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("suspended_until")?;
    Ok(Err(if until > now {
        Refusal::Suspended { secs: until - now }
    } else {
        Refusal::Busy
    }))
}

const RELEASE: &str = "in_flight = CASE WHEN in_flight > 0 THEN in_flight - 1 ELSE 0 END";

/// The judged answer was wrong.
pub async fn record_wrong(conn: &mut Conn, user_id: i64, now: i64) -> Result<Failure, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE second_factor_limits SET {RELEASE}, \
           failures = CASE WHEN failures + 1 >= $3 THEN 0 ELSE failures + 1 END, \
           suspended_until = CASE WHEN failures + 1 >= $3 THEN $2 + $4 ELSE suspended_until END, \
           day_failures = CASE WHEN day_start <= $2 - $5 THEN 1 ELSE day_failures + 1 END, \
           day_start = CASE WHEN day_start <= $2 - $5 THEN $2 ELSE day_start END \
         WHERE user_id = $1 RETURNING failures, suspended_until, day_failures"
    ))
    .bind(user_id)
    .bind(now)
    .bind(MAX_WRONG)
    .bind(SUSPENSION_SECS)
    .bind(DAY_SECS)
    .fetch_one(&mut *conn)
    .await?;
    let failures: i64 = row.try_get("failures")?;
    let until: i64 = row.try_get("suspended_until")?;
    let day: i64 = row.try_get("day_failures")?;
    Ok(Failure {
        suspended: failures == 0 && until == now + SUSPENSION_SECS,
        escalated: day == ESCALATE_AFTER,
    })
}

/// The judged answer was right: the window starts over.
pub async fn record_right(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE second_factor_limits SET {RELEASE}, failures = 0, day_failures = 0 WHERE user_id = $1"
    ))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives back a claim that was never judged.
pub async fn release(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE second_factor_limits SET {RELEASE} WHERE user_id = $1"
    ))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A new password (set by the owner through a reset) lifts a suspension and the daily count.
pub async fn clear(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM second_factor_limits WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
