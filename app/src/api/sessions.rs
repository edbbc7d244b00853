use crate::error::AppError;
use crate::types::SessionSummary;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionSummary>, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.sessions.list_sessions(&call.req).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.sessions.revoke_session(&call.req, &id).await;
    call.finish(result)
}

/// Ends every other session of the signed-in user (the password confirms it).
#[server(prefix = "/api", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions(password: String) -> Result<u64, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .sessions
        .revoke_other_sessions(&call.req, &password)
        .await;
    call.finish(result)
}
