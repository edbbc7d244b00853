//! What every enrolment shares, whatever the kind: the kinds on offer, and a factor once proved.
use app::error::{AppError, Invalid};
use app::routes;
use app::service::RequestInfo;
use app::types::{Enrolled, FactorKind, Stage};
use serde_json::json;

use crate::audit::Event;
use crate::auth::factor::{self, backup_codes};
use crate::auth::flow;
use crate::services::credentials::Change;
use crate::services::{Core, Current, OrInternal};
use crate::users;

impl Core {
    /// What follows a factor confirmed in `tx`, whatever its kind: the first one comes with backup
    /// codes and becomes the default; the "credentials changed" routine; the audit entry; and a
    /// session at the mandatory-enrolment stage moves on. Answers the result and the session's new
    /// token (for the cookie, once committed).
    pub(in crate::services) async fn factor_added_in(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        current: &Current,
        kind: FactorKind,
        first: bool,
    ) -> Result<(Enrolled, Option<String>), AppError> {
        let user = &current.user;
        let now = self.now();
        let backup = if first {
            backup_codes::replace(tx, &self.keys, user.id, now)
                .await
                .or_internal("creating backup codes")?
        } else {
            Vec::new()
        };
        if user.default_method.is_none() {
            users::set_default_method(tx, user.id, Some(kind.as_db()))
                .await
                .or_internal("default method")?;
        }
        self.credentials_changed(
            tx,
            Some(req),
            user,
            Change::FactorAdded(kind),
            Some(current.session.id),
        )
        .await?;
        self.audit(
            tx,
            req,
            Event::FactorAdded,
            Some(user.id),
            Some(user.id),
            json!({ "kind": kind.as_db(), "first": first }),
        )
        .await?;
        let mut token = None;
        let next = if current.session.stage == Stage::Enrollment {
            let (stage, t) = self
                .advance(tx, req, current, flow::Event::FactorEnrolled, true)
                .await?;
            token = Some(t);
            stage.path().to_string()
        } else {
            routes::SECURITY.to_string()
        };
        Ok((
            Enrolled {
                backup_codes: backup,
                next,
            },
            token,
        ))
    }
}

impl Core {
    /// The kinds this server can enrol now: SMS only with a provider, passkeys only with a relying
    /// party, email codes once (they go to the account's address).
    pub(super) fn available_kinds(&self, has_email_codes: bool) -> Vec<FactorKind> {
        let mut kinds = vec![FactorKind::Totp];
        if self.relying_party().is_ok() {
            kinds.push(FactorKind::Passkey);
        }
        if self.sms.is_some() {
            kinds.push(FactorKind::Sms);
        }
        if !has_email_codes {
            kinds.push(FactorKind::Email);
        }
        kinds
    }
}

impl Core {
    /// A pending factor proved: activated and named, with backup codes if it is the first, made the
    /// default if there was none, the "credentials changed" routine, and the mandatory-enrolment stage
    /// moved on — one transaction, whatever the kind.
    pub(super) async fn factor_enrolled(
        &self,
        req: &RequestInfo,
        current: &Current,
        factor_id: i64,
        kind: FactorKind,
        step: Option<i64>,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        let core = self;
        let user = &current.user;
        let now = core.now();
        let mut tx = core.begin().await?;
        let first = !factor::has_confirmed(&mut tx, user.id)
            .await
            .or_internal("reading factors")?;
        if !factor::confirm(&mut tx, factor_id, step, label, now)
            .await
            .or_internal("confirming a factor")?
        {
            return Err(AppError::Invalid(Invalid::SetupExpired));
        }
        let (enrolled, token) = core
            .factor_added_in(&mut tx, req, current, kind, first)
            .await?;
        tx.commit().await.or_internal("committing")?;
        if let Some(t) = token {
            core.session_cookie(req, t);
        }
        Ok(enrolled)
    }
}
