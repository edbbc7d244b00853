use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::MailView;
use async_trait::async_trait;

/// Developer tools.
#[async_trait]
pub trait DeveloperService: Send + Sync + 'static {
    /// Every recent email, for the developer mailbox; `NotFound` unless it is enabled.
    async fn dev_mailbox(&self, req: &RequestInfo) -> Result<Vec<MailView>, AppError>;
}
