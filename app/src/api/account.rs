use crate::error::AppError;
use crate::types::{LinkInfo, LinkKind, SignInStep};
use leptos::prelude::*;

/// Change the password (from the user menu, or when the sign-in requires it).
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<SignInStep, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .account
        .change_password(&call.req, &current, &new, &confirm)
        .await;
    let step = call.finish(result)?;
    super::ssr::redirect_plain_form(&step.next);
    Ok(step)
}

/// Whose password the change form is for (the checklist's "not your username" rule).
#[server(prefix = "/api", endpoint = "password_owner")]
pub async fn password_owner() -> Result<crate::policy::PasswordOwner, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.account.password_owner(&call.req).await;
    call.finish(result)
}

/// Forgot password: the same answer whether or not the details match an account.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(
    #[server(default)] username: String,
    email: String,
) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .account
        .request_password_reset(&call.req, &username, &email)
        .await;
    call.finish(result)
}

/// Whose account an emailed link opens (spends nothing: mail scanners may fetch links).
#[server(prefix = "/api", endpoint = "inspect_link")]
pub async fn inspect_link(kind: LinkKind, token: String) -> Result<LinkInfo, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .account
        .inspect_link(&call.req, kind, &token)
        .await;
    call.finish(result)
}

/// Sets a password with a reset or invitation link (spends the link).
#[server(prefix = "/api", endpoint = "set_password_by_link")]
pub async fn set_password_by_link(
    kind: LinkKind,
    token: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .account
        .set_password_by_link(&call.req, kind, &token, &new, &confirm)
        .await;
    call.finish(result)
}

/// "This wasn't me" from a new-device email (spends the link): every session and trusted browser
/// ends, the password stops working; answers the token of a password reset link to open.
#[server(prefix = "/api", endpoint = "report_not_me")]
pub async fn report_not_me(token: String) -> Result<String, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.account.report_not_me(&call.req, &token).await;
    call.finish(result)
}

/// Unlocks an account with the emailed unlock link (spends the link).
#[server(prefix = "/api", endpoint = "unlock_account")]
pub async fn unlock_account(token: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .account
        .unlock_account(&call.req, &token)
        .await;
    call.finish(result)
}
