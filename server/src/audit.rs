//! The audit log: who did what to which account, when and from where. Never a secret in `detail`.
use crate::db::Db;
use serde_json::Value;
use sqlx::Row;
use std::net::IpAddr;

pub struct Event<'a> {
    pub name: &'a str,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub ip: Option<IpAddr>,
    pub detail: Value,
}

pub async fn record(db: &Db, now: i64, event: Event<'_>) {
    let ip = event.ip.map(|ip| ip.to_string()).unwrap_or_default();
    let result = sqlx::query(
        "INSERT INTO audit_log (at, actor_id, subject_id, event, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now)
    .bind(event.actor)
    .bind(event.subject)
    .bind(event.name)
    .bind(ip)
    .bind(event.detail.to_string())
    .execute(&db.pool)
    .await;
    tracing::info!(event = event.name, subject = ?event.subject, actor = ?event.actor, "audit");
    if let Err(e) = result {
        // The action itself went through; losing its record is an operator's problem, so it is loud.
        tracing::error!(error = %e, event = event.name, "could not write the audit log");
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at: i64,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub event: String,
    pub ip: String,
    pub detail: String,
}

pub async fn for_subject(db: &Db, subject: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor_id, subject_id, event, ip, detail FROM audit_log WHERE subject_id = $1 ORDER BY id",
    )
    .bind(subject)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get("at")?,
                actor: r.try_get("actor_id")?,
                subject: r.try_get("subject_id")?,
                event: r.try_get("event")?,
                ip: r.try_get("ip")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
