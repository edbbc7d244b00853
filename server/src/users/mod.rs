//! User accounts: the `users` table, including its lockout counters. Every statement that claims or
//! counts a sign-in attempt is one conditional `UPDATE … RETURNING`, so no burst and no second server
//! instance gets past a limit.
use app::types::{Locale, Role};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Conn;

mod lockout;
mod settings;

pub use lockout::*;
pub use settings::*;

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

/// A `LIKE` pattern that finds `text` anywhere (its own `%`, `_` and `\` match themselves).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in key(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Users whose username, email or display name contains `search` (any case), by username, one page;
/// and how many match in all.
pub async fn search(
    conn: &mut Conn,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<User>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE username_key LIKE $1 ESCAPE '\\' OR email_key LIKE $1 ESCAPE '\\' \
         OR LOWER(display_name) LIKE $1 ESCAPE '\\'";
    let pattern = contains_pattern(search);
    let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM users {WHERE}"))
        .bind(&pattern)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let sql = format!(
        "SELECT {} FROM users {WHERE} ORDER BY username_key LIMIT $2 OFFSET $3",
        *COLUMNS
    );
    let users = sqlx::query(&sql)
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((users, total))
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
