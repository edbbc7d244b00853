use crate::error::AppError;
use crate::types::MailView;
use leptos::prelude::*;

/// The developer mailbox (only when the server enables it).
#[server(prefix = "/api", endpoint = "dev_mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailView>, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.developer.dev_mailbox(&call.req).await;
    call.finish(result)
}
