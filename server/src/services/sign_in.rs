//! The password step of signing in, the session behind a request, and signing out.
//!
//! Every limit is claimed before the work: a place in the hashing queue (or "busy" at once), the
//! address's attempt (`rate_limit::hit`; a right password gives it back) and the account's own attempt
//! (`users::claim_sign_in`), in one short transaction; then one argon2 run, which every attempt costs,
//! known account or not, locked or not; then one transaction settles the claim and records the outcome
//! (for a right password: the old session out, the new one in, the sign-in recorded). However many
//! attempts arrive together, on however many instances, at most the lockout threshold are ever judged,
//! and a right password behind a burst that locked the account is refused like any other.
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

/// What refuses an account even after it was proven (a right password, or a passkey): the answer may
/// say what to do, because the person proved they hold the account.
pub(super) fn refused_after_proof(user: &User, now: i64) -> Option<(Event, AppError)> {
    if user.disabled {
        Some((Event::DisabledAccount, AppError::SignInFailed))
    } else if user.password_temporary && user.temporary_until.is_some_and(|until| now >= until) {
        Some((
            Event::TemporaryPasswordExpired,
            AppError::TemporaryPasswordExpired,
        ))
    } else if user.password_reset_required {
        Some((Event::ResetRequired, AppError::PasswordResetRequired))
    } else {
        None
    }
}

impl Core {
    /// A new session for an account just proven, in the stage the flow decides after `event`; it
    /// replaces the browser's previous session. `fully`: this proof is a full authentication (both
    /// factors, or the only one the account has) when the stage is full. In the caller's transaction;
    /// the token is for the cookie once committed.
    pub(super) async fn open_session(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        user: &User,
        facts: &flow::Facts,
        event: flow::Event,
        fully: bool,
    ) -> Result<(app::types::Stage, String), AppError> {
        let now = self.now();
        let stage = flow::start(facts, event).map_err(|_| AppError::Internal)?;
        if let Some(old) = &req.session_token {
            session::delete_by_token(tx, old)
                .await
                .or_internal("ending the previous session")?;
        }
        let device_hash = self.device(req).hash();
        let opening = session::Opening {
            ip: req.ip,
            user_agent: &req.user_agent,
            device_hash: &device_hash,
        };
        let (session_id, token) = session::create(
            tx,
            &self.settings.sessions,
            user.id,
            stage,
            stage.is_full() && fully,
            opening,
            now,
        )
        .await
        .or_internal("creating a session")?;
        if stage.is_full() {
            self.sign_in_completed(tx, req, user, session_id, &device_hash)
                .await?;
        } else if stage == app::types::Stage::SecondFactor {
            self.expect_second_step(tx, req, user, session_id, &device_hash)
                .await?;
        }
        self.remember_locale(tx, req, user).await?;
        Ok((stage, token))
    }

    pub(super) fn address_limit(&self) -> Limit {
        Limit {
            max: self.settings.protection.failures_per_address,
            window_secs: SIGNIN_FAILURE_WINDOW_SECS,
        }
    }

    /// An attempt that was not judged (unknown account, locked, or every attempt of the account
    /// already claimed): recorded, and refused like a wrong password.
    async fn refuse_unjudged(
        &self,
        req: &RequestInfo,
        identifier: &str,
    ) -> Result<AppError, AppError> {
        let mut conn = self.conn().await?;
        let known = users::find_by_identifier(&mut conn, identifier)
            .await
            .or_internal("looking up an account")?;
        let (event, subject) = match &known {
            Some(u) => (Event::AttemptRefused, Some(u.id)),
            None => (Event::UnknownAccount, None),
        };
        let locked = known.as_ref().is_some_and(|u| u.locked_at.is_some());
        self.audit(
            &mut conn,
            req,
            event,
            None,
            subject,
            json!({ "locked": locked }),
        )
        .await?;
        Ok(AppError::SignInFailed)
    }

    /// A claimed attempt whose password was wrong: the claim becomes a counted failure (at the
    /// threshold the account locks and its owner is told), in one transaction.
    async fn refuse_wrong(&self, req: &RequestInfo, user: &User) -> Result<AppError, AppError> {
        let mut tx = self.begin().await?;
        let failures = users::record_wrong_password(&mut tx, user.id)
            .await
            .or_internal("counting a failure")?;
        self.after_wrong_password(&mut tx, req, user, "sign_in", failures)
            .await?;
        tx.commit().await.or_internal("committing")?;
        Ok(AppError::SignInFailed)
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
        let bucket = req
            .ip
            .map(|ip| rate_limit::address_bucket("signin-failures", ip));
        // The address's attempt and the account's are claimed before hashing, in one transaction.
        let claimed = {
            let mut tx = core.begin_counters().await?;
            if let Some(bucket) = &bucket {
                if !rate_limit::hit(&mut tx, bucket, core.address_limit(), now)
                    .await
                    .or_internal("rate limit")?
                {
                    // Refused before any work: the answer says nothing about the account. (The
                    // audit entry is written durably, outside the counters' transaction.)
                    tx.commit().await.or_internal("committing")?;
                    let mut conn = core.conn().await?;
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
            let claimed = users::claim_sign_in(&mut tx, identifier, threshold, now)
                .await
                .or_internal("claiming an attempt")?;
            tx.commit().await.or_internal("committing a claim")?;
            claimed
        };
        // One argon2 run whatever happens: an unclaimed attempt hashes against the dummy.
        let stored = claimed.as_ref().and_then(|u| u.password_hash.clone());
        let password_ok = match core
            .hasher
            .verify(ticket, password.to_string(), stored)
            .await
        {
            Ok(ok) => ok,
            Err(e) => {
                if let Some(user) = &claimed {
                    if let Ok(mut conn) = core.conn().await {
                        let _ = users::release_claim(&mut conn, user.id).await;
                    }
                }
                tracing::error!(error = %e, "hashing a password");
                return Err(AppError::Internal);
            }
        };
        let Some(user) = claimed else {
            // Unknown, locked, or every attempt of the account is being judged: refused unjudged.
            return Err(core.refuse_unjudged(req, identifier).await?);
        };
        if !password_ok {
            return Err(core.refuse_wrong(req, &user).await?);
        }
        // Everything after a right password is one transaction: the address's attempt given back, the
        // claim settled (refused if a burst locked the account while this one was hashed), the old
        // session out, the new one in, the sign-in recorded.
        let mut tx = core.begin().await?;
        // Rows are locked in the claim's order (the address's counter, then the account), so two
        // sign-ins of one account from one address never wait on each other in a cycle.
        if let Some(bucket) = &bucket {
            rate_limit::refund(&mut tx, bucket)
                .await
                .or_internal("rate limit")?;
        }
        if !users::record_right_password(&mut tx, user.id)
            .await
            .or_internal("recording a sign-in")?
        {
            let detail = json!({ "locked": true });
            core.audit(
                &mut tx,
                req,
                Event::AttemptRefused,
                None,
                Some(user.id),
                detail,
            )
            .await?;
            tx.commit().await.or_internal("committing")?;
            return Err(AppError::SignInFailed);
        }
        // After a right password the answer may say what to do next: the person knows the password.
        if let Some((event, error)) = refused_after_proof(&user, now) {
            core.audit(&mut tx, req, event, None, Some(user.id), json!({}))
                .await?;
            tx.commit().await.or_internal("committing")?;
            return Err(error);
        }
        let facts = core.facts(&mut tx, &user).await?;
        // A browser the user trusted skips the second step (while there is a factor to skip).
        let trusted = match (&req.trusted_browser, facts.has_second_factor) {
            (Some(token), true) => trusted_browser::recognises(&mut tx, token, user.id, now)
                .await
                .or_internal("checking a browser")?,
            _ => false,
        };
        let event = flow::Event::PasswordVerified {
            trusted_browser: trusted,
        };
        // A full sign-in by password alone is a full authentication only without a factor to skip.
        let (stage, token) = core
            .open_session(&mut tx, req, &user, &facts, event, !facts.has_second_factor)
            .await?;
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
