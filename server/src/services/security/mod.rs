//! Security & sign-in settings: second factors, backup codes, trusted browsers. Removing a factor or
//! making new backup codes needs a full authentication (password and second factor) within the last
//! five minutes: a sign-in that skipped the second step on a trusted browser does not count.
//!
//! The trait is implemented here; the setups live by factor kind in `totp`, `phone` and `email_codes`,
//! managing enrolled factors in `factors`, backup codes in `backup`, and what every enrolment shares in
//! `enrol`.
use app::error::{AppError, Invalid};
use app::service::{RequestInfo, SecurityService};
use app::types::{
    CodeSent, Enrolled, EnrollmentOptions, FactorKind, Method, PhoneSetup, SecurityOverview,
    TotpSetup,
};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, Current, OrInternal};
use crate::audit::Event;
use crate::auth::factor::{self, backup_codes};
use crate::auth::flow::Capability;
use crate::auth::{session, trusted_browser};

mod backup;
mod email_codes;
mod enrol;
mod factors;
mod phone;
mod totp;

pub struct Security(pub Arc<Core>);

#[async_trait]
impl SecurityService for Security {
    #[tracing::instrument(name = "security.enrollment_options", skip_all)]
    async fn enrollment_options(&self, req: &RequestInfo) -> Result<EnrollmentOptions, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let Current { user, .. } = core.at(&mut conn, req, Capability::Enrol).await?;
        let enrolled = factor::confirmed(&mut conn, user.id)
            .await
            .or_internal("reading factors")?;
        Ok(EnrollmentOptions {
            available_methods: core
                .available_kinds(enrolled.iter().any(|f| f.kind == FactorKind::Email)),
            email_masked: app::format::mask_email(&user.email),
            email_verified: user.email_verified,
        })
    }

    #[tracing::instrument(name = "security.security_overview", skip_all)]
    async fn security_overview(&self, req: &RequestInfo) -> Result<SecurityOverview, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let Current { session, user } = core.at(&mut conn, req, Capability::UseAccount).await?;
        let now = core.now();
        let enrolled = factor::confirmed(&mut conn, user.id)
            .await
            .or_internal("reading factors")?;
        let trusted_here = req
            .trusted_browser
            .as_deref()
            .map(crate::crypto::token_hash);
        let browsers = trusted_browser::list(&mut conn, user.id, now)
            .await
            .or_internal("reading trusted browsers")?;
        let methods = core.methods(&mut conn, &user).await?;
        Ok(SecurityOverview {
            factors: enrolled
                .iter()
                .map(|f| {
                    let mut view = f.view();
                    view.destination = match (f.kind, f.phone.as_deref()) {
                        (FactorKind::Email, _) => Some(app::format::mask_email(&user.email)),
                        (FactorKind::Sms, Some(phone)) => Some(app::format::mask_phone(phone)),
                        _ => None,
                    };
                    view
                })
                .collect(),
            default_method: methods.first().copied(),
            available_methods: core
                .available_kinds(enrolled.iter().any(|f| f.kind == FactorKind::Email)),
            backup_codes_remaining: backup_codes::remaining(&mut conn, user.id)
                .await
                .or_internal("counting codes")?,
            trusted_browsers: browsers
                .iter()
                .map(|b| b.view(trusted_here.as_deref()))
                .collect(),
            mfa_required: core.settings.mfa.required_for(&user),
            reauthenticated_secs_left: core.reauth_secs_left(&session),
            reauth_needs_second_factor: !methods.is_empty(),
            reauth_methods: methods,
            email_masked: app::format::mask_email(&user.email),
            email_verified: user.email_verified,
        })
    }

    #[tracing::instrument(name = "security.confirm_identity", skip_all)]
    async fn confirm_identity(
        &self,
        req: &RequestInfo,
        password: &str,
        method: Option<Method>,
        code: &str,
    ) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::ConfirmIdentity).await?;
        let user = &current.user;
        if let Err(e) = core
            .check_own_password(&mut conn, req, user, password, "confirm_identity")
            .await
        {
            if e == AppError::WrongPassword {
                core.audit(
                    &mut conn,
                    req,
                    Event::IdentityConfirmationFailed,
                    Some(user.id),
                    Some(user.id),
                    json!({}),
                )
                .await?;
            }
            return Err(e);
        }
        // A full session with a second factor proves it again: the password alone is not enough.
        let with_factor =
            current.session.stage.is_full() && !core.methods(&mut conn, user).await?.is_empty();
        if with_factor {
            let method = method.ok_or(AppError::Invalid(Invalid::Required("code".into())))?;
            core.judge_second_factor(&mut conn, req, &current, method, code)
                .await?;
        }
        let token = session::reauthenticated(&mut conn, current.session.id, core.now())
            .await
            .or_internal("confirming identity")?;
        core.audit(
            &mut conn,
            req,
            Event::IdentityConfirmed,
            Some(user.id),
            Some(user.id),
            json!({ "method": method.filter(|_| with_factor).map(Method::as_db) }),
        )
        .await?;
        core.session_cookie(req, token);
        Ok(())
    }

    #[tracing::instrument(name = "security.begin_totp", skip_all)]
    async fn begin_totp(&self, req: &RequestInfo) -> Result<TotpSetup, AppError> {
        totp::begin_totp(&self.0, req).await
    }

    #[tracing::instrument(name = "security.confirm_totp", skip_all)]
    async fn confirm_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        totp::confirm_totp(&self.0, req, factor_id, code, label).await
    }

    #[tracing::instrument(name = "security.begin_phone", skip_all)]
    async fn begin_phone(&self, req: &RequestInfo, phone: &str) -> Result<PhoneSetup, AppError> {
        phone::begin_phone(&self.0, req, phone).await
    }

    #[tracing::instrument(name = "security.resend_phone_code", skip_all)]
    async fn resend_phone_code(
        &self,
        req: &RequestInfo,
        factor_id: i64,
    ) -> Result<CodeSent, AppError> {
        phone::resend_phone_code(&self.0, req, factor_id).await
    }

    #[tracing::instrument(name = "security.confirm_phone", skip_all)]
    async fn confirm_phone(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        phone::confirm_phone(&self.0, req, factor_id, code, label).await
    }

    #[tracing::instrument(name = "security.enable_email_codes", skip_all)]
    async fn enable_email_codes(&self, req: &RequestInfo) -> Result<Enrolled, AppError> {
        email_codes::enable_email_codes(&self.0, req).await
    }

    #[tracing::instrument(name = "security.rename_factor", skip_all)]
    async fn rename_factor(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        label: &str,
    ) -> Result<(), AppError> {
        factors::rename_factor(&self.0, req, factor_id, label).await
    }

    #[tracing::instrument(name = "security.remove_factor", skip_all)]
    async fn remove_factor(&self, req: &RequestInfo, factor_id: i64) -> Result<(), AppError> {
        factors::remove_factor(&self.0, req, factor_id).await
    }

    #[tracing::instrument(name = "security.set_default_method", skip_all)]
    async fn set_default_method(&self, req: &RequestInfo, method: Method) -> Result<(), AppError> {
        factors::set_default_method(&self.0, req, method).await
    }

    #[tracing::instrument(name = "security.regenerate_backup_codes", skip_all)]
    async fn regenerate_backup_codes(&self, req: &RequestInfo) -> Result<Vec<String>, AppError> {
        backup::regenerate_backup_codes(&self.0, req).await
    }

    #[tracing::instrument(name = "security.revoke_trusted_browser", skip_all)]
    async fn revoke_trusted_browser(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        if !trusted_browser::revoke(&mut conn, current.user.id, id)
            .await
            .or_internal("forgetting a browser")?
        {
            return Err(AppError::NotFound);
        }
        core.audit(
            &mut conn,
            req,
            Event::TrustedBrowserRevoked,
            Some(current.user.id),
            Some(current.user.id),
            json!({}),
        )
        .await
    }
}
