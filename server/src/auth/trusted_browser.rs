//! Trusted browsers ("don't ask again on this browser", the `trusted_browsers` table): a random token in
//! a cookie, its SHA-256 here, one row per browser and user, listed and revocable in the security
//! settings, and all forgotten whenever the user's credentials change.
use sqlx::Row;
use std::net::IpAddr;

use crate::crypto::{random_token, token_hash};
use crate::db::Conn;

#[derive(Debug, Clone)]
pub struct TrustedBrowser {
    pub public_id: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub token_hash: String,
}

impl TrustedBrowser {
    /// As the settings page shows it; `current_hash` is the hash of this browser's own cookie.
    pub fn view(&self, current_hash: Option<&str>) -> app::types::TrustedBrowserView {
        app::types::TrustedBrowserView {
            current: current_hash == Some(self.token_hash.as_str()),
            id: self.public_id.clone(),
            browser: crate::user_agent::summary(&self.user_agent),
            ip: self.ip.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
        }
    }
}

/// Trusts the browser for `lifetime_secs`; answers the cookie's token.
pub async fn trust(
    conn: &mut Conn,
    user_id: i64,
    ip: Option<IpAddr>,
    user_agent: &str,
    now: i64,
    lifetime_secs: i64,
) -> Result<String, sqlx::Error> {
    let token = random_token(32);
    sqlx::query(
        "INSERT INTO trusted_browsers (public_id, token_hash, user_id, created_at, expires_at, last_used_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
    )
    .bind(random_token(16))
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + lifetime_secs)
    .bind(ip.map(|ip| ip.to_string()).unwrap_or_default())
    .bind(user_agent)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Whether `token` trusts this browser for `user_id` now (and records the use).
pub async fn recognises(
    conn: &mut Conn,
    token: &str,
    user_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE trusted_browsers SET last_used_at = $1 WHERE token_hash = $2 AND user_id = $3 AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash(token))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<Vec<TrustedBrowser>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT public_id, created_at, last_used_at, expires_at, ip, user_agent, token_hash FROM trusted_browsers \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_used_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TrustedBrowser {
                public_id: r.try_get("public_id")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                expires_at: r.try_get("expires_at")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                token_hash: r.try_get("token_hash")?,
            })
        })
        .collect()
}

pub async fn revoke(conn: &mut Conn, user_id: i64, public_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM trusted_browsers WHERE user_id = $1 AND public_id = $2")
        .bind(user_id)
        .bind(public_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke_all(conn: &mut Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM trusted_browsers WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn purge(conn: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM trusted_browsers WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
