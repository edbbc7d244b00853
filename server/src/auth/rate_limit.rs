//! Fixed-window rate limits kept in the database (the `rate_limits` table), so every server instance
//! counts together. A hit is counted in one statement, before the work it guards or in the transaction
//! that decides its outcome.
use sqlx::Row;
use std::net::IpAddr;

use crate::db::Conn;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
}

/// Forgot-password requests from one client address.
pub const RESET_PER_ADDRESS: Limit = Limit {
    max: 10,
    window_secs: 15 * 60,
};
/// Reset emails to one account (beyond it, requests are answered the same way and nothing is sent).
pub const RESET_PER_ACCOUNT: Limit = Limit {
    max: 3,
    window_secs: 3600,
};
/// Requests to change one account's email address (each sends two emails).
pub const EMAIL_CHANGE_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// Window for failed sign-ins from one client address (the count is configurable).
pub const SIGNIN_FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The longest window above (old counters are purged after it).
pub const LONGEST_WINDOW_SECS: i64 = 24 * 3600;

/// The part of an address that identifies one client: the whole IPv4 address, or the /64 network of
/// an IPv6 address (one subscriber usually holds a whole /64, so counting single addresses would let
/// them rotate through billions).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The bucket of `what` for a client address.
pub fn address_bucket(what: &str, ip: IpAddr) -> String {
    format!("{what}:{}", client_key(ip))
}

/// Counts one hit in `bucket`; answers whether it is within the limit.
pub async fn hit(
    conn: &mut Conn,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let hits: i64 = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - limit.window_secs)
    .fetch_one(&mut *conn)
    .await?
    .try_get("hits")?;
    Ok(hits <= limit.max)
}

/// Whether one more hit in `bucket` would still be within the limit. A read: nothing is counted (a
/// passwordless sign-in, which no guessing can win, respects the address's password allowance
/// without spending it).
pub async fn has_room(
    conn: &mut Conn,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let hits: Option<i64> =
        sqlx::query("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start > $2")
            .bind(bucket)
            .bind(now - limit.window_secs)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| row.try_get("hits"))
            .transpose()?;
    Ok(hits.unwrap_or(0) < limit.max)
}

/// Takes back one hit (the guarded work turned out not to count, e.g. a correct password).
pub async fn refund(conn: &mut Conn, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0")
        .bind(bucket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Hits counted in `bucket`'s current window.
pub async fn current(
    conn: &mut Conn,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start > $2")
        .bind(bucket)
        .bind(now - limit.window_secs)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("hits")?,
        None => 0,
    })
}

/// Removes counters whose window has passed (run periodically).
pub async fn purge(conn: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
        .bind(now - LONGEST_WINDOW_SECS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(client_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
    }
}
