//! The one error type every server function returns. Variants are codes with data, never sentences: the
//! pages turn them into words from the message catalogue, in the reader's language. None of them says
//! whether an account exists, and none carries a secret. Each maps to one HTTP status (`status`).
use crate::policy::Rule;
use crate::types::FactorKind;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Every sign-in failure: unknown account, wrong password, locked, disabled. One answer for all.
    #[error("sign-in failed")]
    SignInFailed,
    /// The password was right but the temporary password has expired: ask the administrator.
    #[error("temporary password expired")]
    TemporaryPasswordExpired,
    /// The password was right but too many second steps failed: a password reset is required.
    #[error("password reset required")]
    PasswordResetRequired,
    #[error("not signed in")]
    NotSignedIn,
    #[error("session expired")]
    SessionExpired,
    /// A partial session (a sign-in step still owed) asked for anything else.
    #[error("sign-in incomplete")]
    SignInIncomplete,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The new password breaks these rules.
    #[error("password rejected")]
    PasswordRejected(Vec<Rule>),
    /// The password given to confirm a change was wrong (it counts toward the lockout).
    #[error("wrong password")]
    WrongPassword,
    /// An emailed link that is unknown, spent or expired.
    #[error("link invalid")]
    LinkInvalid,
    /// A sensitive change needs a full authentication (password and second factor) within minutes.
    #[error("reauthentication required")]
    ReauthenticationRequired,
    /// A code that does not match. Deliberately says nothing more.
    #[error("wrong code")]
    WrongCode,
    /// A backup code that does not match or was used.
    #[error("backup code invalid")]
    BackupCodeInvalid,
    /// A code that matched a clock `steps` time steps away (positive: the device is ahead). Only ever
    /// said for codes the person has proved: at enrolment, or two consecutive codes on one offset.
    #[error("clock drift")]
    ClockDrift { steps: i64 },
    #[error("code already used")]
    CodeAlreadyUsed,
    /// A one-time code (email or text message) that has expired: ask for a new one.
    #[error("code expired")]
    CodeExpired,
    /// Too many wrong codes: the second step waits.
    #[error("challenge suspended")]
    ChallengeSuspended { minutes: i64 },
    /// A new code can be sent after this many seconds.
    #[error("resend too soon")]
    ResendTooSoon { seconds: i64 },
    /// Too many codes sent within the hour (to this account, from this address, or to this number).
    #[error("code limit reached")]
    CodeLimitReached,
    /// The message could not be sent (provider down): the person may retry.
    #[error("delivery failed")]
    DeliveryFailed,
    /// A passkey ceremony that failed on the server (wrong origin, replayed, unknown credential).
    #[error("passkey refused")]
    PasskeyRefused,
    /// A security key without user verification (no PIN, no fingerprint) tried to sign in on its own:
    /// it works only after the password.
    #[error("passkey needs the password")]
    PasskeyNeedsPassword,
    /// Bad input; the code says what to fix.
    #[error("invalid input: {0:?}")]
    Invalid(Invalid),
    #[error("rate limited")]
    RateLimited,
    /// The server is at capacity (password hashing queue full): try again in a moment.
    #[error("busy")]
    Busy,
    #[error("internal error")]
    Internal,
    /// Transport and encoding failures reported by the server-function machinery.
    #[error("transport: {0}")]
    Transport(String),
}

/// What is wrong with the input, as a code the pages translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invalid {
    PasswordsDiffer,
    SamePassword,
    /// A setup (authenticator app, phone, passkey) that expired: start again.
    SetupExpired,
    MethodUnavailable(FactorKind),
    /// Two-step verification is mandatory: the last method cannot go.
    LastMandatoryMethod,
    /// Backup codes need a second factor first.
    NoSecondFactor,
    /// The current session is ended by signing out, not from the list.
    CurrentSession,
    Username,
    Email,
    UsernameTaken,
    EmailTaken,
    /// A new email address that is the account's current one.
    SameEmail,
    Phone,
    PhoneCountryNotAllowed,
    Iban,
    Bic,
    /// This passkey or security key is already registered (to this account or another).
    PasskeyAlreadyRegistered,
    /// A required field is empty (the name says which).
    Required(String),
    /// A text is too long (the name says which).
    TooLong(String),
    /// Email codes need a verified email address.
    EmailNotVerified,
    /// An administrator cannot do this to their own account.
    OwnAccount,
    /// A recovery approval needs the identity check recorded first.
    VerificationNotRecorded,
    /// The request is not in a state that allows this (e.g. already approved).
    WrongState,
    Locale,
    TimeZone,
    /// The request's fields are missing or not of the right shape.
    Malformed,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request did not carry what the function takes: bad input, not a fault.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::Invalid(Invalid::Malformed),
            other => AppError::Transport(other.to_string()),
        }
    }
}

impl AppError {
    /// Errors that mean "you are not (or no longer) signed in": pages send the user to the sign-in page.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, AppError::NotSignedIn | AppError::SessionExpired)
    }

    /// The HTTP status of the answer carrying this error.
    pub fn status(&self) -> u16 {
        use AppError::*;
        match self {
            SignInFailed | TemporaryPasswordExpired | NotSignedIn | SessionExpired => 401,
            SignInIncomplete | Forbidden | ReauthenticationRequired | PasswordResetRequired => 403,
            NotFound | LinkInvalid => 404,
            CodeAlreadyUsed => 409,
            PasswordRejected(_)
            | WrongPassword
            | WrongCode
            | BackupCodeInvalid
            | ClockDrift { .. }
            | CodeExpired
            | PasskeyRefused
            | PasskeyNeedsPassword
            | Invalid(_) => 422,
            ChallengeSuspended { .. } | ResendTooSoon { .. } | CodeLimitReached | RateLimited => {
                429
            }
            Busy | DeliveryFailed => 503,
            Internal | Transport(_) => 500,
        }
    }

    /// Seconds a client should wait before retrying (sent as `Retry-After`).
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            AppError::ChallengeSuspended { minutes } => Some(minutes * 60),
            AppError::ResendTooSoon { seconds } => Some(*seconds),
            AppError::RateLimited => Some(60),
            AppError::CodeLimitReached => Some(3600),
            AppError::Busy => Some(2),
            AppError::DeliveryFailed => Some(30),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_one_meaningful_status() {
        assert_eq!(AppError::SignInFailed.status(), 401);
        assert_eq!(AppError::SignInIncomplete.status(), 403);
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(AppError::CodeAlreadyUsed.status(), 409);
        assert_eq!(AppError::Invalid(Invalid::Email).status(), 422);
        assert_eq!(AppError::RateLimited.status(), 429);
        assert_eq!(AppError::Busy.status(), 503);
        assert_eq!(AppError::Internal.status(), 500);
        assert_eq!(
            AppError::ChallengeSuspended { minutes: 15 }.retry_after_secs(),
            Some(900)
        );
    }

    #[test]
    fn errors_travel_as_codes_with_data() {
        let json = serde_json::to_string(&AppError::ChallengeSuspended { minutes: 15 }).unwrap();
        assert_eq!(json, r#"{"ChallengeSuspended":{"minutes":15}}"#);
        assert_eq!(
            serde_json::to_string(&AppError::SignInFailed).unwrap(),
            r#""SignInFailed""#
        );
    }
}
