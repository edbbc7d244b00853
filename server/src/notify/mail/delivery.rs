//! The delivery worker: claims due messages from the outbox (atomically, so several server instances
//! never send one twice), sends them over SMTP, and retries failures with growing delays.
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

use crate::clock::SharedClock;
use crate::db::Db;
use crate::keyring::Keyring;
use crate::notify::outbox::{self, Stored};

/// After this many failed attempts a message is marked failed and left alone.
pub const MAX_ATTEMPTS: i64 = 8;
/// A claimed message is someone else's for this long (then it is retried, e.g. after a crash).
const CLAIM_SECS: i64 = 120;

pub enum Transport {
    Smtp {
        mailer: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// No SMTP server configured: messages stay pending in the outbox.
    Keep,
}

impl Transport {
    /// From `SMTP_URL` and `SMTP_FROM`. The URL may hold a password: errors never repeat it.
    pub fn from_config(smtp_url: Option<&str>, from: &str) -> Result<Transport, String> {
        let Some(url) = smtp_url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Transport::Keep);
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("SMTP_FROM is not an email address: {e}"))?;
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Transport::Smtp { mailer, from })
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Transport::Smtp { .. } => "SMTP",
            Transport::Keep => "outbox only (no SMTP_URL)",
        }
    }
}

pub struct Delivery {
    db: Db,
    keys: Keyring,
    transport: Transport,
}

/// Seconds to wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(1, 8).saturating_sub(1)).min(3600)
}

impl Delivery {
    pub fn new(db: Db, keys: Keyring, transport: Transport) -> Delivery {
        Delivery {
            db,
            keys,
            transport,
        }
    }

    /// Sends (or keeps) everything due at `now`; answers how many messages were handled.
    pub async fn deliver_due(&self, now: i64) -> Result<usize, sqlx::Error> {
        let (mailer, from) = match &self.transport {
            // Without SMTP the outbox is left as it is: the developer mailbox shows it, and an instance
            // that has SMTP (now or later) still sends it. Nothing is lost.
            Transport::Keep => return Ok(0),
            Transport::Smtp { mailer, from } => (mailer, from),
        };
        let mut conn = self.db.conn().await?;
        let mut handled = 0;
        while let Some(msg) = outbox::claim_due(&mut conn, &self.keys, now, CLAIM_SECS).await? {
            handled += 1;
            match send(mailer, from, &msg).await {
                Ok(()) => {
                    outbox::mark_sent(&mut conn, msg.id, now).await?;
                    tracing::info!(outbox_id = msg.id, "email sent");
                }
                Err(error) => {
                    let attempts = msg.attempts + 1;
                    let give_up = attempts >= MAX_ATTEMPTS;
                    outbox::mark_failed(
                        &mut conn,
                        msg.id,
                        attempts,
                        &error,
                        give_up,
                        now + backoff_secs(attempts),
                    )
                    .await?;
                    if give_up {
                        tracing::error!(outbox_id = msg.id, attempts, %error, "email could not be sent; giving up");
                    } else {
                        tracing::warn!(outbox_id = msg.id, attempts, %error, "email could not be sent; will retry");
                    }
                    // The server is probably down: leave the rest for the next round.
                    break;
                }
            }
        }
        Ok(handled)
    }

    /// Runs until the process ends, every second.
    pub async fn run(self, clock: SharedClock) {
        loop {
            if let Err(e) = self.deliver_due(clock.now()).await {
                tracing::warn!(error = %e, "email delivery could not read the outbox");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn send(
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    msg: &Stored,
) -> Result<(), String> {
    let to: Mailbox = msg
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient address: {e}"))?;
    let email = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(msg.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            msg.text_body.clone(),
            msg.html_body.clone(),
        ))
        .map_err(|e| format!("could not build the message: {e}"))?;
    mailer
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(7), 1920);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(20), 3600);
    }

    #[tokio::test]
    async fn no_smtp_url_keeps_messages_and_a_bad_one_is_refused() {
        assert!(matches!(
            Transport::from_config(None, "x@y.z"),
            Ok(Transport::Keep)
        ));
        assert!(Transport::from_config(Some("ftp://host"), "Portcullis <a@b.c>").is_err());
        assert!(Transport::from_config(Some("smtp://127.0.0.1:2525"), "not an address").is_err());
        assert!(matches!(
            Transport::from_config(Some("smtp://127.0.0.1:2525"), "Portcullis <a@b.c>"),
            Ok(Transport::Smtp { .. })
        ));
    }
}
