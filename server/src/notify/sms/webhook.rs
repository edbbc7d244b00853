//! A generic webhook: `POST` of `{"to": "+33…", "body": "…"}` (JSON) to a configured URL, signed so the
//! receiver can tell it came from this server:
//!
//! ```text
//! X-Portcullis-Timestamp: 1733241600
//! X-Portcullis-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//! ```
//!
//! The receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes, compares
//! in constant time, and refuses timestamps more than five minutes old (a replay).
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{http_client, transport, SmsError, SmsProvider};

pub const TIMESTAMP_HEADER: &str = "X-Portcullis-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Portcullis-Signature";

pub struct Webhook {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
}

/// `v1=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v1={hex}")
}

impl Webhook {
    pub fn new(url: &str, secret: &str) -> Result<Webhook, SmsError> {
        Ok(Webhook {
            client: http_client()?,
            url: url.to_string(),
            secret: secret.as_bytes().to_vec(),
        })
    }
}

#[async_trait]
impl SmsProvider for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, to: &str, body: &str, now: i64) -> Result<(), SmsError> {
        let payload = serde_json::to_vec(&serde_json::json!({ "to": to, "body": body }))
            .map_err(|e| SmsError::Transport(e.to_string()))?;
        let answer = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, now.to_string())
            .header(SIGNATURE_HEADER, signature(&self.secret, now, &payload))
            .body(payload)
            .send()
            .await
            .map_err(transport)?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SmsError::Status(status.as_u16()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let a = signature(b"secret", 1_700_000_000, b"{\"to\":\"+33\"}");
        assert!(a.starts_with("v1=") && a.len() == 3 + 64, "{a}");
        assert_ne!(a, signature(b"secret", 1_700_000_001, b"{\"to\":\"+33\"}"));
        assert_ne!(a, signature(b"secret", 1_700_000_000, b"{\"to\":\"+34\"}"));
        assert_ne!(a, signature(b"other", 1_700_000_000, b"{\"to\":\"+33\"}"));
    }
}
