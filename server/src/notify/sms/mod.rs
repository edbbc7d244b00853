//! Text messages. One trait, three providers chosen by configuration (`SMS_PROVIDER`): a
//! Twilio-compatible HTTP API, a generic signed webhook, and the developer outbox. Texts are sent on the
//! request path (the person is waiting for the code), so a provider failure is answered at once with a
//! retry; it is logged with the provider's status, never with the message (it carries a code).
mod dev;
mod twilio;
mod webhook;

pub use dev::{recent as dev_recent, DevOutbox, DevSms};
pub use twilio::Twilio;
pub use webhook::{signature, Webhook};

use async_trait::async_trait;
use std::time::Duration;

/// Why a text was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the provider answered {0}")]
    Status(u16),
    #[error("the provider could not be reached: {0}")]
    Transport(String),
    #[error("storing the text: {0}")]
    Store(String),
}

/// A way to send a text message to a number (E.164).
#[async_trait]
pub trait SmsProvider: Send + Sync + 'static {
    /// The provider's name, for logs.
    fn name(&self) -> &'static str;
    async fn send(&self, to: &str, body: &str, now: i64) -> Result<(), SmsError>;
}

/// Providers talk to the network with a bounded wait: the person is waiting for the page.
pub(crate) fn http_client() -> Result<reqwest::Client, SmsError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| SmsError::Transport(e.to_string()))
}

fn transport(e: reqwest::Error) -> SmsError {
    // Without the URL: a query string could carry a secret.
    SmsError::Transport(e.without_url().to_string())
}

/// A text's words, from the catalogue (`sms.*`), in the recipient's language: which service sent the
/// code, how long it works, that staff never ask for it, and what to do if it was not them.
pub fn text(locale: app::types::Locale, enrolment: bool, code: &str, minutes: i64) -> String {
    let key = if enrolment {
        "sms.enrol"
    } else {
        "sms.sign_in"
    };
    app::i18n::tr(
        locale,
        key,
        &[
            ("product", crate::notify::mail::templates::PRODUCT),
            ("code", code),
            ("minutes", &minutes.to_string()),
        ],
    )
}
