//! Second factors of every kind (the `second_factors` table): TOTP apps now; passkeys, SMS and email
//! codes share the table and the sign-in challenge.
use app::types::FactorKind;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Db;

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
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, user_id, kind, label, secret_ciphertext, last_used_step, confirmed_at, created_at, last_used_at";

fn from_row(row: &AnyRow) -> Result<Factor, sqlx::Error> {
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
    })
}

/// The user's confirmed factors, oldest first.
pub async fn confirmed(db: &Db, user_id: i64) -> Result<Vec<Factor>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY id");
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn has_confirmed(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

pub async fn find(db: &Db, user_id: i64, id: i64) -> Result<Option<Factor>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM second_factors WHERE user_id = $1 AND id = $2");
    sqlx::query(&sql)
        .bind(user_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A TOTP factor waiting for its first code; replaces any earlier unconfirmed one.
pub async fn create_pending_totp(
    db: &Db,
    user_id: i64,
    label: &str,
    ciphertext: &[u8],
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM second_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL",
    )
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO second_factors (user_id, kind, label, secret_ciphertext, created_at) \
         VALUES ($1, 'totp', $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(label)
    .bind(ciphertext)
    .bind(now)
    .fetch_one(&db.pool)
    .await?
    .try_get("id")
}

/// Activates a pending factor with its first accepted step.
pub async fn confirm(db: &Db, id: i64, step: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE second_factors SET confirmed_at = $1, last_used_step = $2, last_used_at = $1 \
         WHERE id = $3 AND confirmed_at IS NULL",
    )
    .bind(now)
    .bind(step)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the use of TOTP step `step`, atomically refusing it if that step (or a later one) was used:
/// of two simultaneous uses of one code exactly one succeeds.
pub async fn record_totp_use(db: &Db, id: i64, step: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_used_step = $1, last_used_at = $2 \
         WHERE id = $3 AND (last_used_step IS NULL OR last_used_step < $1)",
    )
    .bind(step)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
