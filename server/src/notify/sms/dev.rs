//! The developer outbox for texts (the `dev_sms` table): nothing leaves the machine; the developer
//! mailbox page shows the messages. Development only (it needs the developer mailbox enabled). Bodies
//! are sealed with the mail key, like the outbox's.
use async_trait::async_trait;
use sqlx::Row;

use super::{SmsError, SmsProvider};
use crate::db::Db;
use crate::keyring::Keyring;

pub struct DevOutbox {
    db: Db,
    keys: Keyring,
}

impl DevOutbox {
    pub fn new(db: Db, keys: Keyring) -> DevOutbox {
        DevOutbox { db, keys }
    }
}

fn context(recipient: &str, created_at: i64) -> Vec<u8> {
    format!("dev_sms:{created_at}:{recipient}").into_bytes()
}

#[async_trait]
impl SmsProvider for DevOutbox {
    fn name(&self) -> &'static str {
        "dev"
    }

    async fn send(&self, to: &str, body: &str, now: i64) -> Result<(), SmsError> {
        let sealed = self.keys.seal_mail(body.as_bytes(), &context(to, now));
        sqlx::query("INSERT INTO dev_sms (created_at, recipient, sealed_body) VALUES ($1, $2, $3)")
            .bind(now)
            .bind(to)
            .bind(sealed)
            .execute(&self.db.pool)
            .await
            .map_err(|e| SmsError::Store(e.to_string()))?;
        Ok(())
    }
}

/// One text of the developer outbox.
#[derive(Debug, Clone)]
pub struct DevSms {
    pub id: i64,
    pub created_at: i64,
    pub recipient: String,
    pub body: String,
}

/// The newest texts first.
pub async fn recent(
    conn: &mut crate::db::Conn,
    keys: &Keyring,
    limit: i64,
) -> Result<Vec<DevSms>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, recipient, sealed_body FROM dev_sms ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let created_at: i64 = r.try_get("created_at")?;
            let recipient: String = r.try_get("recipient")?;
            let sealed: Vec<u8> = r.try_get("sealed_body")?;
            let body = keys
                .open_mail(&sealed, &context(&recipient, created_at))
                .map_err(|e| sqlx::Error::Decode(e.into()))?;
            Ok(DevSms {
                id: r.try_get("id")?,
                created_at,
                recipient,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        })
        .collect()
}
