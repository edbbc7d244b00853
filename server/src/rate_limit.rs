//! Fixed-window rate limits kept in the database, so every server instance counts together.
use sqlx::Row;

use crate::db::Db;

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
/// Window for failed sign-ins from one client address (the count is configurable).
pub const SIGNIN_FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// Counts one hit in `bucket`; answers whether it is within the limit.
pub async fn hit(db: &Db, bucket: &str, limit: Limit, now: i64) -> Result<bool, sqlx::Error> {
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
    .fetch_one(&db.pool)
    .await?
    .try_get("hits")?;
    Ok(hits <= limit.max)
}

/// Whether `bucket` has already used up its limit, without counting.
pub async fn exhausted(db: &Db, bucket: &str, limit: Limit, now: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start > $2")
        .bind(bucket)
        .bind(now - limit.window_secs)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("hits")? >= limit.max,
        None => false,
    })
}

/// Removes counters whose window has passed (run periodically).
pub async fn purge(db: &Db, now: i64, longest_window_secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
        .bind(now - longest_window_secs)
        .execute(&db.pool)
        .await?;
    Ok(())
}
