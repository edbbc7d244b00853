//! Errors in words: every `AppError` variant has its message in the catalogue (`error.*`, `invalid.*`).
use crate::error::{AppError, Invalid};
use crate::i18n::{use_i18n, I18n};
use leptos::prelude::*;

fn invalid_key(invalid: &Invalid) -> &'static str {
    match invalid {
        Invalid::PasswordsDiffer => "invalid.PasswordsDiffer",
        Invalid::SamePassword => "invalid.SamePassword",
        Invalid::SetupExpired => "invalid.SetupExpired",
        Invalid::MethodUnavailable(_) => "invalid.MethodUnavailable",
        Invalid::LastMandatoryMethod => "invalid.LastMandatoryMethod",
        Invalid::NoSecondFactor => "invalid.NoSecondFactor",
        Invalid::CurrentSession => "invalid.CurrentSession",
        Invalid::Username => "invalid.Username",
        Invalid::Email => "invalid.Email",
        Invalid::UsernameTaken => "invalid.UsernameTaken",
        Invalid::EmailTaken => "invalid.EmailTaken",
        Invalid::SameEmail => "invalid.SameEmail",
        Invalid::Phone => "invalid.Phone",
        Invalid::PhoneCountryNotAllowed => "invalid.PhoneCountryNotAllowed",
        Invalid::Iban => "invalid.Iban",
        Invalid::Bic => "invalid.Bic",
        Invalid::PasskeyAlreadyRegistered => "invalid.PasskeyAlreadyRegistered",
        Invalid::Required(_) => "invalid.Required",
        Invalid::TooLong(_) => "invalid.TooLong",
        Invalid::EmailNotVerified => "invalid.EmailNotVerified",
        Invalid::OwnAccount => "invalid.OwnAccount",
        Invalid::VerificationNotRecorded => "invalid.VerificationNotRecorded",
        Invalid::WrongState => "invalid.WrongState",
        Invalid::Locale => "invalid.Locale",
        Invalid::TimeZone => "invalid.TimeZone",
        Invalid::Malformed => "invalid.Malformed",
    }
}

/// Whole minutes for a number of 30-second steps (at least one).
pub fn drift_minutes(steps: i64) -> i64 {
    ((steps.abs() * 30) as f64 / 60.0).round().max(1.0) as i64
}

/// The message for an error, in the reader's language.
pub fn error_text(i18n: &I18n, error: &AppError) -> String {
    use AppError::*;
    match error {
        Invalid(invalid) => i18n.text(invalid_key(invalid)),
        ClockDrift { steps } => {
            let minutes = drift_minutes(*steps).to_string();
            let key = if *steps > 0 {
                "error.ClockDrift_ahead"
            } else {
                "error.ClockDrift_behind"
            };
            i18n.text_with(key, &[("minutes", &minutes)])
        }
        ChallengeSuspended { minutes } => {
            i18n.text_count("error.ChallengeSuspended", *minutes, &[])
        }
        ResendTooSoon { seconds } => i18n.text_count("error.ResendTooSoon", *seconds, &[]),
        other => {
            let key = match other {
                SignInFailed => "error.SignInFailed",
                TemporaryPasswordExpired => "error.TemporaryPasswordExpired",
                PasswordResetRequired => "error.PasswordResetRequired",
                NotSignedIn => "error.NotSignedIn",
                SessionExpired => "error.SessionExpired",
                SignInIncomplete => "error.SignInIncomplete",
                Forbidden => "error.Forbidden",
                NotFound => "error.NotFound",
                PasswordRejected(_) => "error.PasswordRejected",
                WrongPassword => "error.WrongPassword",
                LinkInvalid => "error.LinkInvalid",
                ReauthenticationRequired => "error.ReauthenticationRequired",
                WrongCode => "error.WrongCode",
                BackupCodeInvalid => "error.BackupCodeInvalid",
                CodeAlreadyUsed => "error.CodeAlreadyUsed",
                CodeExpired => "error.CodeExpired",
                DeliveryFailed => "error.DeliveryFailed",
                CodeLimitReached => "error.CodeLimitReached",
                PasskeyRefused => "error.PasskeyRefused",
                PasskeyNeedsPassword => "error.PasskeyNeedsPassword",
                RateLimited => "error.RateLimited",
                Busy => "error.Busy",
                Transport(_) => "error.Transport",
                _ => "error.Internal",
            };
            i18n.text(key)
        }
    }
}

/// A failed form submission, with the broken password rules listed one by one.
pub fn error_view(error: AppError) -> AnyView {
    let i18n = use_i18n();
    match error {
        AppError::PasswordRejected(rules) => view! {
            <div class="error" role="alert">
                <p>{i18n.text("rules.intro")}</p>
                <ul>{rules.into_iter().map(|r| view! { <li>{i18n.text(r.failure_key())}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        other => view! { <p class="error" role="alert">{error_text(&i18n, &other)}</p> }.into_any(),
    }
}
