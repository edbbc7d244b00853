//! Payout details: one sealed record per user (`payout_details`). The values are encrypted with the
//! server's key, bound to their owner, and only ever leave this module masked or to their owner's
//! confirmed session.
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Conn;
use crate::keyring::Keyring;

/// What is sealed.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payout {
    pub holder: String,
    pub iban: String,
    pub bic: String,
}

impl std::fmt::Debug for Payout {
    // Never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Payout(<redacted>)")
    }
}

fn context(user_id: i64) -> Vec<u8> {
    format!("payout:user:{user_id}").into_bytes()
}

/// The user's payout details and when they last changed.
pub async fn read(
    conn: &mut Conn,
    keys: &Keyring,
    user_id: i64,
) -> Result<Option<(Payout, i64)>, anyhow::Error> {
    let row = sqlx::query("SELECT sealed, updated_at FROM payout_details WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let sealed: Vec<u8> = row.try_get("sealed")?;
    let plain = keys
        .open(&sealed, &context(user_id))
        .map_err(|e| anyhow::anyhow!("opening payout details: {e}"))?;
    Ok(Some((
        serde_json::from_slice(&plain)?,
        row.try_get("updated_at")?,
    )))
}

/// Replaces the user's payout details.
pub async fn write(
    conn: &mut Conn,
    keys: &Keyring,
    user_id: i64,
    payout: &Payout,
    now: i64,
) -> Result<(), anyhow::Error> {
    let sealed = keys.seal(&serde_json::to_vec(payout)?, &context(user_id));
    sqlx::query("DELETE FROM payout_details WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO payout_details (user_id, sealed, updated_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(sealed)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
