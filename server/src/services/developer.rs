//! Developer tools: the mailbox that shows the outbox and the developer provider's texts (only when enabled, and only on loopback).
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
        let texts = crate::notify::sms::dev_recent(&mut conn, &core.keys, 200)
            .await
            .or_internal("reading the developer texts")?;
        let mut all: Vec<MailView> = texts
            .into_iter()
            .map(|t| MailView {
                // Negative ids keep texts apart from emails.
                id: -t.id,
                at: t.created_at,
                recipient: t.recipient,
                subject: app::i18n::tr(app::types::Locale::En, "mailbox.sms_subject", &[]),
                body: t.body,
                kind: "sms".into(),
                status: "sent".into(),
                attempts: 1,
                last_error: None,
            })
            .collect();
        all.extend(stored.into_iter().map(|m| MailView {
            id: m.id,
            at: m.created_at,
            recipient: m.recipient,
            subject: m.subject,
            body: m.text_body,
            kind: m.kind,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
        }));
        // Newest first, emails and texts together.
        all.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        Ok(all)
    }
}
