//! Every email Portcullis sends, and what each says: its parts, from the `email.<kind>.*` keys.
use app::i18n::{tr, tr_count};

use super::templates::{local_time, Part, Writer, PRODUCT};
use crate::notify::Origin;

#[derive(Debug, Clone)]
pub enum Message {
    PasswordReset {
        link: String,
        valid_minutes: i64,
        origin: Origin,
    },
    /// The "credentials changed" routine after a new password (or a reset).
    PasswordChanged { reset_link: String, origin: Origin },
    AccountLocked {
        unlock_link: String,
        reset_link: String,
        failures: i64,
        origin: Origin,
    },
    UserCreated {
        username: String,
        sign_in_link: String,
        temporary_password: String,
        valid_hours: i64,
    },
    Invitation {
        username: String,
        link: String,
        valid_hours: i64,
    },
    TemporaryPassword {
        sign_in_link: String,
        temporary_password: String,
        valid_hours: i64,
    },
    PasswordExpiring {
        days: i64,
        expires_at: i64,
        change_link: String,
    },
    FactorAdded {
        method_key: &'static str,
        settings_link: String,
        origin: Origin,
    },
    FactorRemoved {
        method_key: &'static str,
        settings_link: String,
        origin: Origin,
    },
    BackupCodesRegenerated {
        settings_link: String,
        origin: Origin,
    },
    /// The payout details changed (the new IBAN, masked).
    PayoutChanged {
        iban_masked: String,
        payout_link: String,
        origin: Origin,
    },
    BackupCodeUsed {
        remaining: i64,
        settings_link: String,
        origin: Origin,
    },
    /// Someone passed the password step and then failed the second step until it was suspended.
    SecondStepFailed {
        minutes: i64,
        reset_link: String,
        origin: Origin,
    },
    /// Too many failed second steps in a day: the password must be reset.
    SecondStepBlocked { reset_link: String, origin: Origin },
    /// A sign-in code (the second step by email).
    SignInCode {
        code: String,
        valid_minutes: i64,
        reset_link: String,
        origin: Origin,
    },
    /// A completed sign-in from a device the account had not used before.
    NewDevice {
        not_me_link: String,
        sessions_link: String,
        origin: Origin,
    },
    /// The password was right but the second step was never completed.
    SignInNotCompleted {
        reset_link: String,
        sessions_link: String,
        origin: Origin,
    },
    /// An administrator approved a recovery: every sign-in method goes at `effective_at` unless the
    /// owner cancels it with this link.
    RecoveryApproved {
        cancel_link: String,
        effective_at: i64,
    },
    /// To a new email address: the link that makes it the account's.
    EmailChangeConfirm {
        username: String,
        new_email: String,
        link: String,
        valid_hours: i64,
        origin: Origin,
    },
    /// To the current address, at once: a change to `new_email` was asked for.
    EmailChangeRequested {
        new_email: String,
        reset_link: String,
        origin: Origin,
    },
    /// To a new address that another account already uses: nothing changes (the person asking is
    /// answered as if a link had been sent, so the request reveals nothing).
    EmailChangeAddressTaken { forgot_link: String, origin: Origin },
    /// To the previous address, once the change is confirmed.
    EmailChanged {
        new_email: String,
        activity_link: String,
        origin: Origin,
    },
}

impl Message {
    pub fn kind(&self) -> &'static str {
        match self {
            Message::PasswordReset { .. } => "password_reset",
            Message::PasswordChanged { .. } => "password_changed",
            Message::AccountLocked { .. } => "account_locked",
            Message::UserCreated { .. } => "user_created",
            Message::Invitation { .. } => "invitation",
            Message::TemporaryPassword { .. } => "temporary_password",
            Message::PasswordExpiring { .. } => "password_expiring",
            Message::FactorAdded { .. } => "factor_added",
            Message::FactorRemoved { .. } => "factor_removed",
            Message::BackupCodesRegenerated { .. } => "backup_codes_regenerated",
            Message::PayoutChanged { .. } => "payout_changed",
            Message::BackupCodeUsed { .. } => "backup_code_used",
            Message::SecondStepFailed { .. } => "second_step_failed",
            Message::SecondStepBlocked { .. } => "second_step_blocked",
            Message::SignInCode { .. } => "sign_in_code",
            Message::RecoveryApproved { .. } => "recovery_approved",
            Message::NewDevice { .. } => "new_device",
            Message::SignInNotCompleted { .. } => "sign_in_not_completed",
            Message::EmailChangeConfirm { .. } => "email_change_confirm",
            Message::EmailChangeRequested { .. } => "email_change_requested",
            Message::EmailChangeAddressTaken { .. } => "email_change_address_taken",
            Message::EmailChanged { .. } => "email_changed",
        }
    }

    pub(super) fn parts(&self, w: &Writer<'_>) -> (String, Vec<Part>) {
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
        }
    }
}
