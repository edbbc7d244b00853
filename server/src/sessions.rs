//! Server-side sessions. The browser holds a random 256-bit token; the database holds its SHA-256.
//! Every server instance sharing the database shares the sessions.
use app::types::Stage;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::net::IpAddr;

use crate::config::SessionPolicy;
use crate::crypto::{random_token, token_hash};
use crate::db::Db;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub public_id: String,
    pub user_id: i64,
    pub stage: Stage,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub reauthenticated_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// Whether a session may still be used at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live,
    /// No activity for longer than the inactivity timeout.
    Idle,
    /// Past the absolute cap, active or not.
    PastCap,
    /// A partial session (a sign-in step still owed) older than its short lifetime.
    PartialTimedOut,
}

pub fn liveness(row: &SessionRow, now: i64, policy: &SessionPolicy) -> Liveness {
    if now >= row.expires_at {
        Liveness::PastCap
    } else if !row.stage.is_full() && now - row.created_at >= policy.partial.as_secs() as i64 {
        Liveness::PartialTimedOut
    } else if now - row.last_seen_at >= policy.idle.as_secs() as i64 {
        Liveness::Idle
    } else {
        Liveness::Live
    }
}

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum Resolved {
    /// No session has this token (never did, signed out, revoked, or cleaned up).
    Unknown,
    /// The session existed but has ended now; it has been deleted.
    Ended(Liveness),
    Live(SessionRow),
}

const COLUMNS: &str =
    "id, public_id, user_id, stage, created_at, last_seen_at, expires_at, reauthenticated_at, ip, user_agent";

fn from_row(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    let stage: String = row.try_get("stage")?;
    Ok(SessionRow {
        id: row.try_get("id")?,
        public_id: row.try_get("public_id")?,
        user_id: row.try_get("user_id")?,
        stage: Stage::from_db(&stage)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown stage {stage}").into()))?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        reauthenticated_at: row.try_get("reauthenticated_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
    })
}

#[derive(Clone)]
pub struct SessionStore {
    db: Db,
    policy: SessionPolicy,
}

impl SessionStore {
    pub fn new(db: Db, policy: SessionPolicy) -> SessionStore {
        SessionStore { db, policy }
    }

    pub fn policy(&self) -> &SessionPolicy {
        &self.policy
    }

    /// A new session with a new token (a sign-in never reuses a token the browser brought).
    pub async fn create(
        &self,
        user_id: i64,
        stage: Stage,
        ip: Option<IpAddr>,
        user_agent: &str,
        now: i64,
    ) -> Result<(String, SessionRow), sqlx::Error> {
        let token = random_token(32);
        let public_id = random_token(16);
        let expires_at = now + self.policy.absolute.as_secs() as i64;
        let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
        let id: i64 = sqlx::query(
            "INSERT INTO sessions (public_id, token_hash, user_id, stage, created_at, last_seen_at, expires_at, \
             reauthenticated_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $5, $7, $8) RETURNING id",
        )
        .bind(&public_id)
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(stage.as_db())
        .bind(now)
        .bind(expires_at)
        .bind(&ip)
        .bind(user_agent)
        .fetch_one(&self.db.pool)
        .await?
        .try_get("id")?;
        let row = SessionRow {
            id,
            public_id,
            user_id,
            stage,
            created_at: now,
            last_seen_at: now,
            expires_at,
            reauthenticated_at: now,
            ip,
            user_agent: user_agent.to_string(),
        };
        Ok((token, row))
    }

    /// Finds the session behind a token. A live session's inactivity clock restarts; an ended one is deleted.
    pub async fn resolve(&self, token: &str, now: i64) -> Result<Resolved, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM sessions WHERE token_hash = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash(token))
            .fetch_optional(&self.db.pool)
            .await?
        else {
            return Ok(Resolved::Unknown);
        };
        let mut row = from_row(&row)?;
        match liveness(&row, now, &self.policy) {
            Liveness::Live => {
                if row.last_seen_at < now {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(row.id)
                        .execute(&self.db.pool)
                        .await?;
                    row.last_seen_at = now;
                }
                Ok(Resolved::Live(row))
            }
            ended => {
                self.delete(row.id).await?;
                Ok(Resolved::Ended(ended))
            }
        }
    }

    pub async fn delete(&self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_by_token(&self, token: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// The user's sessions that are still live at `now`, most recent first.
    pub async fn live_for_user(
        &self,
        user_id: i64,
        now: i64,
    ) -> Result<Vec<SessionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(&self.db.pool)
            .await?;
        Ok(rows
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|s| liveness(s, now, &self.policy) == Liveness::Live)
            .collect())
    }

    /// Deletes one of the user's sessions by its public id; false if the user has no such session.
    pub async fn delete_for_user(
        &self,
        user_id: i64,
        public_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
            .bind(user_id)
            .bind(public_id)
            .execute(&self.db.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of the user except `keep` (none kept when `keep` is None).
    pub async fn delete_all_for_user(
        &self,
        user_id: i64,
        keep: Option<i64>,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(-1))
            .execute(&self.db.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Moves a session to its next stage (the sign-in state machine decides which).
    pub async fn set_stage(&self, id: i64, stage: Stage) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET stage = $1 WHERE id = $2")
            .bind(stage.as_db())
            .bind(id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Records a fresh password confirmation (opens the window for sensitive changes).
    pub async fn set_reauthenticated(&self, id: i64, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET reauthenticated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Removes sessions that can no longer be used (run periodically).
    pub async fn purge_ended(&self, now: i64) -> Result<u64, sqlx::Error> {
        let idle_before = now - self.policy.idle.as_secs() as i64;
        let partial_before = now - self.policy.partial.as_secs() as i64;
        let done = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2 \
             OR (stage <> 'full' AND created_at <= $3)",
        )
        .bind(now)
        .bind(idle_before)
        .bind(partial_before)
        .execute(&self.db.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T0: i64 = 1_800_000_000;

    fn policy() -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(15 * 60),
            absolute: Duration::from_secs(12 * 3600),
            partial: Duration::from_secs(10 * 60),
        }
    }

    fn row(stage: Stage) -> SessionRow {
        SessionRow {
            id: 1,
            public_id: "p".into(),
            user_id: 1,
            stage,
            created_at: T0,
            last_seen_at: T0,
            expires_at: T0 + 12 * 3600,
            reauthenticated_at: T0,
            ip: String::new(),
            user_agent: String::new(),
        }
    }

    #[test]
    fn a_session_ends_after_fifteen_idle_minutes() {
        let s = row(Stage::Full);
        assert_eq!(liveness(&s, T0 + 15 * 60 - 1, &policy()), Liveness::Live);
        assert_eq!(liveness(&s, T0 + 15 * 60, &policy()), Liveness::Idle);
    }

    #[test]
    fn activity_keeps_a_session_alive_until_the_absolute_cap() {
        let mut s = row(Stage::Full);
        s.last_seen_at = T0 + 12 * 3600 - 60;
        assert_eq!(liveness(&s, T0 + 12 * 3600 - 1, &policy()), Liveness::Live);
        assert_eq!(liveness(&s, T0 + 12 * 3600, &policy()), Liveness::PastCap);
    }

    #[test]
    fn a_partial_session_lasts_ten_minutes_however_active() {
        let mut s = row(Stage::SecondFactor);
        s.last_seen_at = T0 + 9 * 60;
        assert_eq!(liveness(&s, T0 + 10 * 60 - 1, &policy()), Liveness::Live);
        assert_eq!(
            liveness(&s, T0 + 10 * 60, &policy()),
            Liveness::PartialTimedOut
        );
    }
}
