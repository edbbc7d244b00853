use crate::error::AppError;
use crate::types::{EmailChangeLink, PayoutView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "account_details")]
pub async fn account_details() -> Result<crate::types::AccountDetails, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.profile.account_details(&call.req).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "set_display_name")]
pub async fn set_display_name(name: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .profile
        .set_display_name(&call.req, &name)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "payout_details")]
pub async fn payout_details() -> Result<PayoutView, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.profile.payout_details(&call.req).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "set_payout_details")]
pub async fn set_payout_details(
    holder: String,
    iban: String,
    bic: String,
) -> Result<PayoutView, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .profile
        .set_payout_details(&call.req, &holder, &iban, &bic)
        .await;
    call.finish(result)
}

/// Asks to change the email address: a link to confirm goes to the new address.
#[server(prefix = "/api", endpoint = "request_email_change")]
pub async fn request_email_change(new_email: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .profile
        .request_email_change(&call.req, &new_email)
        .await;
    call.finish(result)
}

/// What a confirmation link would change (the page opened from the email).
#[server(prefix = "/api", endpoint = "inspect_email_change")]
pub async fn inspect_email_change(token: String) -> Result<EmailChangeLink, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .profile
        .inspect_email_change(&call.req, &token)
        .await;
    call.finish(result)
}

/// Spends a confirmation link: the new address becomes the account's.
#[server(prefix = "/api", endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .profile
        .confirm_email_change(&call.req, &token)
        .await;
    call.finish(result)
}
