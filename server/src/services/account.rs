//! Passwords and emailed links: change (signed in or forced), forgot-password, invitations, unlock.
//!
//! Forgot-password requests are answered in `forgot`.
use app::error::{AppError, Invalid};
use app::policy::{self, PasswordOwner, Rule};
use app::service::{AccountService, RequestInfo};
use app::types::{LinkInfo, LinkKind, SignInStep, Stage};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

use super::credentials::Change;
use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::email_links::{self, Purpose};
use crate::auth::flow::{self, Capability};
use crate::auth::{attempts, common_passwords, session};
use crate::users::{self, User};

mod forgot;
/// Every forgot-password answer takes at least this long, matching account or not.
const RESET_ANSWER_FLOOR: Duration = Duration::from_millis(250);

pub struct Account(pub Arc<Core>);

impl Core {
    /// The shared rules, then the common-passwords list; each broken rule is reported.
    pub fn check_new_password(
        &self,
        user: &User,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        let owner = PasswordOwner {
            username: user.username.clone(),
            email: user.email.clone(),
        };
        let mut broken = policy::violations(new, &owner);
        if common_passwords::is_common(new) {
            broken.push(Rule::NotCommon);
        }
        if !broken.is_empty() {
            return Err(AppError::PasswordRejected(broken));
        }
        if new != confirm {
            return Err(AppError::Invalid(Invalid::PasswordsDiffer));
        }
        Ok(())
    }

    /// An argon2 hash of a new password, on the shared pool.
    pub async fn hash_password(&self, password: &str) -> Result<String, AppError> {
        let ticket = self.ticket()?;
        self.hasher
            .hash(ticket, password.to_string())
            .await
            .or_internal("hashing a password")
    }

    fn purpose(kind: LinkKind) -> Purpose {
        match kind {
            LinkKind::Reset => Purpose::Reset,
            LinkKind::Invite => Purpose::Invite,
            LinkKind::Unlock => Purpose::Unlock,
            LinkKind::NotMe => Purpose::NotMe,
        }
    }

    /// The live account behind a still-valid link.
    async fn link_user(
        &self,
        conn: &mut crate::db::Conn,
        kind: LinkKind,
        token: &str,
    ) -> Result<User, AppError> {
        let live = email_links::peek(conn, token, Self::purpose(kind), self.now())
            .await
            .or_internal("reading a link")?
            .ok_or(AppError::LinkInvalid)?;
        users::find_by_id(conn, live.user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled)
            .ok_or(AppError::LinkInvalid)
    }
}

#[async_trait]
impl AccountService for Account {
    #[tracing::instrument(name = "account.change_password", skip_all)]
    async fn change_password(
        &self,
        req: &RequestInfo,
        current_password: &str,
        new: &str,
        confirm: &str,
    ) -> Result<SignInStep, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::ChangePassword).await?;
        let user = &current.user;
        core.check_new_password(user, new, confirm)?;
        // A wrong current password counts toward the same lockout as signing in.
        match core
            .check_own_password(&mut conn, req, user, current_password, "change_password")
            .await
        {
            Ok(()) => {}
            Err(AppError::WrongPassword) => {
                core.audit(
                    &mut conn,
                    req,
                    Event::PasswordChangeWrongCurrent,
                    Some(user.id),
                    Some(user.id),
                    json!({}),
                )
                .await?;
                return Err(AppError::WrongPassword);
            }
            Err(e) => return Err(e),
        }
        if current_password == new {
            return Err(AppError::Invalid(Invalid::SamePassword));
        }
        let hash = core.hash_password(new).await?;
        drop(conn);
        let now = core.now();
        let mut tx = core.begin().await?;
        users::set_password(&mut tx, user.id, &hash, now, false)
            .await
            .or_internal("storing a password")?;
        let ended = core
            .credentials_changed(
                &mut tx,
                Some(req),
                user,
                Change::PasswordChanged,
                Some(current.session.id),
            )
            .await?;
        let forced = match current.session.stage {
            Stage::PasswordChange(reason) => Some(reason),
            _ => None,
        };
        // The forced change is a step of the sign-in; from the menu the session stays full. Either way
        // the session gets a new token.
        let (stage, token) = if forced.is_some() {
            core.advance(&mut tx, req, &current, flow::Event::PasswordChanged, true)
                .await?
        } else {
            let token = session::reauthenticated(&mut tx, current.session.id, now)
                .await
                .or_internal("renewing a session")?;
            (Stage::Full, token)
        };
        core.audit(
            &mut tx,
            req,
            Event::PasswordChanged,
            Some(user.id),
            Some(user.id),
            json!({ "forced": forced.map(|r| format!("{r:?}")), "other_sessions_ended": ended.sessions }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        core.session_cookie(req, token);
        Ok(SignInStep::to(stage))
    }

    #[tracing::instrument(name = "account.password_owner", skip_all)]
    async fn password_owner(&self, req: &RequestInfo) -> Result<PasswordOwner, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.at(&mut conn, req, Capability::ReadOwner).await?;
        Ok(PasswordOwner {
            username: current.user.username,
            email: current.user.email,
        })
    }

    #[tracing::instrument(name = "account.request_password_reset", skip_all)]
    async fn request_password_reset(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError> {
        let started = tokio::time::Instant::now();
        let result = self.0.forgot_password_now(req, username, email).await;
        // Matching account or not, the answer leaves at the same moment.
        tokio::time::sleep_until(started + RESET_ANSWER_FLOOR).await;
        result
    }

    #[tracing::instrument(name = "account.inspect_link", skip_all)]
    async fn inspect_link(
        &self,
        _req: &RequestInfo,
        kind: LinkKind,
        token: &str,
    ) -> Result<LinkInfo, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let user = core.link_user(&mut conn, kind, token).await?;
        Ok(LinkInfo {
            username: user.username,
            email: user.email,
        })
    }

    #[tracing::instrument(name = "account.set_password_by_link", skip_all)]
    async fn set_password_by_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        let core = &self.0;
        if matches!(kind, LinkKind::Unlock | LinkKind::NotMe) {
            return Err(AppError::LinkInvalid);
        }
        let mut conn = core.conn().await?;
        let user = core.link_user(&mut conn, kind, token).await?;
        // A password the rules refuse leaves the link usable for the next try.
        core.check_new_password(&user, new, confirm)?;
        let hash = core.hash_password(new).await?;
        drop(conn);
        let now = core.now();
        let mut tx = core.begin().await?;
        // Spent here: of two simultaneous submissions exactly one goes on.
        let spent = email_links::consume(&mut tx, token, Core::purpose(kind), now)
            .await
            .or_internal("spending a link")?;
        if spent.map(|l| l.user_id) != Some(user.id) {
            return Err(AppError::LinkInvalid);
        }
        // The link proves the email address; a new password lifts a lockout and a suspended second step
        // (which is still asked for at the next sign-in).
        users::set_password(&mut tx, user.id, &hash, now, true)
            .await
            .or_internal("storing a password")?;
        attempts::clear(&mut tx, user.id)
            .await
            .or_internal("clearing attempts")?;
        let (event, ended) = if kind == LinkKind::Reset {
            let ended = core
                .credentials_changed(&mut tx, Some(req), &user, Change::PasswordReset, None)
                .await?;
            (Event::PasswordReset, ended.sessions)
        } else {
            (Event::InvitationAccepted, 0)
        };
        core.audit(
            &mut tx,
            req,
            event,
            Some(user.id),
            Some(user.id),
            json!({ "sessions_ended": ended }),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }

    #[tracing::instrument(name = "account.unlock_account", skip_all)]
    #[tracing::instrument(name = "account.report_not_me", skip_all)]
    async fn report_not_me(&self, req: &RequestInfo, token: &str) -> Result<String, AppError> {
        self.0.not_me(req, token).await
    }

    async fn unlock_account(&self, req: &RequestInfo, token: &str) -> Result<(), AppError> {
        let core = &self.0;
        let mut tx = core.begin().await?;
        let live = email_links::consume(&mut tx, token, Purpose::Unlock, core.now())
            .await
            .or_internal("spending a link")?
            .ok_or(AppError::LinkInvalid)?;
        users::unlock(&mut tx, live.user_id)
            .await
            .or_internal("unlocking an account")?;
        core.audit(
            &mut tx,
            req,
            Event::AccountUnlocked,
            Some(live.user_id),
            Some(live.user_id),
            json!({ "by": "email link" }),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }
}
