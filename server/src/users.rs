//! User accounts: the `users` table, including its lockout counters. Every statement that claims or
//! counts a sign-in attempt is one conditional `UPDATE … RETURNING`, so no burst and no second server
//! instance gets past a limit.
use app::types::{Locale, Role};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Conn;

#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub password_changed_at: i64,
    pub password_temporary: bool,
    pub last_sign_in_at: Option<i64>,
    pub failed_sign_ins: i64,
    pub locked_at: Option<i64>,
    pub mfa_required: bool,
    pub mfa_grace_until: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
    pub temporary_until: Option<i64>,
    pub expiry_warned_days: Option<i64>,
    pub default_method: Option<String>,
    pub password_reset_required: bool,
    pub locale: Locale,
    /// Whether the person chose the language (else it follows their browser).
    pub locale_chosen: bool,
    pub time_zone: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
}

impl std::fmt::Debug for User {
    // The password hash stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

const FIELDS: [&str; 24] = [
    "id",
    "username",
    "email",
    "display_name",
    "role",
    "password_hash",
    "password_changed_at",
    "password_temporary",
    "last_sign_in_at",
    "failed_sign_ins",
    "locked_at",
    "mfa_required",
    "mfa_grace_until",
    "disabled",
    "created_at",
    "temporary_until",
    "expiry_warned_days",
    "default_factor",
    "password_reset_required",
    "locale",
    "locale_chosen",
    "time_zone",
    "email_verified",
    "phone",
];

/// The columns, for statements on `users` alone.
pub static COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| FIELDS.join(", "));
/// The columns prefixed with `u.`, for joins (the session look-up).
pub static COLUMNS_U: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    FIELDS
        .iter()
        .map(|f| format!("u.{f}"))
        .collect::<Vec<_>>()
        .join(", ")
});

pub fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let locale: String = row.try_get("locale")?;
    let flag = |name: &str| row.try_get::<i64, _>(name).map(|v| v != 0);
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        password_hash: row.try_get("password_hash")?,
        password_changed_at: row.try_get("password_changed_at")?,
        password_temporary: flag("password_temporary")?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        failed_sign_ins: row.try_get("failed_sign_ins")?,
        locked_at: row.try_get("locked_at")?,
        mfa_required: flag("mfa_required")?,
        mfa_grace_until: row.try_get("mfa_grace_until")?,
        disabled: flag("disabled")?,
        created_at: row.try_get("created_at")?,
        temporary_until: row.try_get("temporary_until")?,
        expiry_warned_days: row.try_get("expiry_warned_days")?,
        default_method: row.try_get("default_factor")?,
        password_reset_required: flag("password_reset_required")?,
        locale: Locale::from_tag(&locale).unwrap_or_default(),
        locale_chosen: flag("locale_chosen")?,
        time_zone: row.try_get("time_zone")?,
        email_verified: flag("email_verified")?,
        phone: row.try_get("phone")?,
    })
}

/// The look-up key for usernames and emails: case does not matter.
pub fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    /// Until when a temporary password works (None: the password is the user's own, or none is set).
    pub temporary_until: Option<i64>,
    pub mfa_required: bool,
    pub locale: Locale,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username '{0}' is taken")]
    UsernameTaken(String),
    #[error("the email address '{0}' belongs to another account")]
    EmailTaken(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

async fn one(conn: &mut Conn, sql: &str, bind: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query(sql)
        .bind(bind)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// By username or email (either, case-insensitive).
pub async fn find_by_identifier(
    conn: &mut Conn,
    identifier: &str,
) -> Result<Option<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM users WHERE username_key = $1 OR email_key = $1",
        *COLUMNS
    );
    one(conn, &sql, &key(identifier)).await
}

/// By username only (case-insensitive).
pub async fn find_by_username(
    conn: &mut Conn,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {} FROM users WHERE username_key = $1", *COLUMNS);
    one(conn, &sql, &key(username)).await
}

/// By email only (case-insensitive).
pub async fn find_by_email(conn: &mut Conn, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {} FROM users WHERE email_key = $1", *COLUMNS);
    one(conn, &sql, &key(email)).await
}

pub async fn find_by_id(conn: &mut Conn, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {} FROM users WHERE id = $1", *COLUMNS);
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(conn: &mut Conn) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!("SELECT {} FROM users ORDER BY username_key", *COLUMNS);
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn count(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")
}

/// Creates an account. With `only_if_empty`, only when no account exists yet (the first administrator):
/// of several server instances starting at once, exactly one creates it (answers None otherwise).
pub async fn create(
    conn: &mut Conn,
    new: &NewUser<'_>,
    now: i64,
    only_if_empty: bool,
) -> Result<Option<i64>, CreateUserError> {
    let (username, email) = (new.username.trim(), new.email.trim());
    let taken =
        sqlx::query("SELECT username_key FROM users WHERE username_key = $1 OR email_key = $2")
            .bind(key(username))
            .bind(key(email))
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(row) = taken {
        if only_if_empty {
            return Ok(None);
        }
        let existing: String = row.try_get("username_key")?;
        return Err(if existing == key(username) {
            CreateUserError::UsernameTaken(username.into())
        } else {
            CreateUserError::EmailTaken(email.into())
        });
    }
    let guard = if only_if_empty {
        " WHERE NOT EXISTS (SELECT 1 FROM users)"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO users (username, username_key, email, email_key, display_name, role, password_hash, \
         password_changed_at, password_temporary, temporary_until, created_at, mfa_required, locale) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $11, $12{guard} RETURNING id"
    );
    let row = sqlx::query(&sql)
        .bind(username)
        .bind(key(username))
        .bind(email)
        .bind(key(email))
        .bind(new.display_name.trim())
        .bind(new.role.as_str())
        .bind(new.password_hash)
        .bind(now)
        .bind(i64::from(new.temporary_until.is_some()))
        .bind(new.temporary_until)
        .bind(i64::from(new.mfa_required))
        .bind(new.locale.tag())
        .fetch_optional(&mut *conn)
        .await;
    match row {
        Ok(Some(row)) => Ok(Some(row.try_get("id")?)),
        Ok(None) => Ok(None),
        // A concurrent insert won the race for the same name.
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            if only_if_empty {
                Ok(None)
            } else {
                Err(CreateUserError::UsernameTaken(username.into()))
            }
        }
        Err(e) => Err(CreateUserError::Db(e)),
    }
}

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
) -> Result<Option<User>, sqlx::Error> {
    let sql = format!(
        "UPDATE users SET \
           sign_ins_in_flight = CASE WHEN sign_ins_in_flight_at < $3 THEN 1 ELSE sign_ins_in_flight + 1 END, \
           sign_ins_in_flight_at = $4 \
         WHERE (username_key = $1 OR email_key = $1) AND locked_at IS NULL \
           AND failed_sign_ins + CASE WHEN sign_ins_in_flight_at < $3 THEN 0 ELSE sign_ins_in_flight END < $2 \
         RETURNING {}",
        *COLUMNS
    );
    sqlx::query(&sql)
        .bind(key(identifier))
        .bind(threshold)
        .bind(now - CLAIM_STALE_SECS)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The same claim for the signed-in account (confirming or changing the password counts toward the
/// same lockout). False when the account is locked or at the limit.
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
