use crate::error::AppError;
use leptos::prelude::*;

/// From the second step: "I can't use any of my methods" asks the administrators for help.
#[server(prefix = "/api", endpoint = "request_recovery")]
pub async fn request_recovery(statement: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .recovery
        .request_recovery(&call.req, &statement)
        .await;
    call.finish(result)
}

/// The owner cancels an approved recovery with the link its email carried.
#[server(prefix = "/api", endpoint = "cancel_recovery")]
pub async fn cancel_recovery(token: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .recovery
        .cancel_recovery(&call.req, &token)
        .await;
    call.finish(result)
}
