//! Judging one answer to the second step or to "confirm it's you", whatever the method: the shared
//! attempt limit first, then the verdict, the failure notices and the backup codes spent.
use app::error::{AppError, Invalid};
use app::routes;
use app::service::RequestInfo;
use app::types::{FactorKind, Method};
use serde_json::json;

use crate::audit::Event;
use crate::auth::attempts::{self, Refusal};
use crate::auth::factor::otp::{self, Channel};
use crate::auth::factor::{backup_codes, totp, Ctx, Verdict};
use crate::auth::session;
use crate::db::Conn;
use crate::notify::{Message, Recipient};
use crate::services::{Core, Current, OrInternal};
use crate::users::{self, User};

impl Core {
    /// Judges one answer with `method`, after claiming a slot of the attempt limit. Used by the second
    /// step and by every confirmation of identity. Answers the clock drift an app code revealed.
    pub async fn judge_second_factor(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        current: &Current,
        method: Method,
        answer: &str,
    ) -> Result<Option<i64>, AppError> {
        let user = &current.user;
        let now = self.now();
        let has_method = match method {
            Method::BackupCode => {
                backup_codes::remaining(conn, user.id)
                    .await
                    .or_internal("counting codes")?
                    > 0
            }
            other => self.methods(conn, user).await?.contains(&other),
        };
        if !has_method {
            return Err(AppError::Invalid(Invalid::MethodUnavailable(
                method.factor().unwrap_or(FactorKind::Totp),
            )));
        }
        match attempts::claim(conn, user.id, now)
            .await
            .or_internal("claiming an attempt")?
        {
            Ok(()) => {}
            Err(Refusal::Suspended { secs }) => {
                return Err(AppError::ChallengeSuspended {
                    minutes: (secs + 59) / 60,
                })
            }
            Err(Refusal::Busy) => return Err(AppError::RateLimited),
        }
        let ctx = Ctx {
            user,
            keys: &self.keys,
            now,
            session_id: current.session.id,
        };
        let verdict = match method {
            Method::Totp => totp::verify_answer(&ctx, conn, answer).await,
            Method::BackupCode => backup_codes::verify_answer(&ctx, conn, answer)
                .await
                .or_internal("using a backup code"),
            Method::Passkey => self.passkey_verdict(&ctx, conn, answer).await,
            Method::Sms => otp::verify_answer(&ctx, conn, Channel::Sms, answer)
                .await
                .or_internal("checking a code"),
            Method::Email => otp::verify_answer(&ctx, conn, Channel::Email, answer)
                .await
                .or_internal("checking a code"),
        };
        let verdict = match verdict {
            Ok(v) => v,
            Err(e) => {
                let _ = attempts::release(conn, user.id).await;
                return Err(e);
            }
        };
        match verdict {
            Verdict::Accepted { clock_drift_steps } => {
                attempts::record_right(conn, user.id)
                    .await
                    .or_internal("recording")?;
                if method == Method::BackupCode {
                    self.backup_code_used(conn, req, user).await?;
                }
                Ok(clock_drift_steps)
            }
            // An expired code is not a guess: the slot is given back and nothing is counted.
            Verdict::Refused(AppError::CodeExpired) => {
                attempts::release(conn, user.id)
                    .await
                    .or_internal("releasing an attempt")?;
                Err(AppError::CodeExpired)
            }
            Verdict::Refused(error) => {
                Err(self.second_factor_failed(req, user, method, error).await?)
            }
        }
    }

    /// A wrong answer: counted; the one that suspends the step tells the owner, the one that reaches
    /// the daily limit ends every partial session and requires a password reset.
    async fn second_factor_failed(
        &self,
        req: &RequestInfo,
        user: &User,
        method: Method,
        error: AppError,
    ) -> Result<AppError, AppError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let failure = attempts::record_wrong(&mut tx, user.id, now)
            .await
            .or_internal("counting a failure")?;
        self.audit(
            &mut tx,
            req,
            Event::SecondFactorFailed,
            None,
            Some(user.id),
            json!({ "method": method.as_db() }),
        )
        .await?;
        let recipient = Recipient::of(user);
        let reset_link = self.link(routes::FORGOT_PASSWORD);
        let mut answer = error;
        if failure.suspended {
            let minutes = attempts::SUSPENSION_SECS / 60;
            let message = Message::SecondStepFailed {
                minutes,
                reset_link: reset_link.clone(),
                origin: self.origin(req),
            };
            self.notifier
                .email(&mut tx, &recipient, &message, now)
                .await
                .or_internal("queueing an email")?;
            self.audit(
                &mut tx,
                req,
                Event::SecondStepSuspended,
                None,
                Some(user.id),
                json!({}),
            )
            .await?;
            // The owner has just been told; the unfinished sign-in needs no second alert.
            crate::auth::devices::settle_all(&mut tx, user.id)
                .await
                .or_internal("settling unfinished sign-ins")?;
            answer = AppError::ChallengeSuspended { minutes };
        }
        if failure.escalated {
            let ended = session::delete_partial_for_user(&mut tx, user.id)
                .await
                .or_internal("ending sessions")?;
            users::require_password_reset(&mut tx, user.id)
                .await
                .or_internal("requiring a reset")?;
            crate::auth::devices::settle_all(&mut tx, user.id)
                .await
                .or_internal("settling unfinished sign-ins")?;
            let message = Message::SecondStepBlocked {
                reset_link,
                origin: self.origin(req),
            };
            self.notifier
                .email(&mut tx, &recipient, &message, now)
                .await
                .or_internal("queueing an email")?;
            self.audit(
                &mut tx,
                req,
                Event::SecondStepEscalated,
                None,
                Some(user.id),
                json!({ "sessions_ended": ended }),
            )
            .await?;
            answer = AppError::PasswordResetRequired;
        }
        tx.commit().await.or_internal("committing")?;
        Ok(answer)
    }

    async fn backup_code_used(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        user: &User,
    ) -> Result<(), AppError> {
        let now = self.now();
        let remaining = backup_codes::remaining(conn, user.id)
            .await
            .or_internal("counting codes")?;
        let message = Message::BackupCodeUsed {
            remaining,
            settings_link: self.link(routes::SECURITY),
            origin: self.origin(req),
        };
        self.notifier
            .email(conn, &Recipient::of(user), &message, now)
            .await
            .or_internal("queueing an email")?;
        self.audit(
            conn,
            req,
            Event::BackupCodeUsed,
            Some(user.id),
            Some(user.id),
            json!({ "remaining": remaining }),
        )
        .await
    }
}
