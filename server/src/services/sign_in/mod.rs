//! The password step of signing in, the session behind a request, and signing out.
//!
//! Every limit is claimed before the work: a place in the hashing queue (or "busy" at once), the
//! address's attempt (`rate_limit::hit`; a right password gives it back) and the account's own attempt
//! (`users::claim_sign_in`), each by one atomic statement; then one argon2 run, which every attempt costs,
//! known account or not, locked or not; then one transaction settles the claim and records the outcome
//! (for a right password: the old session out, the new one in, the sign-in recorded). However many
//! attempts arrive together, on however many instances, at most the lockout threshold are ever judged,
//! and a right password behind a burst that locked the account is refused like any other.
//!
//! A completed sign-in is the most frequent write, so it costs few statements: the claim also counts
//! the account's second factors, and one statement settles a right password, records the sign-in and
//! counts the factors again (`users::settle_right_sign_in`: if one was added or removed while the
//! password was hashed, the step is decided again from the new count).
use app::error::AppError;
use app::policy;
use app::service::{CookieChange, RequestInfo, SignInService};
use app::types::{SessionState, SignInStep, Viewer};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::flow::Capability;
use crate::auth::rate_limit::{self, Limit, SIGNIN_FAILURE_WINDOW_SECS};
use crate::auth::session;
use crate::db::Conn;
use crate::users::{self, User};

mod opening;

use opening::PasswordStep;
pub(super) use opening::Proof;

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
        // The address's attempt and the account's are claimed before hashing, each by one atomic
        // statement, without waiting for the disk (`Db::begin_counters`).
        let claimed = {
            let mut tx = core.begin_counters().await?;
            if let Some(bucket) = &bucket {
                if !rate_limit::hit(&mut tx, bucket, core.address_limit(), now)
                    .await
                    .or_internal("rate limit")?
                {
                    // Refused before any work: the answer says nothing about the account. (The
                    // audit entry is written durably, apart from the counters.)
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
        let stored = claimed.as_ref().and_then(|c| c.user.password_hash.clone());
        let password_ok = match core
            .hasher
            .verify(ticket, password.to_string(), stored)
            .await
        {
            Ok(ok) => ok,
            Err(e) => {
                if let Some(claim) = &claimed {
                    if let Ok(mut conn) = core.conn().await {
                        let _ = users::release_claim(&mut conn, claim.user.id).await;
                    }
                }
                tracing::error!(error = %e, "hashing a password");
                return Err(AppError::Internal);
            }
        };
        let Some(users::Claimed {
            user,
            confirmed_factors,
        }) = claimed
        else {
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
        // Where the password leads is planned from the claim's count of second factors; the statement
        // that settles the claim records the sign-in if it completes, unless the count changed since.
        // (After a right password the answer may say what to do next: the person knows the password.)
        let plan = match refused_after_proof(&user, now) {
            Some(refusal) => Err(refusal),
            None => Ok(core
                .password_step(&mut tx, req, &user, confirmed_factors > 0)
                .await?),
        };
        let completed_at = plan
            .as_ref()
            .ok()
            .filter(|s| s.stage.is_full())
            .map(|_| now);
        let Some(factors_now) =
            users::settle_right_sign_in(&mut tx, user.id, confirmed_factors, completed_at)
                .await
                .or_internal("recording a sign-in")?
        else {
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
        };
        let mut step = match plan {
            Ok(step) => step,
            Err((event, error)) => {
                core.audit(&mut tx, req, event, None, Some(user.id), json!({}))
                    .await?;
                tx.commit().await.or_internal("committing")?;
                return Err(error);
            }
        };
        let recorded = completed_at.is_some() && factors_now == confirmed_factors;
        if factors_now != confirmed_factors {
            // A factor was added or removed while the password was hashed: decided again.
            step = core
                .password_step(&mut tx, req, &user, factors_now > 0)
                .await?;
        }
        let PasswordStep {
            facts,
            trusted,
            event,
            ..
        } = step;
        // A full sign-in by password alone is a full authentication only without a factor to skip.
        let proof = Proof {
            event,
            fully: !facts.has_second_factor,
            last_sign_in_recorded: recorded,
        };
        let (stage, token) = core
            .open_session(&mut tx, req, &user, &facts, proof)
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
