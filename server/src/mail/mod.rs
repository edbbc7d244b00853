//! Email: messages are rendered from templates and put in the `outbox` table by whichever process asks
//! (server or command line); the server's delivery worker sends them. Sending never happens on the
//! request path, and a failed send is retried, logged and visible in the outbox.
pub mod delivery;
pub mod templates;

use sqlx::Row;

use crate::db::Db;
pub use templates::{Message, Origin};

/// Queues `message` for `recipient`. Returns the outbox id.
pub async fn enqueue(
    db: &Db,
    recipient: &str,
    message: &Message,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let rendered = message.render();
    let id = sqlx::query(
        "INSERT INTO outbox (created_at, recipient, subject, text_body, html_body, kind, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $1) RETURNING id",
    )
    .bind(now)
    .bind(recipient)
    .bind(&rendered.subject)
    .bind(&rendered.text)
    .bind(&rendered.html)
    .bind(rendered.kind)
    .fetch_one(&db.pool)
    .await?
    .try_get("id")?;
    tracing::info!(kind = rendered.kind, outbox_id = id, "email queued");
    Ok(id)
}

/// A message as the developer mailbox shows it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub created_at: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The newest messages first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Stored>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, recipient, subject, text_body, kind, status, attempts, last_error \
         FROM outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Stored {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                text_body: r.try_get("text_body")?,
                kind: r.try_get("kind")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}
