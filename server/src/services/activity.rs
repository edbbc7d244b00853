//! The owner's own audit log (settings → activity): every event about their account.
use app::error::AppError;
use app::service::{ActivityService, RequestInfo};
use app::types::AuditPage;
use async_trait::async_trait;
use std::sync::Arc;

use super::admin::audit_log;
use super::Core;
use crate::audit::Filter;
use crate::auth::flow::Capability;

pub struct Activity(pub Arc<Core>);

#[async_trait]
impl ActivityService for Activity {
    #[tracing::instrument(name = "activity.my_activity", skip_all)]
    async fn my_activity(&self, req: &RequestInfo, page: u32) -> Result<AuditPage, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        let filter = Filter {
            event: String::new(),
            user: current.user.id,
            about_only: true,
        };
        audit_log::page_of(&mut conn, &filter, page).await
    }
}
