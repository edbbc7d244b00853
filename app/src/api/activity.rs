use crate::error::AppError;
use crate::types::AuditPage;
use leptos::prelude::*;

/// The signed-in user's own audit log, a page at a time.
#[server(prefix = "/api", endpoint = "my_activity")]
pub async fn my_activity(#[server(default)] page: u32) -> Result<AuditPage, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.activity.my_activity(&call.req, page).await;
    call.finish(result)
}
