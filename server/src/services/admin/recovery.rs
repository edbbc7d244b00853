//! Recovery requests in the back office: the administrator verifies the owner's identity by their own
//! process and records how, then approves (the owner is emailed a cancel link; every method goes after
//! the waiting period) or rejects. Never on the administrator's own request.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use app::types::{RecoveryView, VERIFICATION_FIELD_MAX};
use serde_json::json;

use super::{Actor, Admin};
use crate::audit::Event;
use crate::auth::recovery::{self, Request};
use crate::crypto::{random_token, token_hash};
use crate::notify::{Message, Recipient};
use crate::services::{Current, OrInternal};
use crate::users;

fn view(r: &Request) -> RecoveryView {
    RecoveryView {
        id: r.id,
        username: r.username.clone(),
        display_name: r.display_name.clone(),
        email: r.email.clone(),
        statement: r.statement.clone(),
        created_at: r.created_at,
        ip: r.ip.clone(),
        browser: if r.user_agent.is_empty() {
            String::new()
        } else {
            crate::user_agent::summary(&r.user_agent)
        },
        status: r.status,
        verification_method: r.verification_method.clone(),
        verification_reference: r.verification_reference.clone(),
        verified_by: r.verified_by.clone(),
        verified_at: r.verified_at,
        effective_at: r.effective_at,
    }
}

fn field(text: &str, name: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Invalid(Invalid::Required(name.into())));
    }
    if text.chars().count() > VERIFICATION_FIELD_MAX {
        return Err(AppError::Invalid(Invalid::TooLong(name.into())));
    }
    Ok(text.to_string())
}

impl Admin {
    /// The administrator and a request about someone else's account.
    async fn request_for(
        &self,
        req: &RequestInfo,
        id: i64,
    ) -> Result<(Current, Request), AppError> {
        let mut conn = self.0.conn().await?;
        let current = self.administrator(&mut conn, req).await?;
        let request = recovery::find(&mut conn, id)
            .await
            .or_internal("finding a recovery request")?
            .ok_or(AppError::NotFound)?;
        if request.user_id == current.user.id {
            return Err(AppError::Invalid(Invalid::OwnAccount));
        }
        Ok((current, request))
    }

    pub(super) async fn recovery_requests(
        &self,
        req: &RequestInfo,
    ) -> Result<Vec<RecoveryView>, AppError> {
        let mut conn = self.0.conn().await?;
        self.administrator(&mut conn, req).await?;
        let list = recovery::list(&mut conn)
            .await
            .or_internal("listing recovery requests")?;
        Ok(list.iter().map(view).collect())
    }

    pub(super) async fn record_verification(
        &self,
        req: &RequestInfo,
        id: i64,
        method: &str,
        reference: &str,
    ) -> Result<(), AppError> {
        let (method, reference) = (field(method, "method")?, field(reference, "reference")?);
        let (current, request) = self.request_for(req, id).await?;
        let core = &self.0;
        let mut tx = core.begin().await?;
        if !recovery::record_verification(
            &mut tx,
            id,
            current.user.id,
            &method,
            &reference,
            core.now(),
        )
        .await
        .or_internal("recording a verification")?
        {
            return Err(AppError::Invalid(Invalid::WrongState));
        }
        let detail = json!({ "request": id, "method": method, "reference": reference });
        self.record(
            &mut tx,
            Actor::Admin(current.user.id),
            Some(req),
            Event::RecoveryVerified,
            request.user_id,
            detail,
        )
        .await
        .or_internal("auditing a verification")?;
        tx.commit().await.or_internal("committing a verification")
    }

    pub(super) async fn approve_recovery(
        &self,
        req: &RequestInfo,
        id: i64,
    ) -> Result<i64, AppError> {
        let (current, request) = self.request_for(req, id).await?;
        if request.verified_at.is_none() {
            return Err(AppError::Invalid(Invalid::VerificationNotRecorded));
        }
        let core = &self.0;
        let now = core.now();
        let effective_at = now + core.settings.recovery_wait_secs;
        let token = random_token(32);
        let mut tx = core.begin().await?;
        if !recovery::approve(
            &mut tx,
            id,
            current.user.id,
            now,
            effective_at,
            &token_hash(&token),
        )
        .await
        .or_internal("approving a recovery")?
        {
            return Err(AppError::Invalid(Invalid::WrongState));
        }
        let owner = users::find_by_id(&mut tx, request.user_id)
            .await
            .or_internal("finding a user")?
            .ok_or(AppError::NotFound)?;
        let message = Message::RecoveryApproved {
            cancel_link: core.link(&app::routes::with_param(
                app::routes::CANCEL_RECOVERY,
                &token,
            )),
            effective_at,
        };
        core.notifier
            .email(&mut tx, &Recipient::of(&owner), &message, now)
            .await
            .or_internal("queueing an email")?;
        let detail = json!({ "request": id, "effective_at": effective_at });
        self.record(
            &mut tx,
            Actor::Admin(current.user.id),
            Some(req),
            Event::RecoveryApproved,
            request.user_id,
            detail,
        )
        .await
        .or_internal("auditing an approval")?;
        tx.commit().await.or_internal("committing an approval")?;
        Ok(effective_at)
    }

    pub(super) async fn reject_recovery(&self, req: &RequestInfo, id: i64) -> Result<(), AppError> {
        let (current, request) = self.request_for(req, id).await?;
        let core = &self.0;
        let mut tx = core.begin().await?;
        if !recovery::reject(&mut tx, id, current.user.id, core.now())
            .await
            .or_internal("rejecting a recovery")?
        {
            return Err(AppError::Invalid(Invalid::WrongState));
        }
        self.record(
            &mut tx,
            Actor::Admin(current.user.id),
            Some(req),
            Event::RecoveryRejected,
            request.user_id,
            json!({ "request": id }),
        )
        .await
        .or_internal("auditing a rejection")?;
        tx.commit().await.or_internal("committing a rejection")
    }
}
