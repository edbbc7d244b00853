//! Every email Portcullis sends, and what each says: its parts, from the `email.<kind>.*` keys.
//!
//! The parts of each are written in `accounts`, `security` and `email_change`.
use super::templates::{Part, Writer};
use crate::notify::Origin;

mod accounts;
mod email_change;
mod security;

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
        match self {
            Message::PasswordReset { .. }
            | Message::PasswordChanged { .. }
            | Message::AccountLocked { .. }
            | Message::UserCreated { .. }
            | Message::Invitation { .. }
            | Message::TemporaryPassword { .. }
            | Message::PasswordExpiring { .. }
            | Message::RecoveryApproved { .. } => self.account_parts(w),
            Message::FactorAdded { .. }
            | Message::FactorRemoved { .. }
            | Message::BackupCodesRegenerated { .. }
            | Message::PayoutChanged { .. }
            | Message::BackupCodeUsed { .. }
            | Message::SecondStepFailed { .. }
            | Message::SignInCode { .. }
            | Message::SecondStepBlocked { .. }
            | Message::NewDevice { .. }
            | Message::SignInNotCompleted { .. } => self.security_parts(w),
            Message::EmailChangeConfirm { .. }
            | Message::EmailChangeRequested { .. }
            | Message::EmailChangeAddressTaken { .. }
            | Message::EmailChanged { .. } => self.email_change_parts(w),
        }
    }
}
