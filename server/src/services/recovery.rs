//! Recovery when every sign-in method is lost, the owner's side: asking from the second step, cancelling
//! an approval from its email; and completing approvals whose waiting period is over (a periodic job).
//! The administrators' side (verify, approve, reject) is in `admin::recovery`.
use app::error::{AppError, Invalid};
use app::service::{RecoveryService, RequestInfo};
use app::types::RECOVERY_STATEMENT_MAX;
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::credentials::Change;
use super::{Core, OrInternal};
use crate::audit::{self, Entry, Event};
use crate::auth::flow::Capability;
use crate::auth::recovery;
use crate::crypto::token_hash;
use crate::users;

pub struct Recovery(pub Arc<Core>);

#[async_trait]
impl RecoveryService for Recovery {
    #[tracing::instrument(name = "recovery.request", skip_all)]
    async fn request_recovery(&self, req: &RequestInfo, statement: &str) -> Result<(), AppError> {
        let core = &self.0;
        let statement = statement.trim();
        if statement.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("statement".into())));
        }
        if statement.chars().count() > RECOVERY_STATEMENT_MAX {
            return Err(AppError::Invalid(Invalid::TooLong("statement".into())));
        }
        let mut tx = core.begin().await?;
        // Past the password step, at the second step: the only stage that may ask.
        let current = core
            .at(&mut tx, req, Capability::AnswerSecondFactor)
            .await?;
        let now = core.now();
        let Some(id) = recovery::open(
            &mut tx,
            current.user.id,
            statement,
            req.ip,
            &req.user_agent,
            now,
        )
        .await
        .or_internal("opening a recovery request")?
        else {
            return Err(AppError::Invalid(Invalid::WrongState));
        };
        core.audit(
            &mut tx,
            req,
            Event::RecoveryRequested,
            Some(current.user.id),
            Some(current.user.id),
            json!({ "request": id }),
        )
        .await?;
        tx.commit()
            .await
            .or_internal("committing a recovery request")
    }

    #[tracing::instrument(name = "recovery.cancel", skip_all)]
    async fn cancel_recovery(&self, req: &RequestInfo, token: &str) -> Result<(), AppError> {
        let core = &self.0;
        let mut tx = core.begin().await?;
        let Some((id, user)) = recovery::cancel(&mut tx, &token_hash(token.trim()), core.now())
            .await
            .or_internal("cancelling a recovery")?
        else {
            return Err(AppError::LinkInvalid);
        };
        core.audit(
            &mut tx,
            req,
            Event::RecoveryCancelled,
            Some(user),
            Some(user),
            json!({ "request": id }),
        )
        .await?;
        tx.commit().await.or_internal("committing a cancellation")
    }
}

/// Completes every approved recovery whose waiting period is over: each account loses every factor,
/// backup code and trusted browser through the "credentials changed" routine (its sessions end too).
/// Answers how many took effect. Safe to run from several instances at once (each request completes once).
pub async fn complete_due(core: &Core) -> Result<u64, AppError> {
    let now = core.now();
    let due = {
        let mut conn = core.conn().await?;
        recovery::due(&mut conn, now)
            .await
            .or_internal("finding due recoveries")?
    };
    let mut done = 0;
    for id in due {
        let mut tx = core.begin().await?;
        let Some(user_id) = recovery::complete(&mut tx, id, now)
            .await
            .or_internal("completing a recovery")?
        else {
            continue;
        };
        let Some(user) = users::find_by_id(&mut tx, user_id)
            .await
            .or_internal("finding a user")?
        else {
            continue;
        };
        let removed = recovery::remove_every_method(&mut tx, user.id, now)
            .await
            .or_internal("removing sign-in methods")?;
        core.credentials_changed(&mut tx, None, &user, Change::TwoStepReset, None)
            .await?;
        let entry = Entry {
            event: Event::RecoveryCompleted,
            actor: None,
            subject: Some(user.id),
            ip: None,
            user_agent: "",
            detail: json!({ "request": id, "factors_removed": removed }),
        };
        audit::record(&mut tx, now, entry)
            .await
            .or_internal("writing the audit log")?;
        tx.commit().await.or_internal("committing a recovery")?;
        done += 1;
    }
    Ok(done)
}
