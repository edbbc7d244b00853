//! Wrong passwords, wherever they are typed (signing in, confirming identity, changing the password):
//! counted toward one lockout, which at its threshold locks the account and tells the owner once.
use app::error::AppError;
use app::service::RequestInfo;
use serde_json::json;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::email_links::{self, Purpose};
use crate::auth::session;
use crate::db::Conn;
use crate::notify::{Message, Recipient};
use crate::users::{self, User};

impl Core {
    /// A judged password was wrong: counts it; the failure that reaches the threshold locks the
    /// account and tells its owner, once. Used by every confirmation of the password (claimed before
    /// hashing), in a transaction of its own.
    pub async fn wrong_password(
        &self,
        req: &RequestInfo,
        user: &User,
        during: &str,
    ) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let failures = users::record_wrong_password(&mut tx, user.id)
            .await
            .or_internal("counting a failure")?;
        self.after_wrong_password(&mut tx, req, user, during, failures)
            .await?;
        tx.commit().await.or_internal("committing")
    }

    /// What follows a counted failure, in the caller's transaction: its record, and at the threshold
    /// the lock, the owner's email with an unlock link, and the end of half-finished sign-ins.
    pub async fn after_wrong_password(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        user: &User,
        during: &str,
        failures: i64,
    ) -> Result<(), AppError> {
        let now = self.now();
        self.audit(
            tx,
            req,
            Event::WrongPassword,
            None,
            Some(user.id),
            json!({ "consecutive": failures, "during": during }),
        )
        .await?;
        if failures >= self.settings.protection.lockout_threshold
            && users::lock(tx, user.id, now)
                .await
                .or_internal("locking an account")?
        {
            let token = email_links::issue(tx, user.id, Purpose::Unlock, now)
                .await
                .or_internal("issuing a link")?;
            let message = Message::AccountLocked {
                unlock_link: email_links::link(&self.settings.public_url, Purpose::Unlock, &token),
                reset_link: self.link(app::routes::FORGOT_PASSWORD),
                failures,
                origin: self.origin(req),
            };
            self.notifier
                .email(tx, &Recipient::of(user), &message, now)
                .await
                .or_internal("queueing an email")?;
            self.audit(
                tx,
                req,
                Event::AccountLocked,
                None,
                Some(user.id),
                json!({ "failures": failures }),
            )
            .await?;
            // Whoever is guessing must not keep a half-finished sign-in either.
            session::delete_partial_for_user(tx, user.id)
                .await
                .or_internal("ending partial sessions")?;
        }
        Ok(())
    }

    /// Checks the password of the signed-in account (confirmations, changes): the same lockout claims
    /// and counts as signing in.
    pub async fn check_own_password(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        user: &User,
        password: &str,
        during: &str,
    ) -> Result<(), AppError> {
        let ticket = self.ticket()?;
        let threshold = self.settings.protection.lockout_threshold;
        let claimed = users::claim_password_check(conn, user.id, threshold, self.now())
            .await
            .or_internal("claiming an attempt")?;
        // Locked or at the limit: the hash is still computed (same time), never judged.
        let stored = if claimed {
            user.password_hash.clone()
        } else {
            None
        };
        let ok = self
            .hasher
            .verify(ticket, password.to_string(), stored)
            .await
            .or_internal("verifying a password");
        let ok = match ok {
            Ok(ok) => ok,
            Err(e) => {
                if claimed {
                    let _ = users::release_claim(conn, user.id).await;
                }
                return Err(e);
            }
        };
        if !claimed {
            return Err(AppError::WrongPassword);
        }
        if ok {
            if !users::record_right_password(conn, user.id)
                .await
                .or_internal("recording")?
            {
                return Err(AppError::WrongPassword);
            }
            return Ok(());
        }
        self.wrong_password(req, user, during).await?;
        Err(AppError::WrongPassword)
    }
}
