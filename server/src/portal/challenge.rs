//! The second step of signing in: a code from one of the user's factors, or a backup code. Only a
//! session at this step may call it; success moves the session on through the state machine.
use app::error::AppError;
use app::service::{IssuedSession, RequestInfo};
use app::types::{ChallengeInfo, FactorKind, SignInStep, Stage};
use serde_json::json;

use super::factors::seed_context;
use super::{OrInternal, Services};
use crate::mail::Message;
use crate::sessions::SessionRow;
use crate::signin::{next_stage, Progress};
use crate::users::{self, User};
use crate::{backup_codes, factors, totp, trusted};

/// Wrong codes in a row before the challenge is suspended.
pub const MAX_WRONG_CODES: i64 = 5;
pub const SUSPENSION_SECS: i64 = 15 * 60;

impl Services {
    async fn at_second_step(&self, req: &RequestInfo) -> Result<(SessionRow, User), AppError> {
        let (session, user) = self.current(req).await?;
        if session.stage != Stage::SecondFactor {
            return Err(AppError::SignInIncomplete);
        }
        Ok((session, user))
    }

    pub(super) async fn challenge_info(
        &self,
        req: &RequestInfo,
    ) -> Result<ChallengeInfo, AppError> {
        let (_, user) = self.at_second_step(req).await?;
        let mut methods: Vec<FactorKind> = Vec::new();
        for f in factors::confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?
        {
            if !methods.contains(&f.kind) {
                methods.push(f.kind);
            }
        }
        // The default method first; "try another way" offers the rest.
        if let Some(default) = user.default_factor.as_deref().and_then(FactorKind::from_db) {
            if let Some(i) = methods.iter().position(|k| *k == default) {
                let k = methods.remove(i);
                methods.insert(0, k);
            }
        }
        Ok(ChallengeInfo {
            methods,
            backup_codes_remaining: backup_codes::remaining(&self.db, user.id)
                .await
                .or_internal("counting codes")?,
            trust_days: self.trust_lifetime_secs / 86_400,
        })
    }

    pub(super) async fn second_step(
        &self,
        req: &RequestInfo,
        kind: Option<FactorKind>,
        code: &str,
        trust: bool,
    ) -> Result<(SignInStep, Option<IssuedSession>), AppError> {
        let (session, user) = self.at_second_step(req).await?;
        let now = self.now();
        if let Some(until) = user
            .second_factor_suspended_until
            .filter(|until| *until > now)
        {
            return Err(AppError::ChallengeSuspended {
                minutes: (until - now + 59) / 60,
            });
        }
        let outcome = match kind {
            Some(FactorKind::Totp) => self.check_totp(&user, code).await?,
            Some(other) => {
                return Err(AppError::Invalid(format!(
                    "{} is not available for your account.",
                    other.name()
                )));
            }
            None => self.check_backup_code(req, &user, code).await?,
        };
        if let Err(error) = outcome {
            let failures = users::record_challenge_failure(&self.db, user.id)
                .await
                .or_internal("counting a failure")?;
            let method = kind.map(|k| k.as_db()).unwrap_or("backup_code");
            self.audit(
                req,
                "second_factor.failed",
                None,
                Some(user.id),
                json!({ "method": method, "consecutive": failures }),
            )
            .await;
            if failures >= MAX_WRONG_CODES {
                users::suspend_challenge(&self.db, user.id, now + SUSPENSION_SECS)
                    .await
                    .or_internal("suspending")?;
                self.audit(
                    req,
                    "second_factor.suspended",
                    None,
                    Some(user.id),
                    json!({}),
                )
                .await;
                return Err(AppError::ChallengeSuspended {
                    minutes: SUSPENSION_SECS / 60,
                });
            }
            return Err(error);
        }
        users::reset_challenge_failures(&self.db, user.id)
            .await
            .or_internal("resetting failures")?;
        let facts = self.facts(&user, user.last_sign_in_at).await?;
        let step = self
            .advance(
                &session,
                &user,
                next_stage(
                    &facts,
                    Progress {
                        second_factor_done: true,
                        ..Progress::default()
                    },
                ),
            )
            .await?;
        let trusted_cookie = if trust {
            let lifetime = self.trust_lifetime_secs;
            let token = trusted::trust(&self.db, user.id, req.ip, &req.user_agent, now, lifetime)
                .await
                .or_internal("trusting a browser")?;
            Some(IssuedSession {
                token,
                max_age_secs: lifetime.max(0) as u64,
            })
        } else {
            None
        };
        let method = kind.map(|k| k.as_db()).unwrap_or("backup_code");
        self.audit(
            req,
            "sign_in.second_factor",
            Some(user.id),
            Some(user.id),
            json!({ "method": method, "trusted": trust }),
        )
        .await;
        Ok((step, trusted_cookie))
    }

    /// Ok(Ok(())) when a TOTP factor accepts the code; Ok(Err(..)) says why not.
    async fn check_totp(&self, user: &User, code: &str) -> Result<Result<(), AppError>, AppError> {
        let now = self.now();
        let mut refusal = AppError::WrongCode(None);
        for factor in factors::confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?
        {
            let Some(sealed) = factor
                .secret_ciphertext
                .as_deref()
                .filter(|_| factor.kind == FactorKind::Totp)
            else {
                continue;
            };
            let secret = self
                .keys
                .open(sealed, &seed_context(user.id))
                .or_internal("opening a TOTP secret")?;
            match totp::verify(&secret, code, now, factor.last_used_step) {
                totp::Verdict::Accepted { step } => {
                    // The atomic step check refuses a code used at the same moment elsewhere.
                    return if factors::record_totp_use(&self.db, factor.id, step, now)
                        .await
                        .or_internal("using a code")?
                    {
                        Ok(Ok(()))
                    } else {
                        Ok(Err(AppError::CodeAlreadyUsed))
                    };
                }
                totp::Verdict::Replayed => refusal = AppError::CodeAlreadyUsed,
                totp::Verdict::Drift { offset } if refusal == AppError::WrongCode(None) => {
                    refusal = AppError::WrongCode(Some(totp::drift_advice(offset)));
                }
                _ => {}
            }
        }
        Ok(Err(refusal))
    }

    async fn check_backup_code(
        &self,
        req: &RequestInfo,
        user: &User,
        code: &str,
    ) -> Result<Result<(), AppError>, AppError> {
        let now = self.now();
        if !backup_codes::consume(&self.db, &self.keys, user.id, code, now)
            .await
            .or_internal("using a backup code")?
        {
            return Ok(Err(AppError::WrongCode(Some(
                "That backup code is not valid, or it has already been used.".into(),
            ))));
        }
        let remaining = backup_codes::remaining(&self.db, user.id)
            .await
            .or_internal("counting codes")?;
        let message = Message::BackupCodeUsed {
            username: user.username.clone(),
            remaining,
            settings_link: self.link("/account/security"),
            origin: self.origin(req),
        };
        self.send(&user.email, &message).await;
        self.audit(
            req,
            "backup_code.used",
            Some(user.id),
            Some(user.id),
            json!({ "remaining": remaining }),
        )
        .await;
        Ok(Ok(()))
    }
}
