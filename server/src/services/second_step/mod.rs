//! The second step of signing in. Only a session at that step may call it. Every answer, whatever the
//! method, first claims a slot of the shared attempt limit (`auth::attempts`); success moves the session
//! on through the flow, with a new token.
//!
//! Judging an answer, whatever the method, is in `judge`.
use app::error::{AppError, Invalid};
use app::service::{CookieChange, IssuedToken, RequestInfo, SecondStepService};
use app::types::{ChallengeInfo, CodeSent, FactorKind, Method, SignInStep};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{codes, Core, OrInternal};
use crate::audit::Event;
use crate::auth::factor::otp::{Channel, Purpose};
use crate::auth::factor::{self, backup_codes};
use crate::auth::flow::{self, Capability};
use crate::auth::trusted_browser;
use crate::db::Conn;
use crate::users::User;

mod judge;

pub struct SecondStep(pub Arc<Core>);

impl Core {
    /// The methods the user can pass the second step with, default first (backup codes not included).
    pub async fn methods(&self, conn: &mut Conn, user: &User) -> Result<Vec<Method>, AppError> {
        let mut methods: Vec<Method> = Vec::new();
        for f in factor::confirmed(conn, user.id)
            .await
            .or_internal("reading factors")?
        {
            // Email codes only to a proved address; texts only while a provider is configured.
            let usable = match f.kind {
                FactorKind::Email => user.email_verified,
                FactorKind::Sms => self.sms.is_some() && f.phone.is_some(),
                _ => true,
            };
            if !usable {
                continue;
            }
            let m = Method::Factor(f.kind);
            if !methods.contains(&m) {
                methods.push(m);
            }
        }
        let default = user
            .default_method
            .as_deref()
            .and_then(FactorKind::from_db)
            .map(Method::Factor);
        if let Some(i) = default.and_then(|d| methods.iter().position(|m| *m == d)) {
            let m = methods.remove(i);
            methods.insert(0, m);
        }
        Ok(methods)
    }

    /// Where each sent-code method among `methods` goes (masked), with its factor.
    pub async fn destinations(
        &self,
        conn: &mut Conn,
        user: &User,
        methods: &[Method],
    ) -> Result<Vec<(Method, String, factor::Factor)>, AppError> {
        let mut out = Vec::new();
        for f in factor::confirmed(conn, user.id)
            .await
            .or_internal("reading factors")?
        {
            let m = Method::Factor(f.kind);
            if !methods.contains(&m) || out.iter().any(|(o, _, _)| *o == m) {
                continue;
            }
            let masked = match (f.kind, f.phone.as_deref()) {
                (FactorKind::Email, _) => app::format::mask_email(&user.email),
                (FactorKind::Sms, Some(phone)) => app::format::mask_phone(phone),
                _ => continue,
            };
            out.push((m, masked, f));
        }
        Ok(out)
    }
}

#[async_trait]
impl SecondStepService for SecondStep {
    #[tracing::instrument(name = "second_step.challenge", skip_all)]
    async fn challenge(&self, req: &RequestInfo) -> Result<ChallengeInfo, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core
            .at(&mut conn, req, Capability::AnswerSecondFactor)
            .await?;
        let methods = core.methods(&mut conn, &current.user).await?;
        let destinations = core
            .destinations(&mut conn, &current.user, &methods)
            .await?
            .into_iter()
            .map(|(m, d, _)| (m, d))
            .collect();
        Ok(ChallengeInfo {
            methods,
            backup_codes_remaining: backup_codes::remaining(&mut conn, current.user.id)
                .await
                .or_internal("counting codes")?,
            trust_days: core.settings.trust_lifetime_secs / 86_400,
            destinations,
        })
    }

    #[tracing::instrument(name = "second_step.send_code", skip_all)]
    async fn send_code(&self, req: &RequestInfo, method: Method) -> Result<CodeSent, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        // The second step, or a confirmation of identity in a full session: the code is bound to it.
        let current = core.current(&mut conn, req).await?;
        let stage = current.session.stage;
        let may_send = flow::allows(stage, Capability::AnswerSecondFactor)
            || (stage.is_full() && flow::allows(stage, Capability::ConfirmIdentity));
        if !may_send {
            return Err(AppError::SignInIncomplete);
        }
        let methods = core.methods(&mut conn, &current.user).await?;
        let unavailable = || {
            AppError::Invalid(Invalid::MethodUnavailable(
                method.factor().unwrap_or(FactorKind::Email),
            ))
        };
        let channel = match method {
            Method::Email => Channel::Email,
            Method::Sms => Channel::Sms,
            _ => return Err(unavailable()),
        };
        let (_, _, factor) = core
            .destinations(&mut conn, &current.user, &methods)
            .await?
            .into_iter()
            .find(|(m, _, _)| *m == method)
            .ok_or_else(unavailable)?;
        drop(conn);
        let target = codes::Target {
            channel,
            purpose: Purpose::SignIn,
            session_id: current.session.id,
            factor_id: Some(factor.id),
            number: factor.phone.as_deref(),
        };
        core.send_one_time_code(req, &current.user, &target).await
    }

    #[tracing::instrument(name = "second_step.verify_second_factor", skip_all, fields(method = method.as_db()))]
    async fn verify_second_factor(
        &self,
        req: &RequestInfo,
        method: Method,
        code: &str,
        trust: bool,
    ) -> Result<SignInStep, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core
            .at(&mut conn, req, Capability::AnswerSecondFactor)
            .await?;
        let drift = core
            .judge_second_factor(&mut conn, req, &current, method, code)
            .await?;
        drop(conn);
        let now = core.now();
        let user = &current.user;
        let mut tx = core.begin().await?;
        let mut trusted_cookie = None;
        let (stage, token) = core
            .advance(
                &mut tx,
                req,
                &current,
                flow::Event::SecondFactorVerified,
                true,
            )
            .await?;
        if trust {
            let lifetime = core.settings.trust_lifetime_secs;
            let token =
                trusted_browser::trust(&mut tx, user.id, req.ip, &req.user_agent, now, lifetime)
                    .await
                    .or_internal("trusting a browser")?;
            trusted_cookie = Some(IssuedToken {
                token,
                max_age_secs: lifetime.max(0) as u64,
            });
            core.audit(
                &mut tx,
                req,
                Event::TrustedBrowserAdded,
                Some(user.id),
                Some(user.id),
                json!({}),
            )
            .await?;
        }
        core.audit(
            &mut tx,
            req,
            Event::SecondFactorPassed,
            Some(user.id),
            Some(user.id),
            json!({ "method": method.as_db(), "trusted": trust }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        core.session_cookie(req, token);
        if let Some(t) = trusted_cookie {
            req.effects.push(CookieChange::TrustedBrowser(t));
        }
        Ok(SignInStep {
            clock_drift_steps: drift,
            ..SignInStep::to(stage)
        })
    }
}
