use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::SessionSummary;
use async_trait::async_trait;

/// The signed-in user's own sessions and devices.
#[async_trait]
pub trait SessionsService: Send + Sync + 'static {
    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError>;

    /// Ends one of the user's other sessions.
    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;

    /// Ends every other session of the user (after confirming the password).
    async fn revoke_other_sessions(
        &self,
        req: &RequestInfo,
        password: &str,
    ) -> Result<u64, AppError>;
}
