//! Changing one's own email address (the `ProfileService` methods call these). The request needs a
//! full authentication within the last five minutes; a link goes to the new address and a notice to the
//! current one at once. Confirming spends the link (once, atomically) and needs no sign-in: the link
//! proves control of the new address, and it was issued only after the owner's full authentication.
//!
//! The request never reveals whether another account uses the new address: the answer, the notice to
//! the current address and the audit entry are the same either way. When the address is taken, that
//! address receives "someone tried to use this address for another account" (in its owner's language)
//! instead of a link, so a person who simply forgot their other account learns it from their own
//! mailbox. A second request voids the first link; a password change or reset voids it too.
use app::error::{AppError, Invalid};
use app::routes;
use app::service::RequestInfo;
use app::types::EmailChangeLink;
use serde_json::json;

use super::{Core, Current, OrInternal};
use crate::audit::Event;
use crate::auth::email_links::{self, Purpose};
use crate::auth::rate_limit::{self, EMAIL_CHANGE_PER_ACCOUNT};
use crate::notify::{Message, Recipient};
use crate::users::{self, User};

impl Core {
    /// Sends the confirmation link for `new_email` (the caller checked the session and the recent
    /// authentication).
    pub(super) async fn request_email_change_for(
        &self,
        req: &RequestInfo,
        current: Current,
        new_email: &str,
    ) -> Result<(), AppError> {
        let new_email = new_email.trim();
        if new_email.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("new_email".into())));
        }
        // The rule the back office applies when it creates an account.
        app::policy::validate_email(new_email).map_err(|_| AppError::Invalid(Invalid::Email))?;
        let user = current.user;
        if users::key(new_email) == users::key(&user.email) {
            return Err(AppError::Invalid(Invalid::SameEmail));
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let bucket = format!("email-change:{}", user.id);
        if !rate_limit::hit(&mut tx, &bucket, EMAIL_CHANGE_PER_ACCOUNT, now)
            .await
            .or_internal("rate limit")?
        {
            self.audit(
                &mut tx,
                req,
                Event::EmailChangeThrottled,
                Some(user.id),
                Some(user.id),
                json!({}),
            )
            .await?;
            tx.commit().await.or_internal("committing")?;
            return Err(AppError::RateLimited);
        }
        let holder = users::find_by_email(&mut tx, new_email)
            .await
            .or_internal("looking up an address")?;
        let origin = self.origin(req);
        match holder {
            Some(other) => {
                // Earlier links stop working as they would with a new link.
                email_links::revoke(&mut tx, user.id, Purpose::ConfirmEmail, now)
                    .await
                    .or_internal("voiding links")?;
                let message = Message::EmailChangeAddressTaken {
                    forgot_link: self.link(routes::FORGOT_PASSWORD),
                    origin: origin.clone(),
                };
                self.notifier
                    .email(&mut tx, &Recipient::of(&other), &message, now)
                    .await
                    .or_internal("queueing an email")?;
            }
            None => {
                let token = email_links::issue_with(
                    &mut tx,
                    user.id,
                    Purpose::ConfirmEmail,
                    now,
                    Some(new_email),
                )
                .await
                .or_internal("issuing a link")?;
                let message = Message::EmailChangeConfirm {
                    username: user.username.clone(),
                    new_email: new_email.to_string(),
                    link: email_links::link(
                        &self.settings.public_url,
                        Purpose::ConfirmEmail,
                        &token,
                    ),
                    valid_hours: Purpose::ConfirmEmail.lifetime_secs() / 3600,
                    origin: origin.clone(),
                };
                let to = Recipient {
                    address: new_email.to_string(),
                    ..Recipient::of(&user)
                };
                self.notifier
                    .email(&mut tx, &to, &message, now)
                    .await
                    .or_internal("queueing an email")?;
            }
        }
        let notice = Message::EmailChangeRequested {
            new_email: new_email.to_string(),
            reset_link: self.link(routes::FORGOT_PASSWORD),
            origin,
        };
        self.notifier
            .email(&mut tx, &Recipient::of(&user), &notice, now)
            .await
            .or_internal("queueing an email")?;
        self.audit(
            &mut tx,
            req,
            Event::EmailChangeRequested,
            Some(user.id),
            Some(user.id),
            json!({ "to": new_email }),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }

    /// The live account and new address behind a still-valid link.
    async fn email_change_link(
        &self,
        conn: &mut crate::db::Conn,
        live: Option<email_links::Live>,
    ) -> Result<(User, String), AppError> {
        let live = live.ok_or(AppError::LinkInvalid)?;
        let new_email = live.payload.ok_or(AppError::LinkInvalid)?;
        let user = users::find_by_id(conn, live.user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled)
            .ok_or(AppError::LinkInvalid)?;
        Ok((user, new_email))
    }

    pub(super) async fn inspect_email_change_now(
        &self,
        token: &str,
    ) -> Result<EmailChangeLink, AppError> {
        let mut conn = self.conn().await?;
        let live = email_links::peek(&mut conn, token.trim(), Purpose::ConfirmEmail, self.now())
            .await
            .or_internal("reading a link")?;
        let (user, new_email) = self.email_change_link(&mut conn, live).await?;
        Ok(EmailChangeLink {
            username: user.username,
            new_email,
        })
    }

    /// Spends the link and changes the address, all in one transaction: if another account took the
    /// address meanwhile, nothing happens (the link stays as it was) and the answer says so.
    pub(super) async fn confirm_email_change_now(
        &self,
        req: &RequestInfo,
        token: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        // Of two simultaneous confirmations exactly one gets past this.
        let live = email_links::consume(&mut tx, token.trim(), Purpose::ConfirmEmail, now)
            .await
            .or_internal("spending a link")?;
        let (user, new_email) = self.email_change_link(&mut tx, live).await?;
        let taken = users::find_by_email(&mut tx, &new_email)
            .await
            .or_internal("looking up an address")?
            .is_some_and(|other| other.id != user.id);
        // The unique key decides a race the look-up above cannot see.
        if taken
            || !users::set_email(&mut tx, user.id, &new_email)
                .await
                .or_internal("changing an address")?
        {
            drop(tx);
            let mut conn = self.conn().await?;
            self.audit(
                &mut conn,
                req,
                Event::EmailChangeRefused,
                Some(user.id),
                Some(user.id),
                json!({ "to": new_email }),
            )
            .await?;
            return Err(AppError::Invalid(Invalid::EmailTaken));
        }
        // Links sent to the previous address no longer act on the account.
        for purpose in [Purpose::Reset, Purpose::Unlock] {
            email_links::revoke(&mut tx, user.id, purpose, now)
                .await
                .or_internal("voiding links")?;
        }
        let notice = Message::EmailChanged {
            new_email: new_email.clone(),
            activity_link: self.link(routes::ACTIVITY),
            origin: self.origin(req),
        };
        self.notifier
            .email(&mut tx, &Recipient::of(&user), &notice, now)
            .await
            .or_internal("queueing an email")?;
        self.audit(
            &mut tx,
            req,
            Event::EmailChangeConfirmed,
            Some(user.id),
            Some(user.id),
            json!({ "from": user.email, "to": new_email }),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }
}
