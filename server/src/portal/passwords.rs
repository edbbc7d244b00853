//! Passwords: change (signed in or forced), forgot-password links, invitations, unlock links.
use app::error::AppError;
use app::policy::{self, PasswordOwner, Rule};
use app::service::RequestInfo;
use app::types::{LinkInfo, LinkKind, SignInStep, Stage};
use serde_json::json;
use std::time::Duration;

use super::{OrInternal, Services};
use crate::mail::Message;
use crate::rate_limit::{self, RESET_PER_ACCOUNT, RESET_PER_ADDRESS};
use crate::signin::{next_stage, Progress};
use crate::tokens::{self, Purpose};
use crate::users::{self, User};

/// Every forgot-password answer takes at least this long, matching account or not.
const RESET_ANSWER_FLOOR: Duration = Duration::from_millis(250);

impl Services {
    /// The shared rules, then the common-passwords list; each broken rule is reported.
    fn check_new_password(&self, user: &User, new: &str, confirm: &str) -> Result<(), AppError> {
        let owner = PasswordOwner {
            username: user.username.clone(),
            email: user.email.clone(),
        };
        let mut broken = policy::violations(new, &owner);
        if crate::common_passwords::is_common(new) {
            broken.push(Rule::NotCommon);
        }
        if !broken.is_empty() {
            return Err(AppError::PasswordRejected(broken));
        }
        if new != confirm {
            return Err(AppError::Invalid(
                "The new password and its confirmation are different.".into(),
            ));
        }
        Ok(())
    }

    /// Stores the user's own new password (clearing a lockout), ends their sessions except `keep`, and
    /// voids outstanding reset and unlock links.
    async fn store_new_password(
        &self,
        user: &User,
        new: &str,
        keep_session: Option<i64>,
    ) -> Result<u64, AppError> {
        let hash = self
            .hasher
            .hash(new.to_string())
            .await
            .or_internal("hashing a password")?;
        let now = self.now();
        users::set_password(&self.db, user.id, &hash, now)
            .await
            .or_internal("storing a password")?;
        let ended = self
            .sessions
            .delete_all_for_user(user.id, keep_session)
            .await
            .or_internal("ending sessions")?;
        for purpose in [Purpose::Reset, Purpose::Unlock] {
            tokens::revoke(&self.db, user.id, purpose, now)
                .await
                .or_internal("voiding links")?;
        }
        // A new password means every browser must prove the second factor again.
        crate::trusted::revoke_all(&self.db, user.id)
            .await
            .or_internal("forgetting trusted browsers")?;
        Ok(ended)
    }

    pub(super) async fn change_own_password(
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
        self.check_new_password(&user, new, confirm)?;
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
        let ended = self
            .store_new_password(&user, new, Some(session.id))
            .await?;
        let reason = match session.stage {
            Stage::PasswordChange(reason) => Some(reason),
            _ => None,
        };
        // The steps before this one are behind us; the state machine says what comes next.
        let mut facts = self.facts(&user, user.last_sign_in_at).await?;
        facts.password_change = reason;
        let stage = next_stage(
            &facts,
            Progress {
                second_factor_done: true,
                password_changed: true,
                enrolled: false,
            },
        );
        let step = self.advance(&session, &user, stage).await?;
        let message = Message::PasswordChanged {
            username: user.username.clone(),
            reset_link: self.link("/forgot-password"),
            origin: self.origin(req),
        };
        self.send(&user.email, &message).await;
        self.audit(
            req,
            "password.changed",
            Some(user.id),
            Some(user.id),
            json!({ "forced": reason.map(|r| format!("{r:?}")), "other_sessions_ended": ended }),
        )
        .await;
        Ok(step)
    }

    pub(super) async fn forgot_password(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError> {
        let started = tokio::time::Instant::now();
        let result = self.forgot_password_now(req, username, email).await;
        // Matching account or not, the answer leaves at the same moment.
        tokio::time::sleep_until(started + RESET_ANSWER_FLOOR).await;
        result
    }

    async fn forgot_password_now(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError> {
        let (username, email) = (username.trim(), email.trim());
        if username.is_empty() || email.is_empty() {
            return Err(AppError::Invalid(
                "Enter your username and the email address of your account.".into(),
            ));
        }
        let now = self.now();
        if let Some(ip) = req.ip {
            let bucket = format!("reset-address:{ip}");
            if !rate_limit::hit(&self.db, &bucket, RESET_PER_ADDRESS, now)
                .await
                .or_internal("rate limit")?
            {
                self.audit(
                    req,
                    "password.reset_throttled_address",
                    None,
                    None,
                    json!({}),
                )
                .await;
                return Err(AppError::RateLimited);
            }
        }
        let user = users::find_by_username(&self.db, username)
            .await
            .or_internal("looking up an account")?;
        let matching = user.filter(|u| !u.disabled && users::key(&u.email) == users::key(email));
        let Some(user) = matching else {
            self.audit(req, "password.reset_unmatched", None, None, json!({}))
                .await;
            return Ok(());
        };
        let bucket = format!("reset-account:{}", user.id);
        if !rate_limit::hit(&self.db, &bucket, RESET_PER_ACCOUNT, now)
            .await
            .or_internal("rate limit")?
        {
            // Said the same way as a success: the limit must not reveal that the account exists.
            self.audit(
                req,
                "password.reset_throttled_account",
                None,
                Some(user.id),
                json!({}),
            )
            .await;
            return Ok(());
        }
        let token = tokens::issue(&self.db, user.id, Purpose::Reset, now)
            .await
            .or_internal("issuing a link")?;
        let message = Message::PasswordReset {
            username: user.username.clone(),
            link: tokens::link(&self.public_url, Purpose::Reset, &token),
            valid_minutes: Purpose::Reset.lifetime_secs() / 60,
            origin: self.origin(req),
        };
        self.send(&user.email, &message).await;
        self.audit(
            req,
            "password.reset_requested",
            None,
            Some(user.id),
            json!({}),
        )
        .await;
        Ok(())
    }

    fn purpose(kind: LinkKind) -> Purpose {
        match kind {
            LinkKind::Reset => Purpose::Reset,
            LinkKind::Invite => Purpose::Invite,
            LinkKind::Unlock => Purpose::Unlock,
        }
    }

    /// The live account behind a still-valid link.
    async fn link_user(&self, kind: LinkKind, token: &str) -> Result<User, AppError> {
        let user_id = tokens::peek(&self.db, token, Self::purpose(kind), self.now())
            .await
            .or_internal("reading a link")?
            .ok_or(AppError::LinkInvalid)?;
        users::find_by_id(&self.db, user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled)
            .ok_or(AppError::LinkInvalid)
    }

    pub(super) async fn link_owner(
        &self,
        kind: LinkKind,
        token: &str,
    ) -> Result<LinkInfo, AppError> {
        let user = self.link_user(kind, token).await?;
        Ok(LinkInfo {
            username: user.username,
            email: user.email,
        })
    }

    pub(super) async fn password_from_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        if kind == LinkKind::Unlock {
            return Err(AppError::LinkInvalid);
        }
        let user = self.link_user(kind, token).await?;
        // A password the rules refuse leaves the link usable for the next try.
        self.check_new_password(&user, new, confirm)?;
        // Spent here: of two simultaneous submissions exactly one goes on.
        let spent = tokens::consume(&self.db, token, Self::purpose(kind), self.now())
            .await
            .or_internal("spending a link")?;
        if spent != Some(user.id) {
            return Err(AppError::LinkInvalid);
        }
        let ended = self.store_new_password(&user, new, None).await?;
        if kind == LinkKind::Reset {
            let message = Message::PasswordChanged {
                username: user.username.clone(),
                reset_link: self.link("/forgot-password"),
                origin: self.origin(req),
            };
            self.send(&user.email, &message).await;
        }
        let event = if kind == LinkKind::Reset {
            "password.reset"
        } else {
            "invitation.accepted"
        };
        self.audit(
            req,
            event,
            Some(user.id),
            Some(user.id),
            json!({ "sessions_ended": ended }),
        )
        .await;
        Ok(())
    }

    pub(super) async fn unlock_from_link(
        &self,
        req: &RequestInfo,
        token: &str,
    ) -> Result<(), AppError> {
        let user_id = tokens::consume(&self.db, token, Purpose::Unlock, self.now())
            .await
            .or_internal("spending a link")?
            .ok_or(AppError::LinkInvalid)?;
        users::unlock(&self.db, user_id)
            .await
            .or_internal("unlocking an account")?;
        self.audit(
            req,
            "account.unlocked",
            Some(user_id),
            Some(user_id),
            json!({ "by": "email link" }),
        )
        .await;
        Ok(())
    }
}
