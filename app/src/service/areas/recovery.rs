use crate::error::AppError;
use crate::service::RequestInfo;
use async_trait::async_trait;

/// Recovery when every sign-in method is lost (the owner's side).
#[async_trait]
pub trait RecoveryService: Send + Sync + 'static {
    /// From the second step (the password is proven, nothing else is skipped): asks the administrators
    /// for help, with what the owner can say about the account.
    async fn request_recovery(&self, req: &RequestInfo, statement: &str) -> Result<(), AppError>;

    /// Cancels an approved recovery with the link its email carried (once, before it takes effect).
    async fn cancel_recovery(&self, req: &RequestInfo, token: &str) -> Result<(), AppError>;
}
