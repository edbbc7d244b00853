//! The password step of signing in, the session behind a request, and signing out.
//!
//! Every limit is claimed before the work: a place in the hashing queue (or "busy" at once), the
//! per-address counter, then the account's own attempt (`users::claim_sign_in`), and only then one
//! argon2 run, which every attempt costs, known account or not, locked or not.
use app::error::AppError;
use app::policy;
use app::service::{CookieChange, RequestInfo, SignInService};
use app::types::{SessionState, SignInStep, Viewer};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::flow::{self, Capability};
use crate::auth::rate_limit::{self, Limit, SIGNIN_FAILURE_WINDOW_SECS};
use crate::auth::{session, trusted_browser};
use crate::db::Conn;
use crate::users::{self, User};

pub struct SignIn(pub Arc<Core>);

impl Core {
    fn address_limit(&self) -> Limit {
        Limit {
            max: self.settings.protection.failures_per_address,
            window_secs: SIGNIN_FAILURE_WINDOW_SECS,
        }
    }

    async fn viewer(
        &self,
        conn: &mut Conn,
        user: &User,
        stage: app::types::Stage,
    ) -> Result<Viewer, AppError> {
        let now = self.now();
        let two_factor_grace_days = match user.mfa_grace_until {
            Some(until) if self.settings.mfa.required_for(user) && now < until => {
                let enrolled = crate::auth::factor::has_confirmed(conn, user.id)
                    .await
                    .or_internal("reading second factors")?;
                (!enrolled).then(|| crate::jobs::days_left(until, now))
            }
            _ => None,
        };
        Ok(Viewer {
            username: user.username.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            stage,
            locale: user.locale,
            idle_timeout_secs: self.settings.sessions.idle.as_secs(),
            password_expires_in_days: crate::jobs::banner_days(
                user.password_changed_at,
                user.password_temporary,
                now,
                &self.settings.lifecycle,
            ),
            two_factor_grace_days,
        })
    }
}

#[async_trait]
impl SignInService for SignIn {
    #[tracing::instrument(name = "sign_in.sign_in", skip_all)]
    async fn sign_in(
        &self,
        req: &RequestInfo,
        identifier: &str,
        password: &str,
    ) -> Result<SignInStep, AppError> {
        let core = &self.0;
        let identifier = identifier.trim();
        if identifier.is_empty()
            || password.is_empty()
            || password.chars().count() > policy::MAX_LENGTH
        {
            return Err(AppError::SignInFailed);
        }
        // A place in the hashing queue before any other work: when it is full, "busy" at once.
        let ticket = core.ticket()?;
        let now = core.now();
        let mut conn = core.conn().await?;
        // The address's attempt counts before hashing (a right password gives it back).
        let bucket = req
            .ip
            .map(|ip| rate_limit::address_bucket("signin-failures", ip));
        if let Some(bucket) = &bucket {
            if !rate_limit::hit(&mut conn, bucket, core.address_limit(), now)
                .await
                .or_internal("rate limit")?
            {
                core.audit(
                    &mut conn,
                    req,
                    Event::AddressThrottled,
                    None,
                    None,
                    json!({}),
                )
                .await?;
                return Err(AppError::RateLimited);
            }
        }
        let threshold = core.settings.protection.lockout_threshold;
        let claimed = users::claim_sign_in(&mut conn, identifier, threshold, now)
            .await
            .or_internal("claiming an attempt")?;
        // One argon2 run whatever happens: an unclaimed attempt hashes against the dummy.
        let stored = claimed.as_ref().and_then(|u| u.password_hash.clone());
        let verified = core
            .hasher
            .verify(ticket, password.to_string(), stored)
            .await;
        let password_ok = match verified {
            Ok(ok) => ok,
            Err(e) => {
                if let Some(user) = &claimed {
                    let _ = users::release_claim(&mut conn, user.id).await;
                }
                tracing::error!(error = %e, "hashing a password");
                return Err(AppError::Internal);
            }
        };
        let Some(user) = claimed else {
            // Unknown, locked, or every attempt of the account is being judged: refused unjudged.
            let known = users::find_by_identifier(&mut conn, identifier)
                .await
                .or_internal("looking up an account")?;
            let (event, subject) = match &known {
                Some(u) => (Event::AttemptRefused, Some(u.id)),
                None => (Event::UnknownAccount, None),
            };
            let locked = known.as_ref().is_some_and(|u| u.locked_at.is_some());
            core.audit(
                &mut conn,
                req,
                event,
                None,
                subject,
                json!({ "locked": locked }),
            )
            .await?;
            return Err(AppError::SignInFailed);
        };
        if !password_ok {
            core.wrong_password(req, &user, "sign_in").await?;
            return Err(AppError::SignInFailed);
        }
        if !users::record_right_password(&mut conn, user.id)
            .await
            .or_internal("recording a sign-in")?
        {
            // A burst of wrong passwords locked the account while this one was being judged.
            core.audit(
                &mut conn,
                req,
                Event::AttemptRefused,
                None,
                Some(user.id),
                json!({ "locked": true }),
            )
            .await?;
            return Err(AppError::SignInFailed);
        }
        if let Some(bucket) = &bucket {
            rate_limit::refund(&mut conn, bucket)
                .await
                .or_internal("rate limit")?;
        }
        // After a right password the answer may say what to do next: the person knows the password.
        if user.disabled {
            core.audit(
                &mut conn,
                req,
                Event::DisabledAccount,
                None,
                Some(user.id),
                json!({}),
            )
            .await?;
            return Err(AppError::SignInFailed);
        }
        if user.password_temporary && user.temporary_until.is_some_and(|until| now >= until) {
            core.audit(
                &mut conn,
                req,
                Event::TemporaryPasswordExpired,
                None,
                Some(user.id),
                json!({}),
            )
            .await?;
            return Err(AppError::TemporaryPasswordExpired);
        }
        if user.password_reset_required {
            core.audit(
                &mut conn,
                req,
                Event::ResetRequired,
                None,
                Some(user.id),
                json!({}),
            )
            .await?;
            return Err(AppError::PasswordResetRequired);
        }
        let facts = core.facts(&mut conn, &user).await?;
        // A browser the user trusted skips the second step (while there is a factor to skip).
        let trusted = match (&req.trusted_browser, facts.has_second_factor) {
            (Some(token), true) => trusted_browser::recognises(&mut conn, token, user.id, now)
                .await
                .or_internal("checking a browser")?,
            _ => false,
        };
        let stage = flow::start(
            &facts,
            flow::Event::PasswordVerified {
                trusted_browser: trusted,
            },
        )
        .map_err(|_| AppError::Internal)?;
        // A full sign-in by password alone is a full authentication only without a factor to skip.
        let fully = stage.is_full() && !facts.has_second_factor;
        drop(conn);
        // One transaction: the old session out, the new one in, the completed sign-in and its record.
        let mut tx = core.begin().await?;
        if let Some(old) = &req.session_token {
            session::delete_by_token(&mut tx, old)
                .await
                .or_internal("ending the previous session")?;
        }
        let token = session::create(
            &mut tx,
            &core.settings.sessions,
            user.id,
            stage,
            fully,
            req.ip,
            &req.user_agent,
            now,
        )
        .await
        .or_internal("creating a session")?;
        if stage.is_full() {
            users::record_completed_sign_in(&mut tx, user.id, now)
                .await
                .or_internal("recording a sign-in")?;
        }
        core.remember_locale(&mut tx, req, &user).await?;
        core.audit(
            &mut tx,
            req,
            Event::PasswordAccepted,
            Some(user.id),
            Some(user.id),
            json!({ "stage": stage.as_db(), "trusted_browser": trusted }),
        )
        .await?;
        tx.commit().await.or_internal("committing a sign-in")?;
        core.session_cookie(req, token);
        Ok(SignInStep::to(stage))
    }

    #[tracing::instrument(name = "sign_in.session_state", skip_all)]
    async fn session_state(&self, req: &RequestInfo) -> Result<SessionState, AppError> {
        let core = &self.0;
        if req.session_token.is_none() {
            return Ok(SessionState::Anonymous);
        }
        let mut conn = core.conn().await?;
        match core.current(&mut conn, req).await {
            Ok(current) if current.session.stage.is_full() => Ok(SessionState::Active(
                core.viewer(&mut conn, &current.user, current.session.stage)
                    .await?,
            )),
            // A partial session learns only its next step.
            Ok(current) => Ok(SessionState::Partial(current.session.stage)),
            Err(AppError::SessionExpired) => {
                req.effects.push(CookieChange::ClearSession);
                Ok(SessionState::Expired)
            }
            Err(e) => Err(e),
        }
    }

    #[tracing::instrument(name = "sign_in.sign_out", skip_all)]
    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError> {
        let core = &self.0;
        // The cookie goes whatever happened to the row.
        req.effects.push(CookieChange::ClearSession);
        let Some(token) = req.session_token.as_deref() else {
            return Ok(());
        };
        let mut conn = core.conn().await?;
        match core.at(&mut conn, req, Capability::SignOut).await {
            Ok(current) => {
                session::delete(&mut conn, current.session.id)
                    .await
                    .or_internal("ending a session")?;
                core.audit(
                    &mut conn,
                    req,
                    Event::SignedOut,
                    Some(current.user.id),
                    Some(current.user.id),
                    json!({}),
                )
                .await?;
            }
            Err(_) => session::delete_by_token(&mut conn, token)
                .await
                .or_internal("ending a session")?,
        }
        Ok(())
    }
}
