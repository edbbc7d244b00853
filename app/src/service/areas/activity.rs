use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::AuditPage;
use async_trait::async_trait;

/// The owner's own audit log.
#[async_trait]
pub trait ActivityService: Send + Sync + 'static {
    /// What happened on the signed-in user's account, newest first, a page at a time.
    async fn my_activity(&self, req: &RequestInfo, page: u32) -> Result<AuditPage, AppError>;
}
