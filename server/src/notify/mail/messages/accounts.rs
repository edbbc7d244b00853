//! Accounts and passwords: resets, lock-outs, new accounts, invitations, temporary passwords,
//! expiring passwords, an approved recovery.
use app::i18n::{tr, tr_count};

use super::Message;
use crate::notify::mail::templates::{local_time, Part, Writer, PRODUCT};

impl Message {
    pub(super) fn account_parts(&self, w: &Writer<'_>) -> (String, Vec<Part>) {
        let l = w.l();
        match self {
            Message::PasswordReset {
                link,
                valid_minutes,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("minutes", &valid_minutes.to_string())]),
                    w.link("button", link),
                    w.text("origin", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                ],
            ),
            Message::PasswordChanged { reset_link, origin } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::AccountLocked {
                unlock_link,
                reset_link,
                failures,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("failures", &failures.to_string())]),
                    w.text("origin", &[]),
                    w.origin(origin),
                    w.text("unlock", &[]),
                    w.link("unlock_button", unlock_link),
                    w.text("forgot", &[]),
                    w.link("reset_button", reset_link),
                    w.text("not_you", &[]),
                ],
            ),
            Message::UserCreated {
                username,
                sign_in_link,
                temporary_password,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    Part::Facts(vec![
                        tr(l, "email.common.username", &[("username", username)]),
                        tr(
                            l,
                            "email.common.temporary_password",
                            &[("password", temporary_password)],
                        ),
                    ]),
                    w.text("change", &[("hours", &valid_hours.to_string())]),
                    w.link("button", sign_in_link),
                ],
            ),
            Message::Invitation {
                username,
                link,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[("username", username), ("hours", &valid_hours.to_string())],
                    ),
                    w.link("button", link),
                    w.text("not_expected", &[]),
                ],
            ),
            Message::TemporaryPassword {
                sign_in_link,
                temporary_password,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    Part::Facts(vec![tr(
                        l,
                        "email.common.temporary_password",
                        &[("password", temporary_password)],
                    )]),
                    w.text("change", &[("hours", &valid_hours.to_string())]),
                    w.link("button", sign_in_link),
                ],
            ),
            Message::PasswordExpiring {
                days,
                expires_at,
                change_link,
            } => (
                if *days <= 1 {
                    w.own("subject_tomorrow", &[])
                } else {
                    tr_count(l, &w.key("subject"), *days, &[("product", PRODUCT)])
                },
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[("date", &local_time(*expires_at, w.to.time_zone.as_deref()))],
                    ),
                    w.link("button", change_link),
                ],
            ),
            Message::RecoveryApproved {
                cancel_link,
                effective_at,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[(
                            "time",
                            &local_time(*effective_at, w.to.time_zone.as_deref()),
                        )],
                    ),
                    w.text("then", &[]),
                    w.text("not_you", &[]),
                    w.link("button", cancel_link),
                ],
            ),
            _ => unreachable!("not one of the accounts messages"),
        }
    }
}
