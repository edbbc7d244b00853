use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{ChallengeInfo, CodeSent, Method, SignInStep};
use async_trait::async_trait;

/// The second step of signing in: what it offers, sending codes, and judging answers.
#[async_trait]
pub trait SecondStepService: Send + Sync + 'static {
    /// What the second step offers. Needs a session at that step.
    async fn challenge(&self, req: &RequestInfo) -> Result<ChallengeInfo, AppError>;

    /// Sends (or sends again) a code by email or text message for this sign-in attempt.
    async fn send_code(&self, req: &RequestInfo, method: Method) -> Result<CodeSent, AppError>;

    /// Judges a code from `method`. With `trust`, the browser is remembered (a cookie).
    async fn verify_second_factor(
        &self,
        req: &RequestInfo,
        method: Method,
        code: &str,
        trust: bool,
    ) -> Result<SignInStep, AppError>;
}
