//! The signed-in user's own sessions: list and revoke.
use app::error::AppError;
use app::service::RequestInfo;
use app::types::SessionSummary;
use serde_json::json;

use super::{OrInternal, Services};

impl Services {
    pub(super) async fn own_sessions(
        &self,
        req: &RequestInfo,
    ) -> Result<Vec<SessionSummary>, AppError> {
        let (current, user) = self.require_full(req).await?;
        let rows = self
            .sessions
            .live_for_user(user.id, self.now())
            .await
            .or_internal("listing sessions")?;
        Ok(rows
            .into_iter()
            .map(|s| SessionSummary {
                current: s.id == current.id,
                id: s.public_id,
                browser: app::format::browser_name(&s.user_agent),
                ip: s.ip,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            })
            .collect())
    }

    pub(super) async fn end_own_session(
        &self,
        req: &RequestInfo,
        id: &str,
    ) -> Result<(), AppError> {
        let (current, user) = self.require_full(req).await?;
        if id == current.public_id {
            return Err(AppError::Invalid("To end this session, sign out.".into()));
        }
        if !self
            .sessions
            .delete_for_user(user.id, id)
            .await
            .or_internal("ending a session")?
        {
            return Err(AppError::NotFound);
        }
        self.audit(
            req,
            "session.revoked",
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await;
        Ok(())
    }

    pub(super) async fn end_other_sessions(&self, req: &RequestInfo) -> Result<u64, AppError> {
        let (current, user) = self.require_full(req).await?;
        let n = self
            .sessions
            .delete_all_for_user(user.id, Some(current.id))
            .await
            .or_internal("ending sessions")?;
        self.audit(
            req,
            "session.revoked_others",
            Some(user.id),
            Some(user.id),
            json!({ "count": n }),
        )
        .await;
        Ok(n)
    }
}
