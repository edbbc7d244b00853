//! Passkeys and security keys: adding one, the options for using one, and signing in with one alone.
//! Answers to the second step and to "confirm it's you" are judged by `Core::judge_second_factor`
//! like every other method (the shared attempt limit first), through `passkey_verdict` below.
//!
//! Signing in with a passkey alone is in `passwordless`.
use app::error::{AppError, Invalid};
use app::service::{PasskeyService, RequestInfo};
use app::types::{Enrolled, FactorKind, SignInStep};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, Current, OrInternal};
use crate::audit::Event;
use crate::auth::factor::passkey::ceremony::{self, Binding, Purpose};
use crate::auth::factor::passkey::{self, RelyingParty};
use crate::auth::factor::{self, Ctx, Verdict};
use crate::auth::flow::{self, Capability};
use crate::auth::rate_limit;
use crate::db::Conn;
use crate::users;

mod passwordless;

pub struct Passkeys(pub Arc<Core>);

impl Core {
    /// This server as a WebAuthn relying party; passkeys are unavailable when `PUBLIC_URL` is an IP
    /// address.
    pub fn relying_party(&self) -> Result<RelyingParty, AppError> {
        RelyingParty::for_public_url(&self.settings.public_url).map_err(|e| {
            tracing::warn!(error = %e, "passkeys unavailable");
            AppError::Invalid(Invalid::MethodUnavailable(FactorKind::Passkey))
        })
    }

    /// Judges a passkey answer to the second step or to "confirm it's you": it must answer the
    /// ceremony this session started, for this user, with one of this user's credentials.
    pub(super) async fn passkey_verdict(
        &self,
        ctx: &Ctx<'_>,
        conn: &mut Conn,
        answer: &str,
    ) -> Result<Verdict, AppError> {
        let rp = self.relying_party()?;
        let binding = Binding::Session {
            session_id: ctx.session_id,
            user_id: ctx.user.id,
        };
        let Some(state) = ceremony::take(conn, Purpose::Assert, binding, ctx.now)
            .await
            .or_internal("taking a ceremony")?
        else {
            return Ok(Verdict::Refused(AppError::PasskeyRefused));
        };
        let answer = match passkey::parse_assertion(answer) {
            Ok(a) => a,
            Err(e) => return Ok(Verdict::Refused(e)),
        };
        let id = passkey::encode_id(answer.get_credential_id());
        let found = passkey::by_credential_id(conn, &id)
            .await
            .or_internal("reading a passkey")?
            .filter(|(f, _)| f.user_id == ctx.user.id);
        let Some((factor, stored)) = found else {
            return Ok(Verdict::Refused(AppError::PasskeyRefused));
        };
        match passkey::verify(&rp, &state, &answer, &stored) {
            Ok(result) => {
                passkey::record_use(conn, &factor, stored, &result, ctx.now).await?;
                Ok(Verdict::Accepted {
                    clock_drift_steps: None,
                })
            }
            Err(AppError::PasskeyRefused) => Ok(Verdict::Refused(AppError::PasskeyRefused)),
            Err(e) => Err(e),
        }
    }

    /// A passwordless attempt that failed: counted against the client's address (as a wrong password
    /// is), and recorded.
    async fn refuse_passkey(
        &self,
        req: &RequestInfo,
        subject: Option<i64>,
        reason: &str,
        error: AppError,
    ) -> Result<AppError, AppError> {
        let mut tx = self.begin().await?;
        if let Some(ip) = req.ip {
            let bucket = rate_limit::address_bucket("signin-failures", ip);
            rate_limit::hit(&mut tx, &bucket, self.address_limit(), self.now())
                .await
                .or_internal("rate limit")?;
        }
        self.audit(
            &mut tx,
            req,
            Event::PasskeyRefused,
            None,
            subject,
            json!({ "reason": reason }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        Ok(error)
    }
}

fn label_for(user: &users::User) -> String {
    app::i18n::tr(user.locale, FactorKind::Passkey.name_key(), &[])
}

#[async_trait]
impl PasskeyService for Passkeys {
    #[tracing::instrument(name = "passkeys.begin_passkey_registration", skip_all)]
    async fn begin_passkey_registration(&self, req: &RequestInfo) -> Result<String, AppError> {
        let core = &self.0;
        let rp = core.relying_party()?;
        let mut conn = core.conn().await?;
        let current = core.enrolling(&mut conn, req).await?;
        let existing: Vec<_> = passkey::of_user(&mut conn, current.user.id)
            .await
            .or_internal("reading passkeys")?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let handle = passkey::user_handle(&existing);
        let (options, state) = passkey::begin_registration(&rp, &current.user, &handle, &existing)?;
        // The handle travels with the state: the answer is stored for the handle it was made for.
        let state = json!({ "state": state, "handle": passkey::encode_id(&handle) }).to_string();
        ceremony::start(
            &mut conn,
            Purpose::Register,
            Binding::Session {
                session_id: current.session.id,
                user_id: current.user.id,
            },
            &state,
            core.now(),
        )
        .await
        .or_internal("starting a ceremony")?;
        Ok(options)
    }

    #[tracing::instrument(name = "passkeys.finish_passkey_registration", skip_all)]
    async fn finish_passkey_registration(
        &self,
        req: &RequestInfo,
        credential: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        let core = &self.0;
        let rp = core.relying_party()?;
        let mut conn = core.conn().await?;
        // The window was checked when the ceremony started: the person may take their time.
        let current: Current = core.at(&mut conn, req, Capability::Enrol).await?;
        let user = &current.user;
        let now = core.now();
        let binding = Binding::Session {
            session_id: current.session.id,
            user_id: user.id,
        };
        let Some(kept) = ceremony::take(&mut conn, Purpose::Register, binding, now)
            .await
            .or_internal("taking a ceremony")?
        else {
            return Err(AppError::Invalid(Invalid::SetupExpired));
        };
        let kept: serde_json::Value =
            serde_json::from_str(&kept).or_internal("reading a ceremony")?;
        let (Some(state), Some(handle)) = (kept["state"].as_str(), kept["handle"].as_str()) else {
            return Err(AppError::Internal);
        };
        let handle =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, handle)
                .or_internal("reading a ceremony")?;
        let stored = passkey::finish_registration(&rp, state, credential, &handle)?;
        let first = !factor::has_confirmed(&mut conn, user.id)
            .await
            .or_internal("reading factors")?;
        drop(conn);
        let mut tx = core.begin().await?;
        let label = factor::clean_label(label, &label_for(user));
        if passkey::store(&mut tx, user.id, &label, &stored, now)
            .await?
            .is_none()
        {
            return Err(AppError::Invalid(Invalid::PasskeyAlreadyRegistered));
        }
        let (enrolled, token) = core
            .factor_added_in(&mut tx, req, &current, FactorKind::Passkey, first)
            .await?;
        tx.commit().await.or_internal("committing")?;
        if let Some(t) = token {
            core.session_cookie(req, t);
        }
        Ok(enrolled)
    }

    #[tracing::instrument(name = "passkeys.begin_passkey_assertion", skip_all)]
    async fn begin_passkey_assertion(&self, req: &RequestInfo) -> Result<String, AppError> {
        let core = &self.0;
        let rp = core.relying_party()?;
        let mut conn = core.conn().await?;
        let current = core.current(&mut conn, req).await?;
        let stage = current.session.stage;
        if !flow::allows(stage, Capability::AnswerSecondFactor)
            && !flow::allows(stage, Capability::ConfirmIdentity)
        {
            return Err(AppError::SignInIncomplete);
        }
        let credentials: Vec<_> = passkey::of_user(&mut conn, current.user.id)
            .await
            .or_internal("reading passkeys")?
            .into_iter()
            .map(|(_, s)| s.credential)
            .collect();
        if credentials.is_empty() {
            return Err(AppError::Invalid(Invalid::MethodUnavailable(
                FactorKind::Passkey,
            )));
        }
        let (options, state) = passkey::begin_assertion(&rp, credentials)?;
        ceremony::start(
            &mut conn,
            Purpose::Assert,
            Binding::Session {
                session_id: current.session.id,
                user_id: current.user.id,
            },
            &state,
            core.now(),
        )
        .await
        .or_internal("starting a ceremony")?;
        Ok(options)
    }

    #[tracing::instrument(name = "passkeys.begin_passkey_sign_in", skip_all)]
    async fn begin_passkey_sign_in(
        &self,
        req: &RequestInfo,
        conditional: bool,
    ) -> Result<String, AppError> {
        passwordless::begin_passkey_sign_in(&self.0, req, conditional).await
    }

    #[tracing::instrument(name = "passkeys.finish_passkey_sign_in", skip_all)]
    async fn finish_passkey_sign_in(
        &self,
        req: &RequestInfo,
        credential: &str,
    ) -> Result<SignInStep, AppError> {
        passwordless::finish_passkey_sign_in(&self.0, req, credential).await
    }
}
