//! The password step of signing in, with lockout and per-address throttling; session look-up; sign-out.
use app::error::AppError;
use app::policy;
use app::service::{IssuedSession, Lookup, RequestInfo};
use app::types::{SessionState, SignInStep};
use serde_json::json;

use super::{OrInternal, Services};
use crate::mail::Message;
use crate::rate_limit::{self, Limit, SIGNIN_FAILURE_WINDOW_SECS};
use crate::signin::{next_stage, Progress};
use crate::tokens::{self, Purpose};
use crate::users::{self, User};

impl Services {
    fn address_bucket(req: &RequestInfo) -> Option<String> {
        req.ip.map(|ip| format!("signin-failures:{ip}"))
    }

    fn address_limit(&self) -> Limit {
        Limit {
            max: self.protection.failures_per_address,
            window_secs: SIGNIN_FAILURE_WINDOW_SECS,
        }
    }

    async fn count_address_failure(&self, req: &RequestInfo) {
        if let Some(bucket) = Self::address_bucket(req) {
            if let Err(e) =
                rate_limit::hit(&self.db, &bucket, self.address_limit(), self.now()).await
            {
                tracing::error!(error = %e, "could not count a failed sign-in");
            }
        }
    }

    pub(super) async fn password_step(
        &self,
        req: &RequestInfo,
        identifier: &str,
        password: &str,
    ) -> Result<(SignInStep, IssuedSession), AppError> {
        let identifier = identifier.trim();
        if identifier.is_empty()
            || password.is_empty()
            || password.chars().count() > policy::MAX_LENGTH
        {
            return Err(AppError::SignInFailed);
        }
        let now = self.now();
        // An address that has failed too often waits, before any hashing work is spent on it.
        if let Some(bucket) = Self::address_bucket(req) {
            if rate_limit::exhausted(&self.db, &bucket, self.address_limit(), now)
                .await
                .or_internal("rate limit")?
            {
                self.audit(req, "sign_in.throttled_address", None, None, json!({}))
                    .await;
                return Err(AppError::RateLimited);
            }
        }
        let user = users::find_by_identifier(&self.db, identifier)
            .await
            .or_internal("looking up an account")?;
        // Always one argon2 run, account or not, locked or not, so the answer's timing says nothing.
        let password_ok = self
            .hasher
            .verify(
                password.to_string(),
                user.as_ref().and_then(|u| u.password_hash.clone()),
            )
            .await
            .or_internal("verifying a password")?;
        let Some(user) = user else {
            self.count_address_failure(req).await;
            self.audit(req, "sign_in.unknown_account", None, None, json!({}))
                .await;
            return Err(AppError::SignInFailed);
        };
        if user.locked_at.is_some() {
            if !password_ok {
                self.count_address_failure(req).await;
            }
            self.audit(
                req,
                "sign_in.locked_account",
                None,
                Some(user.id),
                json!({ "password_ok": password_ok }),
            )
            .await;
            return Err(AppError::SignInFailed);
        }
        if !password_ok {
            self.wrong_password(req, &user).await?;
            return Err(AppError::SignInFailed);
        }
        if user.disabled {
            self.audit(
                req,
                "sign_in.disabled_account",
                None,
                Some(user.id),
                json!({}),
            )
            .await;
            return Err(AppError::SignInFailed);
        }
        if user.password_temporary && user.temporary_until.is_some_and(|until| now >= until) {
            self.audit(
                req,
                "sign_in.temporary_password_expired",
                None,
                Some(user.id),
                json!({}),
            )
            .await;
            return Err(AppError::SignInFailed);
        }
        let facts = self.facts(&user, user.last_sign_in_at).await?;
        // A browser the user trusted skips the second step (while it has a factor to skip).
        let trusted = match (&req.trusted_browser, facts.has_second_factor) {
            (Some(token), true) => crate::trusted::recognises(&self.db, token, user.id, now)
                .await
                .or_internal("checking a browser")?,
            _ => false,
        };
        let stage = next_stage(
            &facts,
            Progress {
                second_factor_done: trusted,
                ..Progress::default()
            },
        );
        // A completed sign-in resets the failure count with its own record (below); a partial one here.
        if !stage.is_full() && user.failed_sign_ins > 0 {
            users::record_correct_password(&self.db, user.id)
                .await
                .or_internal("recording a sign-in")?;
        }
        // The browser's old session (if any) ends: a sign-in always starts a new one with a new token.
        if let Some(old) = &req.session_token {
            self.sessions
                .delete_by_token(old)
                .await
                .or_internal("ending the previous session")?;
        }
        let (token, _) = self
            .sessions
            .create(user.id, stage, req.ip, &req.user_agent, now)
            .await
            .or_internal("creating a session")?;
        if stage.is_full() {
            users::record_completed_sign_in(&self.db, user.id, now)
                .await
                .or_internal("recording a sign-in")?;
        }
        self.audit(
            req,
            "sign_in.password_ok",
            Some(user.id),
            Some(user.id),
            json!({ "stage": stage.as_db(), "trusted_browser": trusted }),
        )
        .await;
        Ok((
            SignInStep {
                stage,
                next: stage.path().to_string(),
            },
            self.issued(token),
        ))
    }

    /// Counts the failure; the one that reaches the threshold locks the account and tells its owner.
    async fn wrong_password(&self, req: &RequestInfo, user: &User) -> Result<(), AppError> {
        let failures = users::record_failed_sign_in(&self.db, user.id)
            .await
            .or_internal("counting a failure")?;
        self.count_address_failure(req).await;
        self.audit(
            req,
            "sign_in.wrong_password",
            None,
            Some(user.id),
            json!({ "consecutive": failures }),
        )
        .await;
        if failures < self.protection.lockout_threshold {
            return Ok(());
        }
        let now = self.now();
        if users::lock(&self.db, user.id, now)
            .await
            .or_internal("locking an account")?
        {
            let token = tokens::issue(&self.db, user.id, Purpose::Unlock, now)
                .await
                .or_internal("issuing a link")?;
            let message = Message::AccountLocked {
                username: user.username.clone(),
                unlock_link: tokens::link(&self.public_url, Purpose::Unlock, &token),
                reset_link: self.link("/forgot-password"),
                failures,
                origin: self.origin(req),
            };
            self.send(&user.email, &message).await;
            self.audit(
                req,
                "account.locked",
                None,
                Some(user.id),
                json!({ "failures": failures }),
            )
            .await;
        }
        Ok(())
    }

    pub(super) async fn lookup(&self, req: &RequestInfo) -> Result<Lookup, AppError> {
        if req.session_token.is_none() {
            return Ok(Lookup {
                state: SessionState::Anonymous,
                clear_cookie: false,
            });
        }
        match self.current(req).await {
            Ok((session, user)) => Ok(Lookup {
                state: SessionState::Active(self.viewer(&user, session.stage).await?),
                clear_cookie: false,
            }),
            Err(AppError::SessionExpired) => Ok(Lookup {
                state: SessionState::Expired,
                clear_cookie: true,
            }),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn end_session(&self, req: &RequestInfo) -> Result<(), AppError> {
        let Some(token) = req.session_token.as_deref() else {
            return Ok(());
        };
        if let Ok((session, user)) = self.current(req).await {
            self.sessions
                .delete(session.id)
                .await
                .or_internal("ending a session")?;
            self.audit(
                req,
                "session.signed_out",
                Some(user.id),
                Some(user.id),
                json!({}),
            )
            .await;
        } else {
            self.sessions
                .delete_by_token(token)
                .await
                .or_internal("ending a session")?;
        }
        Ok(())
    }
}
