//! Devices an account has signed in from, and sign-ins whose second step is still owed.
//!
//! A browser is recognised by its device cookie: a random 256-bit id the server sets at the first
//! password (or passkey) step it sees without one, kept for 400 days. Only its SHA-256 is stored. The
//! User-Agent is never used to recognise a device (it changes with every browser update), only to show
//! people what it was.
use sqlx::Row;

use crate::crypto::{random_token, token_hash};
use crate::db::Conn;

/// How long the browser keeps the device cookie, and the server remembers a device not seen since.
pub const DEVICE_LIFETIME_SECS: i64 = 400 * 86_400;

/// The device behind a request: the cookie's id when it looks like one the server issued, else a new
/// id (`fresh`: the browser must be given the cookie).
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub fresh: bool,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("fresh", &self.fresh)
            .finish()
    }
}

impl Device {
    pub fn of(cookie: Option<&str>) -> Device {
        match cookie.filter(|c| plausible(c)) {
            Some(id) => Device {
                id: id.to_string(),
                fresh: false,
            },
            None => Device {
                id: random_token(32),
                fresh: true,
            },
        }
    }

    pub fn hash(&self) -> String {
        token_hash(&self.id)
    }
}

/// What `random_token(32)` makes: 43 URL-safe base64 characters. Anything else is a cookie this server
/// never set and is replaced.
fn plausible(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Records that the account completed a sign-in from this device; true when it never had before. Of
/// two simultaneous first sign-ins from one device, exactly one answers true.
pub async fn remember(
    conn: &mut Conn,
    user_id: i64,
    device_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let seen = sqlx::query(
        "UPDATE known_devices SET last_seen_at = $1 WHERE user_id = $2 AND device_hash = $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(device_hash)
    .execute(&mut *conn)
    .await?;
    if seen.rows_affected() > 0 {
        return Ok(false);
    }
    let added = sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (user_id, device_hash) DO NOTHING",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(added.rows_affected() == 1)
}

/// Forgets one device of the account ("this wasn't me": a sign-in from it is new again).
pub async fn forget(conn: &mut Conn, user_id: i64, device_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM known_devices WHERE user_id = $1 AND device_hash = $2")
        .bind(user_id)
        .bind(device_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A password step passed and a second step is owed by `session_id`.
pub struct Unfinished<'a> {
    pub user_id: i64,
    pub session_id: i64,
    pub device_hash: &'a str,
    pub ip: String,
    pub user_agent: &'a str,
    pub at: i64,
    pub due_at: i64,
}

pub async fn expect_second_step(conn: &mut Conn, u: Unfinished<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO unfinished_sign_ins (user_id, session_id, device_hash, ip, user_agent, created_at, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(u.user_id)
    .bind(u.session_id)
    .bind(u.device_hash)
    .bind(u.ip)
    .bind(u.user_agent)
    .bind(u.at)
    .bind(u.due_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A sign-in completed from this device (or in this session): its earlier unfinished attempts were the
/// owner's own, nothing to report.
pub async fn settle(
    conn: &mut Conn,
    user_id: i64,
    session_id: i64,
    device_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM unfinished_sign_ins WHERE user_id = $1 AND (session_id = $2 OR (device_hash = $3 AND $3 <> ''))",
    )
    .bind(user_id)
    .bind(session_id)
    .bind(device_hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The owner was already told by another alert (the second step was suspended after wrong codes).
pub async fn settle_all(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM unfinished_sign_ins WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An unfinished sign-in whose time is up, claimed for its alert.
#[derive(Debug, Clone)]
pub struct Due {
    pub user_id: i64,
    pub ip: String,
    pub user_agent: String,
    pub at: i64,
}

/// Claims (deletes and answers) up to `limit` unfinished sign-ins due at `now`; of several instances
/// running this together each row goes to exactly one.
pub async fn claim_due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    let rows = sqlx::query(
        "DELETE FROM unfinished_sign_ins WHERE id IN \
         (SELECT id FROM unfinished_sign_ins WHERE due_at <= $1 ORDER BY due_at LIMIT $2) \
         RETURNING user_id, ip, user_agent, created_at",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                user_id: r.try_get("user_id")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Forgets devices not seen for longer than the cookie lives.
pub async fn purge(conn: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM known_devices WHERE last_seen_at <= $1")
        .bind(now - DEVICE_LIFETIME_SECS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_cookie_shaped_like_an_issued_id_is_kept() {
        let issued = random_token(32);
        let d = Device::of(Some(&issued));
        assert!(!d.fresh);
        assert_eq!(d.id, issued);
        for bad in [
            "",
            "short",
            "a b c",
            &"x".repeat(44),
            &format!("{}!", &issued[..42]),
        ] {
            let d = Device::of(Some(bad));
            assert!(d.fresh, "{bad:?}");
            assert!(plausible(&d.id));
        }
        assert!(Device::of(None).fresh);
        assert!(!format!("{:?}", Device::of(Some(&issued))).contains(&issued));
    }
}
