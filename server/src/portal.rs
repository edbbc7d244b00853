//! The services behind the server functions: the `app::service::Portal` interface, implemented over the
//! database, the password hasher and the session store.
use app::error::AppError;
use app::policy::{self, PasswordOwner};
use app::service::{IssuedSession, Lookup, Portal, RequestInfo};
use app::types::{SessionState, SessionSummary, SignInStep, Stage, Viewer};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use crate::audit::{self, Event};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::password::PasswordHasher;
use crate::sessions::{Resolved, SessionRow, SessionStore};
use crate::signin::{next_stage, password_change_reason, AccountFacts, Lifecycle, Progress};
use crate::users::{self, User};

pub struct Services {
    pub db: Db,
    pub clock: SharedClock,
    pub hasher: Arc<PasswordHasher>,
    pub sessions: SessionStore,
    pub lifecycle: Lifecycle,
}

/// Turns an unexpected failure into the generic error, logging what happened (never a secret).
trait OrInternal<T> {
    fn or_internal(self, what: &'static str) -> Result<T, AppError>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, what: &'static str) -> Result<T, AppError> {
        self.map_err(|e| {
            tracing::error!(error = %e, "{what}");
            AppError::Internal
        })
    }
}

impl Services {
    fn now(&self) -> i64 {
        self.clock.now()
    }

    async fn audit(
        &self,
        req: &RequestInfo,
        name: &str,
        actor: Option<i64>,
        subject: Option<i64>,
        detail: serde_json::Value,
    ) {
        audit::record(
            &self.db,
            self.now(),
            Event {
                name,
                actor,
                subject,
                ip: req.ip,
                detail,
            },
        )
        .await;
    }

    /// The session and user behind the request, in whatever stage.
    async fn current(&self, req: &RequestInfo) -> Result<(SessionRow, User), AppError> {
        let token = req.session_token.as_deref().ok_or(AppError::NotSignedIn)?;
        let session = match self
            .sessions
            .resolve(token, self.now())
            .await
            .or_internal("resolving a session")?
        {
            Resolved::Live(row) => row,
            Resolved::Unknown | Resolved::Ended(_) => return Err(AppError::SessionExpired),
        };
        let user = users::find_by_id(&self.db, session.user_id)
            .await
            .or_internal("loading a user")?;
        match user {
            Some(user) if !user.disabled => Ok((session, user)),
            _ => {
                self.sessions
                    .delete(session.id)
                    .await
                    .or_internal("ending a session")?;
                Err(AppError::SessionExpired)
            }
        }
    }

    /// Only a full session passes: a partial one can do nothing but its next step.
    async fn require_full(&self, req: &RequestInfo) -> Result<(SessionRow, User), AppError> {
        let (session, user) = self.current(req).await?;
        if !session.stage.is_full() {
            return Err(AppError::SignInIncomplete);
        }
        Ok((session, user))
    }

    async fn facts(&self, user: &User, previous_sign_in: Option<i64>) -> AccountFacts {
        AccountFacts {
            password_change: password_change_reason(
                user.password_temporary,
                user.password_changed_at,
                previous_sign_in,
                self.now(),
                &self.lifecycle,
            ),
            // Second factors arrive with their own services; until one is enrolled there is none to ask.
            has_second_factor: false,
            mfa_required: user.mfa_required,
            in_mfa_grace: user.mfa_grace_until.is_some_and(|until| self.now() < until),
        }
    }

    fn viewer(&self, user: &User, stage: Stage) -> Viewer {
        Viewer {
            username: user.username.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            stage,
            idle_timeout_secs: self.sessions.policy().idle.as_secs(),
        }
    }

    fn issued(&self, token: String) -> IssuedSession {
        IssuedSession {
            token,
            max_age_secs: self.sessions.policy().absolute.as_secs(),
        }
    }
}

#[async_trait]
impl Portal for Services {
    async fn sign_in(
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
        let user = users::find_by_identifier(&self.db, identifier)
            .await
            .or_internal("looking up an account")?;
        // Always one argon2 run, account or not, so the answer's timing says nothing.
        let password_ok = self
            .hasher
            .verify(
                password.to_string(),
                user.as_ref().and_then(|u| u.password_hash.clone()),
            )
            .await
            .or_internal("verifying a password")?;
        let Some(user) = user else {
            self.audit(req, "sign_in.unknown_account", None, None, json!({}))
                .await;
            return Err(AppError::SignInFailed);
        };
        if !password_ok {
            let failures = users::record_failed_sign_in(&self.db, user.id)
                .await
                .or_internal("counting a failure")?;
            self.audit(
                req,
                "sign_in.wrong_password",
                None,
                Some(user.id),
                json!({ "consecutive": failures }),
            )
            .await;
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
        let now = self.now();
        let facts = self.facts(&user, user.last_sign_in_at).await;
        let stage = next_stage(&facts, Progress::default());
        users::record_sign_in(&self.db, user.id, now)
            .await
            .or_internal("recording a sign-in")?;
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
        self.audit(
            req,
            "sign_in.password_ok",
            Some(user.id),
            Some(user.id),
            json!({ "stage": stage.as_db() }),
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

    async fn session_state(&self, req: &RequestInfo) -> Result<Lookup, AppError> {
        if req.session_token.is_none() {
            return Ok(Lookup {
                state: SessionState::Anonymous,
                clear_cookie: false,
            });
        }
        match self.current(req).await {
            Ok((session, user)) => Ok(Lookup {
                state: SessionState::Active(self.viewer(&user, session.stage)),
                clear_cookie: false,
            }),
            Err(AppError::SessionExpired) => Ok(Lookup {
                state: SessionState::Expired,
                clear_cookie: true,
            }),
            Err(e) => Err(e),
        }
    }

    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError> {
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

    async fn change_password(
        &self,
        req: &RequestInfo,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<SignInStep, AppError> {
        let (session, user) = self.current(req).await?;
        if !matches!(session.stage, Stage::Full | Stage::PasswordChange(_)) {
            return Err(AppError::SignInIncomplete);
        }
        if new != confirm {
            return Err(AppError::Invalid(
                "The new password and its confirmation are different.".into(),
            ));
        }
        let owner = PasswordOwner {
            username: user.username.clone(),
            email: user.email.clone(),
        };
        let broken = policy::violations(new, &owner);
        if !broken.is_empty() {
            return Err(AppError::PasswordRejected(broken));
        }
        let current_ok = self
            .hasher
            .verify(current.to_string(), user.password_hash.clone())
            .await
            .or_internal("verifying a password")?;
        if !current_ok {
            self.audit(
                req,
                "password.change_wrong_current",
                Some(user.id),
                Some(user.id),
                json!({}),
            )
            .await;
            return Err(AppError::WrongPassword);
        }
        if current == new {
            return Err(AppError::Invalid(
                "The new password must be different from the current one.".into(),
            ));
        }
        let hash = self
            .hasher
            .hash(new.to_string())
            .await
            .or_internal("hashing a password")?;
        let now = self.now();
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, password_temporary = 0 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now)
        .bind(user.id)
        .execute(&self.db.pool)
        .await
        .or_internal("storing a password")?;
        let ended = self
            .sessions
            .delete_all_for_user(user.id, Some(session.id))
            .await
            .or_internal("ending other sessions")?;
        let reason = match session.stage {
            Stage::PasswordChange(reason) => Some(reason),
            _ => None,
        };
        // The password step and (for a partial session) any earlier step are behind us; ask what is next.
        let mut facts = self.facts(&user, user.last_sign_in_at).await;
        facts.password_change = reason;
        let stage = next_stage(
            &facts,
            Progress {
                second_factor_done: true,
                password_changed: true,
                enrolled: false,
            },
        );
        self.sessions
            .set_stage(session.id, stage)
            .await
            .or_internal("advancing a session")?;
        self.audit(
            req,
            "password.changed",
            Some(user.id),
            Some(user.id),
            json!({ "forced": reason.map(|r| format!("{r:?}")), "other_sessions_ended": ended }),
        )
        .await;
        Ok(SignInStep {
            stage,
            next: stage.path().to_string(),
        })
    }

    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError> {
        let (current, user) = self.require_full(req).await?;
        let rows = self
            .sessions
            .live_for_user(user.id, self.now())
            .await
            .or_internal("listing sessions")?;
        Ok(rows
            .into_iter()
            .map(|s| SessionSummary {
                current: s.id == current.id,
                id: s.public_id,
                browser: app::format::browser_name(&s.user_agent),
                ip: s.ip,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            })
            .collect())
    }

    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let (current, user) = self.require_full(req).await?;
        if id == current.public_id {
            return Err(AppError::Invalid("To end this session, sign out.".into()));
        }
        if !self
            .sessions
            .delete_for_user(user.id, id)
            .await
            .or_internal("ending a session")?
        {
            return Err(AppError::NotFound);
        }
        self.audit(
            req,
            "session.revoked",
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await;
        Ok(())
    }

    async fn revoke_other_sessions(&self, req: &RequestInfo) -> Result<u64, AppError> {
        let (current, user) = self.require_full(req).await?;
        let n = self
            .sessions
            .delete_all_for_user(user.id, Some(current.id))
            .await
            .or_internal("ending sessions")?;
        self.audit(
            req,
            "session.revoked_others",
            Some(user.id),
            Some(user.id),
            json!({ "count": n }),
        )
        .await;
        Ok(n)
    }
}
