//! The one error type every server function returns. Its messages are what the user reads, so none of
//! them says whether an account exists, and none carries a secret.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Every sign-in failure: unknown account, wrong password, locked, disabled. One message for all.
    #[error("Sign-in failed. Check your username or email and your password, then try again.")]
    SignInFailed,
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("Your session has ended. Please sign in again.")]
    SessionExpired,
    /// A partial session (password step done, something still owed) asked for anything else.
    #[error("Finish signing in before doing anything else.")]
    SignInIncomplete,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// The new password breaks these rules (each is shown to the user).
    #[error("The new password does not meet the password rules.")]
    PasswordRejected(Vec<crate::policy::Rule>),
    /// The current password given to confirm a change was wrong.
    #[error("The current password is not correct.")]
    WrongPassword,
    /// An emailed link that is unknown, spent or expired.
    #[error("This link has expired or has already been used. Ask for a new one.")]
    LinkInvalid,
    /// Changing second factors needs the password confirmed within the last few minutes.
    #[error("For your security, confirm your password first.")]
    PasswordConfirmationRequired,
    /// A second-factor code that does not match; the text may explain why (e.g. a clock that is off).
    #[error("{}", .0.as_deref().unwrap_or("That code is not correct. Check it and try again."))]
    WrongCode(Option<String>),
    #[error("That code has already been used. Wait for the next code in your app, then enter it.")]
    CodeAlreadyUsed,
    #[error("Too many wrong codes. For your security, try again in {minutes} minutes.")]
    ChallengeSuspended { minutes: i64 },
    /// Bad input; the text says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    RateLimited,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// Transport and encoding failures reported by the server-function machinery.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    /// Errors that mean "you are not (or no longer) signed in": pages send the user to the sign-in page.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, AppError::NotSignedIn | AppError::SessionExpired)
    }
}
