use crate::error::AppError;
use crate::types::{ChallengeInfo, CodeSent, Method, SignInStep};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "challenge")]
pub async fn challenge() -> Result<ChallengeInfo, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.second_step.challenge(&call.req).await;
    call.finish(result)
}

/// Sends a sign-in code by email or text message (again, after the countdown).
#[server(prefix = "/api", endpoint = "send_code")]
pub async fn send_code(method: Method) -> Result<CodeSent, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.second_step.send_code(&call.req, method).await;
    call.finish(result)
}

/// The second step: a code from one of the user's methods (or a backup code).
#[server(prefix = "/api", endpoint = "verify_second_factor")]
pub async fn verify_second_factor(
    method: Method,
    code: String,
    #[server(default)] trust: bool,
) -> Result<SignInStep, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .second_step
        .verify_second_factor(&call.req, method, &code, trust)
        .await;
    let step = call.finish(result)?;
    super::ssr::redirect_plain_form(&step.next);
    Ok(step)
}
