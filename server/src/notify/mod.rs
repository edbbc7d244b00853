//! Notifications. One notifier takes a message, a channel (email now, text messages with the SMS
//! providers) and the recipient's language and time zone; the texts come from the message catalogue.
//! Emails go into the outbox (bodies encrypted at rest) in the caller's transaction, and the delivery
//! worker sends them: sending never happens on the request path.
pub mod mail;
pub mod outbox;
pub mod sms;

use app::service::RequestInfo;
use app::types::Locale;

use crate::db::Conn;
use crate::keyring::Keyring;
pub use mail::templates::Message;

/// When, from where and with what browser something was asked for (shown in emails so the reader can
/// tell whether it was them).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub at: i64,
    pub ip: String,
    pub browser: String,
    /// Approximate location, when the server has a location database (named in the reader's language).
    pub location: Option<crate::geo::Place>,
}

impl Origin {
    pub fn of(req: &RequestInfo, now: i64) -> Origin {
        Origin {
            at: now,
            ip: req.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            browser: crate::user_agent::summary(&req.user_agent),
            location: None,
        }
    }
}

/// Who a message is for.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    pub name: String,
    pub locale: Locale,
    pub time_zone: Option<String>,
}

impl Recipient {
    pub fn of(user: &crate::users::User) -> Recipient {
        Recipient {
            address: user.email.clone(),
            name: user.display_name.clone(),
            locale: user.locale,
            time_zone: user.time_zone.clone(),
        }
    }
}

/// The way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
}

#[derive(Clone)]
pub struct Notifier {
    keys: Keyring,
}

impl Notifier {
    pub fn new(keys: Keyring) -> Notifier {
        Notifier { keys }
    }

    /// Queues `message` for `to` on `channel`, rendered in the recipient's language. Answers the
    /// outbox id.
    pub async fn send(
        &self,
        conn: &mut Conn,
        to: &Recipient,
        channel: Channel,
        message: &Message,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        match channel {
            Channel::Email => {
                let rendered = message.render(to);
                outbox::enqueue(conn, &self.keys, &to.address, &rendered, now).await
            }
        }
    }

    /// An email to the account's owner.
    pub async fn email(
        &self,
        conn: &mut Conn,
        to: &Recipient,
        message: &Message,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        self.send(conn, to, Channel::Email, message, now).await
    }
}
