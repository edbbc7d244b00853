//! The services behind the server functions: the `app::service::Portal` interface, implemented over the
//! database, the password hasher, the session store and the outbox. One file per capability.
mod challenge;
mod factors;
mod passwords;
mod sessions;
mod signin;

use app::error::AppError;
use app::service::{IssuedSession, Lookup, Portal, RequestInfo};
use app::types::{
    ChallengeInfo, Enrolled, FactorKind, LinkInfo, LinkKind, MailView, SecurityOverview,
    SessionSummary, SignInStep, Stage, TotpSetup, Viewer,
};
use async_trait::async_trait;
use std::sync::Arc;

use crate::audit::{self, Event};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::keyring::Keyring;
use crate::mail::{self, Message};
use crate::password::PasswordHasher;
use crate::sessions::{Resolved, SessionRow, SessionStore};
use crate::signin::{password_change_reason, AccountFacts, Lifecycle};
use crate::users::{self, User};

/// Account-protection settings.
#[derive(Debug, Clone, Copy)]
pub struct Protection {
    /// Consecutive wrong passwords that lock an account.
    pub lockout_threshold: i64,
    /// Failed sign-ins from one address per window before it must wait.
    pub failures_per_address: i64,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            lockout_threshold: 5,
            failures_per_address: 50,
        }
    }
}

/// Mandatory two-factor authentication for everyone, and the grace period to set it up.
#[derive(Debug, Clone, Copy, Default)]
pub struct MfaPolicy {
    pub required_for_all: bool,
    pub grace_secs: Option<i64>,
}

pub struct Services {
    pub db: Db,
    pub keys: Keyring,
    pub mfa: MfaPolicy,
    /// How long "don't ask again on this browser" lasts.
    pub trust_lifetime_secs: i64,
    pub clock: SharedClock,
    pub hasher: Arc<PasswordHasher>,
    pub sessions: SessionStore,
    pub lifecycle: Lifecycle,
    pub protection: Protection,
    /// The origin of links in emails.
    pub public_url: url::Url,
    /// Whether /dev/mailbox may show the outbox.
    pub dev_mailbox: bool,
}

/// Turns an unexpected failure into the generic error, logging what happened (never a secret).
pub(crate) trait OrInternal<T> {
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

    /// When, from where and with what browser the request came (for emails).
    fn origin(&self, req: &RequestInfo) -> mail::Origin {
        mail::Origin {
            at: self.now(),
            ip: req.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            browser: app::format::browser_name(&req.user_agent),
        }
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// Queues an email; a failure to queue is logged but does not undo what the user did.
    async fn send(&self, to: &str, message: &Message) {
        if let Err(e) = mail::enqueue(&self.db, to, message, self.now()).await {
            tracing::error!(error = %e, "could not queue an email");
        }
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

    /// Whether two-factor authentication is mandatory for the user (their flag, or for everyone).
    fn mfa_required(&self, user: &User) -> bool {
        user.mfa_required || self.mfa.required_for_all
    }

    /// What the sign-in state machine needs to know about the account now.
    async fn facts(
        &self,
        user: &User,
        previous_sign_in: Option<i64>,
    ) -> Result<AccountFacts, AppError> {
        let now = self.now();
        let has_second_factor = crate::factors::has_confirmed(&self.db, user.id)
            .await
            .or_internal("reading second factors")?;
        let mfa_required = self.mfa_required(user);
        let mut grace_until = user.mfa_grace_until;
        // The first time a mandatory policy with a grace period meets this user without a factor, the
        // countdown starts.
        if mfa_required && !has_second_factor && grace_until.is_none() {
            if let Some(grace) = self.mfa.grace_secs {
                crate::users::start_mfa_grace(&self.db, user.id, now + grace)
                    .await
                    .or_internal("starting a grace period")?;
                grace_until = Some(now + grace);
            }
        }
        Ok(AccountFacts {
            password_change: password_change_reason(
                user.password_temporary,
                user.password_changed_at,
                previous_sign_in,
                now,
                &self.lifecycle,
            ),
            has_second_factor,
            mfa_required,
            in_mfa_grace: grace_until.is_some_and(|until| now < until),
        })
    }

    async fn viewer(&self, user: &User, stage: Stage) -> Result<Viewer, AppError> {
        let now = self.now();
        let two_factor_grace_days = match user.mfa_grace_until {
            Some(until) if self.mfa_required(user) && now < until => {
                let enrolled = crate::factors::has_confirmed(&self.db, user.id)
                    .await
                    .or_internal("reading second factors")?;
                (!enrolled).then(|| crate::expiry::days_left(until, now))
            }
            _ => None,
        };
        Ok(Viewer {
            username: user.username.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            stage,
            idle_timeout_secs: self.sessions.policy().idle.as_secs(),
            password_expires_in_days: crate::expiry::banner_days(
                user.password_changed_at,
                user.password_temporary,
                now,
                &self.lifecycle,
            ),
            two_factor_grace_days,
        })
    }

    /// Moves a session to the stage the state machine chose; a session that becomes full completes the
    /// sign-in (dormancy is measured from it).
    async fn advance(
        &self,
        session: &SessionRow,
        user: &User,
        stage: Stage,
    ) -> Result<SignInStep, AppError> {
        self.sessions
            .set_stage(session.id, stage)
            .await
            .or_internal("advancing a session")?;
        if stage.is_full() && !session.stage.is_full() {
            users::record_completed_sign_in(&self.db, user.id, self.now())
                .await
                .or_internal("recording a sign-in")?;
        }
        Ok(SignInStep {
            stage,
            next: stage.path().to_string(),
        })
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
        self.password_step(req, identifier, password).await
    }

    async fn session_state(&self, req: &RequestInfo) -> Result<Lookup, AppError> {
        self.lookup(req).await
    }

    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError> {
        self.end_session(req).await
    }

    async fn change_password(
        &self,
        req: &RequestInfo,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<SignInStep, AppError> {
        self.change_own_password(req, current, new, confirm).await
    }

    async fn request_password_reset(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError> {
        self.forgot_password(req, username, email).await
    }

    async fn inspect_link(
        &self,
        _req: &RequestInfo,
        kind: LinkKind,
        token: &str,
    ) -> Result<LinkInfo, AppError> {
        self.link_owner(kind, token).await
    }

    async fn set_password_by_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        self.password_from_link(req, kind, token, new, confirm)
            .await
    }

    async fn unlock_by_link(&self, req: &RequestInfo, token: &str) -> Result<(), AppError> {
        self.unlock_from_link(req, token).await
    }

    async fn dev_mailbox(&self, _req: &RequestInfo) -> Result<Vec<MailView>, AppError> {
        if !self.dev_mailbox {
            return Err(AppError::NotFound);
        }
        let stored = mail::recent(&self.db, 200)
            .await
            .or_internal("reading the outbox")?;
        Ok(stored
            .into_iter()
            .map(|m| MailView {
                id: m.id,
                at: m.created_at,
                recipient: m.recipient,
                subject: m.subject,
                body: m.text_body,
                kind: m.kind,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
            })
            .collect())
    }

    async fn security_overview(&self, req: &RequestInfo) -> Result<SecurityOverview, AppError> {
        self.overview(req).await
    }

    async fn confirm_password(&self, req: &RequestInfo, password: &str) -> Result<(), AppError> {
        self.reauthenticate(req, password).await
    }

    async fn begin_totp(&self, req: &RequestInfo) -> Result<TotpSetup, AppError> {
        self.start_totp(req).await
    }

    async fn confirm_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        self.finish_totp(req, factor_id, code, label).await
    }

    async fn remove_factor(&self, req: &RequestInfo, factor_id: i64) -> Result<(), AppError> {
        self.delete_factor(req, factor_id).await
    }

    async fn set_default_factor(
        &self,
        req: &RequestInfo,
        kind: FactorKind,
    ) -> Result<(), AppError> {
        self.choose_default_factor(req, kind).await
    }

    async fn regenerate_backup_codes(&self, req: &RequestInfo) -> Result<Vec<String>, AppError> {
        self.new_backup_codes(req).await
    }

    async fn revoke_trusted_browser(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        self.forget_browser(req, id).await
    }

    async fn challenge(&self, req: &RequestInfo) -> Result<ChallengeInfo, AppError> {
        self.challenge_info(req).await
    }

    async fn verify_second_factor(
        &self,
        req: &RequestInfo,
        kind: Option<FactorKind>,
        code: &str,
        trust: bool,
    ) -> Result<(SignInStep, Option<IssuedSession>), AppError> {
        self.second_step(req, kind, code, trust).await
    }

    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError> {
        self.own_sessions(req).await
    }

    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        self.end_own_session(req, id).await
    }

    async fn revoke_other_sessions(&self, req: &RequestInfo) -> Result<u64, AppError> {
        self.end_other_sessions(req).await
    }
}
