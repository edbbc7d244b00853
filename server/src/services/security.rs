//! Security & sign-in settings: second factors, backup codes, trusted browsers. Removing a factor or
//! making new backup codes needs a full authentication (password and second factor) within the last
//! five minutes: a sign-in that skipped the second step on a trusted browser does not count.
use app::error::{AppError, Invalid};
use app::policy::PhoneNumber;
use app::routes;
use app::service::{RequestInfo, SecurityService};
use app::types::{
    CodeSent, Enrolled, EnrollmentOptions, FactorKind, Method, PhoneSetup, SecurityOverview, Stage,
    TotpSetup,
};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::codes::Target;
use super::credentials::Change;
use super::{Core, Current, OrInternal};
use crate::audit::Event;
use crate::auth::factor::otp::{self, Channel, Purpose};
use crate::auth::factor::{self, backup_codes, totp};
use crate::auth::flow::{self, Capability};
use crate::auth::{session, trusted_browser};
use crate::users;

pub struct Security(pub Arc<Core>);

/// A new app's name until the person names it: the method's name in their language.
fn totp_label(user: &users::User) -> String {
    app::i18n::tr(user.locale, FactorKind::Totp.name_key(), &[])
}

impl Core {
    /// What follows a factor confirmed in `tx`, whatever its kind: the first one comes with backup
    /// codes and becomes the default; the "credentials changed" routine; the audit entry; and a
    /// session at the mandatory-enrolment stage moves on. Answers the result and the session's new
    /// token (for the cookie, once committed).
    pub(super) async fn factor_added_in(
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
    fn available_kinds(&self, has_email_codes: bool) -> Vec<FactorKind> {
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
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.enrolling(&mut conn, req).await?;
        totp::begin_enrolment(
            &mut conn,
            &core.keys,
            &current.user,
            &totp_label(&current.user),
            core.now(),
        )
        .await
        .or_internal("storing a pending factor")
    }

    #[tracing::instrument(name = "security.confirm_totp", skip_all)]
    async fn confirm_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        // The window was checked when the secret was shown: finishing may take as long as the app does.
        let current = core.at(&mut conn, req, Capability::Enrol).await?;
        let user = &current.user;
        let now = core.now();
        let step =
            totp::finish_enrolment(&mut conn, &core.keys, user, factor_id, code, now).await?;
        drop(conn);
        core.factor_enrolled(
            req,
            &current,
            factor_id,
            FactorKind::Totp,
            Some(step),
            &factor::clean_label(label, &totp_label(user)),
        )
        .await
    }

    #[tracing::instrument(name = "security.begin_phone", skip_all)]
    async fn begin_phone(&self, req: &RequestInfo, phone: &str) -> Result<PhoneSetup, AppError> {
        let core = &self.0;
        if core.sms.is_none() {
            return Err(AppError::Invalid(Invalid::MethodUnavailable(
                FactorKind::Sms,
            )));
        }
        let number = PhoneNumber::parse(phone).ok_or(AppError::Invalid(Invalid::Phone))?;
        if !core.settings.codes.allows_number(number.as_str()) {
            return Err(AppError::Invalid(Invalid::PhoneCountryNotAllowed));
        }
        let mut conn = core.conn().await?;
        let current = core.enrolling(&mut conn, req).await?;
        let label = app::i18n::tr(current.user.locale, FactorKind::Sms.name_key(), &[]);
        let factor_id = factor::create_pending(
            &mut conn,
            current.user.id,
            FactorKind::Sms,
            &label,
            None,
            Some(number.as_str()),
            core.now(),
        )
        .await
        .or_internal("storing a pending factor")?;
        drop(conn);
        let sent = core
            .send_phone_code(req, &current, factor_id, number.as_str())
            .await?;
        Ok(PhoneSetup { factor_id, sent })
    }

    #[tracing::instrument(name = "security.resend_phone_code", skip_all)]
    async fn resend_phone_code(
        &self,
        req: &RequestInfo,
        factor_id: i64,
    ) -> Result<CodeSent, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::Enrol).await?;
        let pending = otp::pending_phone(&mut conn, current.user.id, factor_id, core.now())
            .await
            .or_internal("reading a factor")?
            .ok_or(AppError::Invalid(Invalid::SetupExpired))?;
        drop(conn);
        let number = pending.phone.clone().unwrap_or_default();
        core.send_phone_code(req, &current, factor_id, &number)
            .await
    }

    #[tracing::instrument(name = "security.confirm_phone", skip_all)]
    async fn confirm_phone(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::Enrol).await?;
        otp::finish_phone_enrolment(
            &mut conn,
            &core.keys,
            current.user.id,
            current.session.id,
            factor_id,
            code,
            core.now(),
        )
        .await?;
        drop(conn);
        let fallback = app::i18n::tr(current.user.locale, FactorKind::Sms.name_key(), &[]);
        core.factor_enrolled(
            req,
            &current,
            factor_id,
            FactorKind::Sms,
            None,
            &factor::clean_label(label, &fallback),
        )
        .await
    }

    #[tracing::instrument(name = "security.enable_email_codes", skip_all)]
    async fn enable_email_codes(&self, req: &RequestInfo) -> Result<Enrolled, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.enrolling(&mut conn, req).await?;
        let user = &current.user;
        if !user.email_verified {
            return Err(AppError::Invalid(Invalid::EmailNotVerified));
        }
        if !factor::confirmed_of(&mut conn, user.id, FactorKind::Email)
            .await
            .or_internal("reading factors")?
            .is_empty()
        {
            return Err(AppError::Invalid(Invalid::WrongState));
        }
        let label = app::i18n::tr(user.locale, FactorKind::Email.name_key(), &[]);
        let factor_id = factor::create_pending(
            &mut conn,
            user.id,
            FactorKind::Email,
            &label,
            None,
            None,
            core.now(),
        )
        .await
        .or_internal("storing a pending factor")?;
        drop(conn);
        core.factor_enrolled(req, &current, factor_id, FactorKind::Email, None, &label)
            .await
    }

    #[tracing::instrument(name = "security.rename_factor", skip_all)]
    async fn rename_factor(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        label: &str,
    ) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        let label = label.trim();
        if label.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("label".into())));
        }
        if label.chars().count() > 60 {
            return Err(AppError::Invalid(Invalid::TooLong("label".into())));
        }
        if !factor::rename(
            &mut conn,
            current.user.id,
            factor_id,
            &factor::clean_label(label, label),
        )
        .await
        .or_internal("renaming a factor")?
        {
            return Err(AppError::NotFound);
        }
        core.audit(
            &mut conn,
            req,
            Event::FactorRenamed,
            Some(current.user.id),
            Some(current.user.id),
            json!({}),
        )
        .await
    }

    #[tracing::instrument(name = "security.remove_factor", skip_all)]
    async fn remove_factor(&self, req: &RequestInfo, factor_id: i64) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.full_and_recent(&mut conn, req).await?;
        let user = &current.user;
        let target = factor::find(&mut conn, user.id, factor_id)
            .await
            .or_internal("reading a factor")?
            .ok_or(AppError::NotFound)?;
        let confirmed = factor::confirmed(&mut conn, user.id)
            .await
            .or_internal("reading factors")?;
        let remaining: Vec<FactorKind> = confirmed
            .iter()
            .filter(|f| f.id != target.id)
            .map(|f| f.kind)
            .collect();
        if target.confirmed_at.is_some()
            && remaining.is_empty()
            && core.settings.mfa.required_for(user)
        {
            return Err(AppError::Invalid(Invalid::LastMandatoryMethod));
        }
        drop(conn);
        let mut tx = core.begin().await?;
        factor::delete(&mut tx, user.id, target.id)
            .await
            .or_internal("removing a factor")?;
        if target.confirmed_at.is_none() {
            return tx.commit().await.or_internal("committing");
        }
        if remaining.is_empty() {
            // Without a second factor, backup codes mean nothing.
            backup_codes::delete_all(&mut tx, user.id)
                .await
                .or_internal("removing backup codes")?;
        }
        let default = user.default_method.as_deref().and_then(FactorKind::from_db);
        if default.is_some_and(|d| !remaining.contains(&d)) {
            users::set_default_method(&mut tx, user.id, remaining.first().map(|k| k.as_db()))
                .await
                .or_internal("default method")?;
        }
        core.credentials_changed(
            &mut tx,
            Some(req),
            user,
            Change::FactorRemoved(target.kind),
            Some(current.session.id),
        )
        .await?;
        core.audit(
            &mut tx,
            req,
            Event::FactorRemoved,
            Some(user.id),
            Some(user.id),
            json!({ "kind": target.kind.as_db() }),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }

    #[tracing::instrument(name = "security.set_default_method", skip_all)]
    async fn set_default_method(&self, req: &RequestInfo, method: Method) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::UseAccount).await?;
        let kind = method
            .factor()
            .ok_or(AppError::Invalid(Invalid::MethodUnavailable(
                FactorKind::Totp,
            )))?;
        if !core
            .methods(&mut conn, &current.user)
            .await?
            .contains(&Method::Factor(kind))
        {
            return Err(AppError::Invalid(Invalid::MethodUnavailable(kind)));
        }
        users::set_default_method(&mut conn, current.user.id, Some(kind.as_db()))
            .await
            .or_internal("default method")
    }

    #[tracing::instrument(name = "security.regenerate_backup_codes", skip_all)]
    async fn regenerate_backup_codes(&self, req: &RequestInfo) -> Result<Vec<String>, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.full_and_recent(&mut conn, req).await?;
        let user = &current.user;
        if !factor::has_confirmed(&mut conn, user.id)
            .await
            .or_internal("reading factors")?
        {
            return Err(AppError::Invalid(Invalid::NoSecondFactor));
        }
        drop(conn);
        let mut tx = core.begin().await?;
        let codes = backup_codes::replace(&mut tx, &core.keys, user.id, core.now())
            .await
            .or_internal("creating backup codes")?;
        core.credentials_changed(
            &mut tx,
            Some(req),
            user,
            Change::BackupCodesRegenerated,
            Some(current.session.id),
        )
        .await?;
        core.audit(
            &mut tx,
            req,
            Event::BackupCodesRegenerated,
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        Ok(codes)
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

impl Core {
    /// Texts the code that proves a phone being added (bound to this session).
    async fn send_phone_code(
        &self,
        req: &RequestInfo,
        current: &Current,
        factor_id: i64,
        number: &str,
    ) -> Result<CodeSent, AppError> {
        let target = Target {
            channel: Channel::Sms,
            purpose: Purpose::Enrol,
            session_id: current.session.id,
            factor_id: Some(factor_id),
            number: Some(number),
        };
        self.send_one_time_code(req, &current.user, &target).await
    }

    /// A pending factor proved: activated and named, with backup codes if it is the first, made the
    /// default if there was none, the "credentials changed" routine, and the mandatory-enrolment stage
    /// moved on — one transaction, whatever the kind.
    async fn factor_enrolled(
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
