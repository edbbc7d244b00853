use crate::error::AppError;
use crate::types::PayoutView;
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
