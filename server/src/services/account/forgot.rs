//! "Forgot your password?": the emailed link, within the caps, in the same time for every answer.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use serde_json::json;

use crate::audit::Event;
use crate::auth::email_links::{self, Purpose};
use crate::auth::rate_limit::{self, RESET_PER_ACCOUNT, RESET_PER_ADDRESS};
use crate::notify::{Message, Recipient};
use crate::services::{Core, OrInternal};
use crate::users;

impl Core {
    pub(super) async fn forgot_password_now(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError> {
        let (username, email) = (username.trim(), email.trim());
        if email.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("email".into())));
        }
        let now = self.now();
        let mut conn = self.conn().await?;
        if let Some(ip) = req.ip {
            let bucket = rate_limit::address_bucket("reset-address", ip);
            if !rate_limit::hit(&mut conn, &bucket, RESET_PER_ADDRESS, now)
                .await
                .or_internal("rate limit")?
            {
                self.audit(
                    &mut conn,
                    req,
                    Event::PasswordResetThrottled,
                    None,
                    None,
                    json!({ "by": "address" }),
                )
                .await?;
                return Err(AppError::RateLimited);
            }
        }
        // The email alone, or username and email together: both must match the same account.
        let user = if username.is_empty() {
            users::find_by_email(&mut conn, email).await
        } else {
            users::find_by_username(&mut conn, username).await
        }
        .or_internal("looking up an account")?;
        let matching = user.filter(|u| !u.disabled && users::key(&u.email) == users::key(email));
        let Some(user) = matching else {
            self.audit(
                &mut conn,
                req,
                Event::PasswordResetUnmatched,
                None,
                None,
                json!({}),
            )
            .await?;
            return Ok(());
        };
        let bucket = format!("reset-account:{}", user.id);
        if !rate_limit::hit(&mut conn, &bucket, RESET_PER_ACCOUNT, now)
            .await
            .or_internal("rate limit")?
        {
            // Answered the same way as a success: the limit must not reveal that the account exists.
            self.audit(
                &mut conn,
                req,
                Event::PasswordResetThrottled,
                None,
                Some(user.id),
                json!({ "by": "account" }),
            )
            .await?;
            return Ok(());
        }
        drop(conn);
        let mut tx = self.begin().await?;
        let token = email_links::issue(&mut tx, user.id, Purpose::Reset, now)
            .await
            .or_internal("issuing a link")?;
        let message = Message::PasswordReset {
            link: email_links::link(&self.settings.public_url, Purpose::Reset, &token),
            valid_minutes: Purpose::Reset.lifetime_secs() / 60,
            origin: self.origin(req),
        };
        self.notifier
            .email(&mut tx, &Recipient::of(&user), &message, now)
            .await
            .or_internal("queueing an email")?;
        self.audit(
            &mut tx,
            req,
            Event::PasswordResetRequested,
            None,
            Some(user.id),
            json!({}),
        )
        .await?;
        tx.commit().await.or_internal("committing")
    }
}
