use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{SessionState, SignInStep};
use async_trait::async_trait;

/// The password step, the session behind a request, and signing out.
#[async_trait]
pub trait SignInService: Send + Sync + 'static {
    /// The password step. On success a new session (new token, partial or full) replaces any old one.
    async fn sign_in(
        &self,
        req: &RequestInfo,
        identifier: &str,
        password: &str,
    ) -> Result<SignInStep, AppError>;

    /// The visitor's session (a partial one learns only its next step).
    async fn session_state(&self, req: &RequestInfo) -> Result<SessionState, AppError>;

    /// Ends the current session, partial or full (also "cancel and sign in again").
    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError>;
}
