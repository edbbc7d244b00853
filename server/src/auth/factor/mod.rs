//! Second factors. Every kind lives in the `second_factors` table and has one shape, like a credential
//! handler in Kanidm: a module per kind with `begin_enrolment` / `finish_enrolment` (kind-specific
//! inputs), an optional `challenge` (send a code, build passkey options), and `verify`, which judges
//! one answer and says `Verdict::Accepted` or why not. The second step (`services::second_step`) claims
//! a slot of the shared attempt limit (`auth::attempts`) before any `verify`, whatever the kind.
//!
//! Adding a kind: a module here (its table columns in a migration for both engines), a `FactorKind`
//! and `Method` variant in `app::types`, its catalogue keys (`method.<kind>.*`), and one arm in
//! `services::second_step::judge` and in the settings page.
pub mod backup_codes;
pub mod otp;
pub mod passkey;
pub mod totp;

use app::error::AppError;
use app::types::FactorKind;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Conn;
use crate::keyring::Keyring;
use crate::users::User;

/// What one answer turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted {
        /// The device's clock is off by this many steps (an app code accepted after
        /// re-synchronisation): the person should fix it.
        clock_drift_steps: Option<i64>,
    },
    /// Why not, as the person will be told.
    Refused(AppError),
}

/// What every `verify` gets.
pub struct Ctx<'a> {
    pub user: &'a User,
    pub keys: &'a Keyring,
    pub now: i64,
    /// The session of the sign-in attempt (codes sent for one attempt do not finish another).
    pub session_id: i64,
}

#[derive(Clone)]
pub struct Factor {
    pub id: i64,
    pub user_id: i64,
    pub kind: FactorKind,
    pub label: String,
    pub secret_ciphertext: Option<Vec<u8>>,
    pub last_used_step: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// TOTP: the device clock's offset in steps, learnt by re-synchronisation.
    pub drift_steps: i64,
    /// TOTP: an offset one wrong code matched (`pending_drift`), and that code's step; a second code
    /// on the same offset re-synchronises (RFC 6238 §6).
    pub pending_drift: Option<i64>,
    pub pending_drift_step: Option<i64>,
    pub setup_attempts: i64,
    /// SMS: the phone number (E.164).
    pub phone: Option<String>,
    /// Passkeys: the serialised credential and its id.
    pub credential: Option<String>,
    pub credential_id: Option<String>,
}

impl Factor {
    /// As the settings page shows it.
    pub fn view(&self) -> app::types::FactorView {
        let passkey = (self.kind == FactorKind::Passkey)
            .then(|| passkey::StoredPasskey::of(self))
            .flatten();
        app::types::FactorView {
            id: self.id,
            kind: self.kind,
            label: self.label.clone(),
            created_at: self.confirmed_at.unwrap_or(self.created_at),
            last_used_at: self.last_used_at,
            passkey: passkey.as_ref().map(|p| p.kind),
            passwordless: passkey.is_some_and(|p| p.passwordless),
            destination: None,
        }
    }
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

pub(crate) const COLUMNS: &str = "id, user_id, kind, label, secret_ciphertext, last_used_step, confirmed_at, created_at, \
    last_used_at, drift_steps, pending_drift, pending_drift_step, setup_attempts, phone, credential, credential_id";

pub(crate) fn from_row(row: &AnyRow) -> Result<Factor, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Factor {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: FactorKind::from_db(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown factor {kind}").into()))?,
        label: row.try_get("label")?,
        secret_ciphertext: row.try_get("secret_ciphertext")?,
        last_used_step: row.try_get("last_used_step")?,
        confirmed_at: row.try_get("confirmed_at")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        drift_steps: row.try_get("drift_steps")?,
        pending_drift: row.try_get("pending_drift")?,
        pending_drift_step: row.try_get("pending_drift_step")?,
        setup_attempts: row.try_get("setup_attempts")?,
        phone: row.try_get("phone")?,
        credential: row.try_get("credential")?,
        credential_id: row.try_get("credential_id")?,
    })
}

/// The user's confirmed factors, oldest first.
pub async fn confirmed(conn: &mut Conn, user_id: i64) -> Result<Vec<Factor>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY id"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The user's confirmed factors of one kind.
pub async fn confirmed_of(
    conn: &mut Conn,
    user_id: i64,
    kind: FactorKind,
) -> Result<Vec<Factor>, sqlx::Error> {
    Ok(confirmed(conn, user_id)
        .await?
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect())
}

pub async fn has_confirmed(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

pub async fn find(conn: &mut Conn, user_id: i64, id: i64) -> Result<Option<Factor>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM second_factors WHERE user_id = $1 AND id = $2");
    sqlx::query(&sql)
        .bind(user_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A factor of `kind` waiting for its confirmation; replaces any earlier unconfirmed one of that kind.
pub async fn create_pending(
    conn: &mut Conn,
    user_id: i64,
    kind: FactorKind,
    label: &str,
    ciphertext: Option<&[u8]>,
    phone: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM second_factors WHERE user_id = $1 AND kind = $2 AND confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(kind.as_db())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO second_factors (user_id, kind, label, secret_ciphertext, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(kind.as_db())
    .bind(label)
    .bind(ciphertext)
    .bind(phone)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")
}

/// Counts a wrong code against a pending setup; answers the attempts so far.
pub async fn count_setup_attempt(conn: &mut Conn, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "UPDATE second_factors SET setup_attempts = setup_attempts + 1 WHERE id = $1 AND confirmed_at IS NULL \
         RETURNING setup_attempts",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get("setup_attempts"))
    .transpose()
    .map(|n| n.unwrap_or(i64::MAX))
}

/// Activates a pending factor (with its first accepted TOTP step, if any) and names it. False if it was
/// confirmed or removed meanwhile.
pub async fn confirm(
    conn: &mut Conn,
    id: i64,
    step: Option<i64>,
    label: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE second_factors SET confirmed_at = $1, last_used_step = $2, last_used_at = $1, label = $3 \
         WHERE id = $4 AND confirmed_at IS NULL",
    )
    .bind(now)
    .bind(step)
    .bind(label)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the use of TOTP step `step` (and a learnt clock offset), atomically refusing it if that step
/// or a later one was used: of two simultaneous uses of one code exactly one succeeds.
pub async fn record_totp_use(
    conn: &mut Conn,
    id: i64,
    step: i64,
    drift_steps: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_used_step = $1, last_used_at = $2, drift_steps = $4, \
         pending_drift = NULL, pending_drift_step = NULL \
         WHERE id = $3 AND (last_used_step IS NULL OR last_used_step < $1)",
    )
    .bind(step)
    .bind(now)
    .bind(id)
    .bind(drift_steps)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Remembers (or forgets, with None) the offset a wrong code matched. Written for every wrong code, so
/// a drifted code costs the same as any other.
pub async fn set_pending_drift(
    conn: &mut Conn,
    id: i64,
    pending: Option<(i64, i64)>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE second_factors SET pending_drift = $1, pending_drift_step = $2 WHERE id = $3",
    )
    .bind(pending.map(|p| p.0))
    .bind(pending.map(|p| p.1))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records that a factor was used (passkeys, SMS, email codes).
pub async fn touch(conn: &mut Conn, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE second_factors SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn rename(
    conn: &mut Conn,
    user_id: i64,
    id: i64,
    label: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE second_factors SET label = $1 WHERE user_id = $2 AND id = $3")
        .bind(label)
        .bind(user_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Every factor of the user (a two-step reset after identity verification).
pub async fn delete_all(conn: &mut Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// What a TOTP secret is sealed to: its owner.
pub fn seed_context(user_id: i64) -> Vec<u8> {
    format!("totp-seed:user:{user_id}").into_bytes()
}

/// A label typed by the person: trimmed, at most 60 characters, or the fallback.
pub fn clean_label(label: &str, fallback: &str) -> String {
    let label: String = label
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    if label.is_empty() {
        fallback.to_string()
    } else {
        label
    }
}
