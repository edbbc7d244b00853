//! User accounts: the `users` table.
use app::types::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Db;

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
    pub default_factor: Option<String>,
    pub second_factor_failures: i64,
    pub second_factor_suspended_until: Option<i64>,
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

const COLUMNS: &str = "id, username, email, display_name, role, password_hash, password_changed_at, \
    password_temporary, last_sign_in_at, failed_sign_ins, locked_at, mfa_required, mfa_grace_until, \
    disabled, created_at, temporary_until, expiry_warned_days, default_factor, second_factor_failures, \
    second_factor_suspended_until";

fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
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
        password_temporary: row.try_get::<i64, _>("password_temporary")? != 0,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        failed_sign_ins: row.try_get("failed_sign_ins")?,
        locked_at: row.try_get("locked_at")?,
        mfa_required: row.try_get::<i64, _>("mfa_required")? != 0,
        mfa_grace_until: row.try_get("mfa_grace_until")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
        temporary_until: row.try_get("temporary_until")?,
        expiry_warned_days: row.try_get("expiry_warned_days")?,
        default_factor: row.try_get("default_factor")?,
        second_factor_failures: row.try_get("second_factor_failures")?,
        second_factor_suspended_until: row.try_get("second_factor_suspended_until")?,
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

/// By username or email (either, case-insensitive).
pub async fn find_by_identifier(db: &Db, identifier: &str) -> Result<Option<User>, sqlx::Error> {
    let k = key(identifier);
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username_key = $1 OR email_key = $1");
    sqlx::query(&sql)
        .bind(k)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// By username only (case-insensitive).
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username_key = $1");
    sqlx::query(&sql)
        .bind(key(username))
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(db: &Db) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username_key");
    sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

pub async fn create(db: &Db, new: &NewUser<'_>, now: i64) -> Result<i64, CreateUserError> {
    let (username, email) = (new.username.trim(), new.email.trim());
    let taken =
        sqlx::query("SELECT username_key FROM users WHERE username_key = $1 OR email_key = $2")
            .bind(key(username))
            .bind(key(email))
            .fetch_optional(&db.pool)
            .await?;
    if let Some(row) = taken {
        let existing: String = row.try_get("username_key")?;
        return Err(if existing == key(username) {
            CreateUserError::UsernameTaken(username.into())
        } else {
            CreateUserError::EmailTaken(email.into())
        });
    }
    let row = sqlx::query(
        "INSERT INTO users (username, username_key, email, email_key, display_name, role, password_hash, \
         password_changed_at, password_temporary, temporary_until, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8) RETURNING id",
    )
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
    .fetch_one(&db.pool)
    .await
    .map_err(|e| match &e {
        // A concurrent insert won the race for the same name.
        sqlx::Error::Database(d) if d.is_unique_violation() => CreateUserError::UsernameTaken(username.into()),
        _ => CreateUserError::Db(e),
    })?;
    Ok(row.try_get("id")?)
}

/// A correct password: the failure count starts over.
pub async fn record_correct_password(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET failed_sign_ins = 0 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A completed sign-in (the session became full): dormancy is measured from here.
pub async fn record_completed_sign_in(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    // The failure count starts over too (a correct password was given on the way here).
    sqlx::query("UPDATE users SET last_sign_in_at = $1, failed_sign_ins = 0 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A wrong password: returns the consecutive failure count.
pub async fn record_failed_sign_in(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = $1 RETURNING failed_sign_ins")
        .bind(id)
        .fetch_one(&db.pool)
        .await?
        .try_get("failed_sign_ins")
}

/// The user's own new password: clears a temporary password, the expiry warnings and any lockout.
pub async fn set_password(db: &Db, id: i64, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, password_temporary = 0, \
         temporary_until = NULL, expiry_warned_days = NULL, failed_sign_ins = 0, locked_at = NULL WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An administrator's temporary password, to be changed at the next sign-in.
pub async fn set_temporary_password(
    db: &Db,
    id: i64,
    hash: &str,
    now: i64,
    until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, password_temporary = 1, \
         temporary_until = $3, expiry_warned_days = NULL WHERE id = $4",
    )
    .bind(hash)
    .bind(now)
    .bind(until)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Locks the account; true if it was not locked before (so the owner is told once).
pub async fn lock(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET locked_at = $1 WHERE id = $2 AND locked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Unlocks the account and starts the failure count over; true if it was locked.
pub async fn unlock(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET locked_at = NULL, failed_sign_ins = 0 WHERE id = $1 AND locked_at IS NOT NULL")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the smallest expiry warning sent for the current password.
pub async fn set_expiry_warned(db: &Db, id: i64, days: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET expiry_warned_days = $1 WHERE id = $2")
        .bind(days)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Makes two-factor authentication mandatory (or not) for the user, with an optional grace deadline.
pub async fn set_mfa_required(
    db: &Db,
    id: i64,
    required: bool,
    grace_until: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET mfa_required = $1, mfa_grace_until = $2 WHERE id = $3")
        .bind(i64::from(required))
        .bind(grace_until)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Starts a grace period (the first time a mandatory policy meets this user without a factor).
pub async fn start_mfa_grace(db: &Db, id: i64, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET mfa_grace_until = $1 WHERE id = $2 AND mfa_grace_until IS NULL")
        .bind(until)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_default_factor(db: &Db, id: i64, kind: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET default_factor = $1 WHERE id = $2")
        .bind(kind)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Counts a wrong second-factor code; answers the count in a row.
pub async fn record_challenge_failure(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "UPDATE users SET second_factor_failures = second_factor_failures + 1 WHERE id = $1 \
         RETURNING second_factor_failures",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?
    .try_get("second_factor_failures")
}

/// Suspends the challenge until `until` and starts the count over.
pub async fn suspend_challenge(db: &Db, id: i64, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET second_factor_suspended_until = $1, second_factor_failures = 0 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn reset_challenge_failures(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET second_factor_failures = 0, second_factor_suspended_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
