use crate::error::AppError;
use crate::types::SignInStep;
use leptos::prelude::*;

/// The password step of signing in.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(identifier: String, password: String) -> Result<SignInStep, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .sign_in
        .sign_in(&call.req, &identifier, &password)
        .await;
    let step = call.finish(result)?;
    super::ssr::redirect_plain_form(&step.next);
    Ok(step)
}

/// The visitor's session (anonymous, expired, a partial sign-in's next step, or who they are).
#[server(prefix = "/api", endpoint = "session_state")]
pub async fn session_state() -> Result<crate::types::SessionState, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.sign_in.session_state(&call.req).await;
    call.finish(result)
}

/// Ends the session (also "cancel and sign in again" on a partial one).
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.sign_in.sign_out(&call.req).await;
    call.finish(result)?;
    super::ssr::redirect_plain_form(&crate::routes::with_notice(
        crate::routes::LOGIN,
        "signed_out",
    ));
    Ok(())
}
