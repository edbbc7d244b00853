//! Developer tools: the mailbox that shows the outbox (only when enabled, and only on loopback).
use app::error::AppError;
use app::service::{DeveloperService, RequestInfo};
use app::types::MailView;
use async_trait::async_trait;
use std::sync::Arc;

use super::{Core, OrInternal};
use crate::notify::outbox;

pub struct Developer(pub Arc<Core>);

#[async_trait]
impl DeveloperService for Developer {
    #[tracing::instrument(name = "developer.dev_mailbox", skip_all)]
    async fn dev_mailbox(&self, _req: &RequestInfo) -> Result<Vec<MailView>, AppError> {
        let core = &self.0;
        if !core.settings.dev_mailbox {
            return Err(AppError::NotFound);
        }
        let mut conn = core.conn().await?;
        let stored = outbox::recent(&mut conn, &core.keys, 200)
            .await
            .or_internal("reading the outbox")?;
        Ok(stored
            .into_iter()
            .map(|m| MailView {
                id: m.id,
                at: m.created_at,
                recipient: m.recipient,
                subject: m.subject,
                body: m.text_body,
                kind: m.kind,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
            })
            .collect())
    }
}
