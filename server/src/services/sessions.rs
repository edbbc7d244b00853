//! The signed-in user's own sessions and devices: list, end one, end all others.
use app::error::{AppError, Invalid};
use app::service::{RequestInfo, SessionsService};
use app::types::SessionSummary;
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::flow::Capability;
use crate::auth::session;

pub struct Sessions(pub Arc<Core>);

#[async_trait]
impl SessionsService for Sessions {
    #[tracing::instrument(name = "sessions.list_sessions", skip_all)]
    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        let rows = session::live_for_user(
            &mut conn,
            &core.settings.sessions,
            current.user.id,
            core.now(),
        )
        .await
        .or_internal("listing sessions")?;
        Ok(rows
            .into_iter()
            .map(|s| {
                let described = crate::user_agent::describe(&s.user_agent);
                let location = core
                    .geo
                    .locate(s.ip.parse().ok())
                    .map(|p| p.label(req.locale).to_string());
                SessionSummary {
                    current: s.id == current.session.id,
                    id: s.public_id,
                    browser: described.browser,
                    os: described.os,
                    ip: s.ip,
                    location,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                }
            })
            .collect())
    }

    #[tracing::instrument(name = "sessions.revoke_session", skip_all)]
    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        if id == current.session.public_id {
            return Err(AppError::Invalid(Invalid::CurrentSession));
        }
        if !session::delete_for_user(&mut conn, current.user.id, id)
            .await
            .or_internal("ending a session")?
        {
            return Err(AppError::NotFound);
        }
        core.audit(
            &mut conn,
            req,
            Event::SessionRevoked,
            Some(current.user.id),
            Some(current.user.id),
            json!({}),
        )
        .await
    }

    #[tracing::instrument(name = "sessions.revoke_other_sessions", skip_all)]
    async fn revoke_other_sessions(
        &self,
        req: &RequestInfo,
        password: &str,
    ) -> Result<u64, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        core.check_own_password(
            &mut conn,
            req,
            &current.user,
            password,
            "revoke_other_sessions",
        )
        .await?;
        let n = session::delete_all_for_user(&mut conn, current.user.id, Some(current.session.id))
            .await
            .or_internal("ending sessions")?;
        core.audit(
            &mut conn,
            req,
            Event::OtherSessionsRevoked,
            Some(current.user.id),
            Some(current.user.id),
            json!({ "count": n }),
        )
        .await?;
        Ok(n)
    }
}
