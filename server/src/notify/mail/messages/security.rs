//! Security notices: factors added or removed, backup codes, payout details, the second step
//! (codes, failures, blocks) and sign-ins from new devices.
use app::i18n::{tr, tr_count};

use super::Message;
use crate::notify::mail::templates::{Part, Writer, PRODUCT};

impl Message {
    pub(super) fn security_parts(&self, w: &Writer<'_>) -> (String, Vec<Part>) {
        let l = w.l();
        match self {
            Message::FactorAdded {
                method_key,
                settings_link,
                origin,
            }
            | Message::FactorRemoved {
                method_key,
                settings_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("method", &tr(l, method_key, &[]))]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", settings_link),
                ],
            ),
            Message::BackupCodesRegenerated {
                settings_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", settings_link),
                ],
            ),
            Message::PayoutChanged {
                iban_masked,
                payout_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("iban", iban_masked)]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", payout_link),
                ],
            ),
            Message::BackupCodeUsed {
                remaining,
                settings_link,
                origin,
            } => {
                let low = *remaining <= crate::auth::factor::backup_codes::LOW;
                let subject = if low {
                    tr_count(
                        l,
                        &w.key("subject_low"),
                        *remaining,
                        &[("product", PRODUCT)],
                    )
                } else {
                    w.own("subject", &[])
                };
                let mut parts = vec![
                    w.greeting(),
                    Part::Text(tr_count(
                        l,
                        &w.key("intro"),
                        *remaining,
                        &[("product", PRODUCT)],
                    )),
                    w.origin(origin),
                ];
                if low {
                    parts.push(w.text("running_out", &[]));
                }
                parts.push(w.text("not_you", &[]));
                parts.push(w.link("button", settings_link));
                (subject, parts)
            }
            Message::SecondStepFailed {
                minutes,
                reset_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("minutes", &minutes.to_string())]),
                    w.origin(origin),
                    w.text("advice", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::SignInCode {
                code,
                valid_minutes,
                reset_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    Part::Facts(vec![w.own("code", &[("code", code)])]),
                    w.text("validity", &[("minutes", &valid_minutes.to_string())]),
                    w.text("staff", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::SecondStepBlocked { reset_link, origin } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("advice", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::NewDevice {
                not_me_link,
                sessions_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("if_you", &[]),
                    w.text("not_you", &[]),
                    w.link("button", not_me_link),
                    w.text("check", &[]),
                    w.link("sessions_button", sessions_link),
                ],
            ),
            Message::SignInNotCompleted {
                reset_link,
                sessions_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("if_you", &[]),
                    w.text("not_you", &[]),
                    w.link("button", reset_link),
                    w.link("sessions_button", sessions_link),
                ],
            ),
            _ => unreachable!("not one of the security messages"),
        }
    }
}
