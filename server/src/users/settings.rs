//! Changes to an account's password, its mandatory second step, its preferences.
use app::types::{Locale, Role};
use sqlx::Row;

use super::{from_row, User, COLUMNS};
use crate::db::Conn;

/// The user's own new password: clears a temporary password, the expiry warnings, any lockout and a
/// required reset. Setting it by an emailed link also proves the email address.
pub async fn set_password(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    now: i64,
    email_proved: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, password_temporary = 0, \
         temporary_until = NULL, expiry_warned_days = NULL, failed_sign_ins = 0, locked_at = NULL, \
         password_reset_required = 0, \
         email_verified = CASE WHEN $4 = 1 THEN 1 ELSE email_verified END WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .bind(i64::from(email_proved))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An administrator's temporary password, to be changed at the next sign-in.
pub async fn set_temporary_password(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    now: i64,
    until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, password_temporary = 1, \
         temporary_until = $3, expiry_warned_days = NULL, failed_sign_ins = 0, locked_at = NULL WHERE id = $4",
    )
    .bind(hash)
    .bind(now)
    .bind(until)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records the expiry warning `threshold` for the current password, once: true only for the caller
/// that moved it (so of two instances exactly one sends the email).
pub async fn claim_expiry_warning(
    conn: &mut Conn,
    id: i64,
    threshold: i64,
    changed_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET expiry_warned_days = $1 WHERE id = $2 AND password_changed_at = $3 \
         AND (expiry_warned_days IS NULL OR expiry_warned_days > $1)",
    )
    .bind(threshold)
    .bind(id)
    .bind(changed_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Passwords that will expire within `window_secs` and have not expired yet (expiry warnings).
pub async fn expiring(
    conn: &mut Conn,
    max_age_secs: i64,
    window_secs: i64,
    now: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM users WHERE password_hash IS NOT NULL AND password_temporary = 0 AND disabled = 0 \
         AND password_changed_at <= $1 AND password_changed_at > $2",
        *COLUMNS
    );
    sqlx::query(&sql)
        .bind(now + window_secs - max_age_secs)
        .bind(now - max_age_secs)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Makes two-factor authentication mandatory (or not) for the user, with an optional grace deadline.
pub async fn set_mfa_required(
    conn: &mut Conn,
    id: i64,
    required: bool,
    grace_until: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET mfa_required = $1, mfa_grace_until = $2 WHERE id = $3")
        .bind(i64::from(required))
        .bind(grace_until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Starts a grace period (the first time a mandatory policy meets this user without a factor); answers
/// the deadline in force (an earlier one if another request started it first).
pub async fn start_mfa_grace(conn: &mut Conn, id: i64, until: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE users SET mfa_grace_until = $1 WHERE id = $2 AND mfa_grace_until IS NULL")
        .bind(until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT mfa_grace_until FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row
        .try_get::<Option<i64>, _>("mfa_grace_until")?
        .unwrap_or(until))
}

/// The method the second step opens on (`None`: the first enrolled).
pub async fn set_default_method(
    conn: &mut Conn,
    id: i64,
    method: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET default_factor = $1 WHERE id = $2")
        .bind(method)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Too many failed second steps: the password no longer signs in until it is reset.
pub async fn require_password_reset(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_reset_required = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The language of the interface and the emails; `chosen` when the person picked it.
pub async fn set_locale(
    conn: &mut Conn,
    id: i64,
    locale: Locale,
    chosen: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locale = $1, locale_chosen = $3 WHERE id = $2")
        .bind(locale.tag())
        .bind(id)
        .bind(i64::from(chosen))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_time_zone(conn: &mut Conn, id: i64, time_zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
        .bind(time_zone)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The name shown in the menu and in emails.
pub async fn set_display_name(conn: &mut Conn, id: i64, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A new email address, proved by the link sent to it (so it counts as verified). False when another
/// account holds the address (the unique look-up key decides, so two accounts racing for one address
/// cannot both get it).
pub async fn set_email(conn: &mut Conn, id: i64, email: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET email = $1, email_key = $2, email_verified = 1 WHERE id = $3",
    )
    .bind(email.trim())
    .bind(super::key(email))
    .bind(id)
    .execute(&mut *conn)
    .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives the user another role; false if it already had it.
pub async fn set_role(conn: &mut Conn, id: i64, role: Role) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND role <> $1")
        .bind(role.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables the account (it cannot sign in) or enables it; false if it already was.
pub async fn set_disabled(conn: &mut Conn, id: i64, disabled: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2 AND disabled <> $1")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
