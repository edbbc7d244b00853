//! Changing the account's email address: the confirmation to the new address, notices to the old.

use super::Message;
use crate::notify::mail::templates::{Part, Writer};

impl Message {
    pub(super) fn email_change_parts(&self, w: &Writer<'_>) -> (String, Vec<Part>) {
        let _l = w.l();
        match self {
            Message::EmailChangeConfirm {
                username,
                new_email,
                link,
                valid_hours,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[
                            ("username", username),
                            ("email", new_email),
                            ("hours", &valid_hours.to_string()),
                        ],
                    ),
                    w.link("button", link),
                    w.text("origin", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                ],
            ),
            Message::EmailChangeRequested {
                new_email,
                reset_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("email", new_email)]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::EmailChangeAddressTaken {
                forgot_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.text("forgot", &[]),
                    w.link("button", forgot_link),
                ],
            ),
            Message::EmailChanged {
                new_email,
                activity_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("email", new_email)]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", activity_link),
                ],
            ),
            _ => unreachable!("not one of the email change messages"),
        }
    }
}
