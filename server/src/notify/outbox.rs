//! The outbox (the `outbox` table): every email, from every process (server or command line). Bodies
//! carry live links and temporary passwords, so they are stored encrypted (AES-256-GCM, bound to the
//! message's row) and wiped as soon as the message is sent; sent rows are purged after the retention
//! period. The delivery worker (`mail::delivery`) claims due messages atomically.
use sqlx::Row;

use super::mail::templates::Rendered;
use crate::db::Conn;
use crate::keyring::Keyring;

/// What the encrypted body is bound to (a body cannot be moved to another row or table).
fn context(recipient: &str, created_at: i64, kind: &str) -> Vec<u8> {
    format!("outbox:{kind}:{created_at}:{recipient}").into_bytes()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    text: String,
    html: String,
}

/// Queues a rendered message for `recipient`. Answers the outbox id.
pub async fn enqueue(
    conn: &mut Conn,
    keys: &Keyring,
    recipient: &str,
    rendered: &Rendered,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let body = serde_json::to_vec(&Body {
        text: rendered.text.clone(),
        html: rendered.html.clone(),
    })
    .map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sealed = keys.seal_mail(&body, &context(recipient, now, rendered.kind));
    let id = sqlx::query(
        "INSERT INTO outbox (created_at, recipient, subject, text_body, html_body, sealed_body, kind, \
         next_attempt_at) VALUES ($1, $2, $3, '', '', $4, $5, $1) RETURNING id",
    )
    .bind(now)
    .bind(recipient)
    .bind(&rendered.subject)
    .bind(sealed)
    .bind(rendered.kind)
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?;
    tracing::info!(kind = rendered.kind, outbox_id = id, "email queued");
    Ok(id)
}

/// A message as the developer mailbox and the delivery worker see it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub created_at: i64,
    pub recipient: String,
    pub subject: String,
    /// Empty once sent (the body is wiped).
    pub text_body: String,
    pub html_body: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, created_at, recipient, subject, sealed_body, kind, status, attempts, last_error";

fn open(keys: &Keyring, r: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
    let created_at: i64 = r.try_get("created_at")?;
    let recipient: String = r.try_get("recipient")?;
    let kind: String = r.try_get("kind")?;
    let sealed: Option<Vec<u8>> = r.try_get("sealed_body")?;
    let body = match sealed {
        Some(blob) => {
            let plain = keys
                .open_mail(&blob, &context(&recipient, created_at, &kind))
                .map_err(|e| sqlx::Error::Decode(e.into()))?;
            serde_json::from_slice::<Body>(&plain).map_err(|e| sqlx::Error::Decode(e.into()))?
        }
        None => Body {
            text: String::new(),
            html: String::new(),
        },
    };
    Ok(Stored {
        id: r.try_get("id")?,
        created_at,
        recipient,
        subject: r.try_get("subject")?,
        text_body: body.text,
        html_body: body.html,
        kind,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
    })
}

/// The newest messages first.
pub async fn recent(
    conn: &mut Conn,
    keys: &Keyring,
    limit: i64,
) -> Result<Vec<Stored>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1");
    sqlx::query(&sql)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| open(keys, r))
        .collect()
}

/// Claims the oldest due message for `claim_secs` (so several instances never send one twice).
pub async fn claim_due(
    conn: &mut Conn,
    keys: &Keyring,
    now: i64,
    claim_secs: i64,
) -> Result<Option<Stored>, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET claimed_until = $2 WHERE id = (SELECT id FROM outbox WHERE status = 'pending' \
         AND next_attempt_at <= $1 AND claimed_until <= $1 ORDER BY id LIMIT 1) AND claimed_until <= $1 \
         RETURNING {COLUMNS}"
    );
    sqlx::query(&sql)
        .bind(now)
        .bind(now + claim_secs)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(|r| open(keys, r))
        .transpose()
}

/// Sent: the body is wiped at once (no live link or password stays behind).
pub async fn mark_sent(conn: &mut Conn, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, \
         sealed_body = NULL, text_body = '', html_body = '' WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or given up (and wiped) after the last attempt.
pub async fn mark_failed(
    conn: &mut Conn,
    id: i64,
    attempts: i64,
    error: &str,
    give_up: bool,
    retry_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = $1, last_error = $2, status = $3, next_attempt_at = $4, claimed_until = 0, \
         sealed_body = CASE WHEN $6 = 1 THEN NULL ELSE sealed_body END WHERE id = $5",
    )
    .bind(attempts)
    .bind(error)
    .bind(if give_up { "failed" } else { "pending" })
    .bind(retry_at)
    .bind(id)
    .bind(i64::from(give_up))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes sent and failed messages older than the retention period (run periodically).
pub async fn purge(conn: &mut Conn, now: i64, retention_secs: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM outbox WHERE status <> 'pending' AND created_at < $1")
        .bind(now - retention_secs)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
