//! Security & sign-in settings: second factors, backup codes, trusted browsers. Every change to a
//! factor needs the password confirmed within the last five minutes.
use app::error::AppError;
use app::service::RequestInfo;
use app::types::{
    Enrolled, FactorKind, FactorView, SecurityOverview, Stage, TotpSetup, TrustedBrowserView,
};
use serde_json::json;

use super::{OrInternal, Services};
use crate::mail::Message;
use crate::sessions::SessionRow;
use crate::signin::{next_stage, Progress};
use crate::users::{self, User};
use crate::{backup_codes, factors, totp, trusted};

/// How long a password confirmation opens the door to factor changes.
pub const REAUTH_WINDOW_SECS: i64 = 5 * 60;
/// An authenticator app must be confirmed within this long after its secret was shown.
const PENDING_TOTP_SECS: i64 = 15 * 60;
/// The methods this server can enrol now. The tables, the challenge and this page take all four kinds.
pub const AVAILABLE: [FactorKind; 1] = [FactorKind::Totp];

/// What a TOTP secret is sealed to: its owner.
pub(super) fn seed_context(user_id: i64) -> Vec<u8> {
    format!("totp-seed:user:{user_id}").into_bytes()
}

impl Services {
    /// A full session, or one whose next step is the mandatory enrolment.
    async fn enrolling(&self, req: &RequestInfo) -> Result<(SessionRow, User), AppError> {
        let (session, user) = self.current(req).await?;
        if !matches!(session.stage, Stage::Full | Stage::Enrollment) {
            return Err(AppError::SignInIncomplete);
        }
        Ok((session, user))
    }

    fn require_recent_password(&self, session: &SessionRow) -> Result<(), AppError> {
        if self.now() - session.reauthenticated_at > REAUTH_WINDOW_SECS {
            return Err(AppError::PasswordConfirmationRequired);
        }
        Ok(())
    }

    fn settings_link(&self) -> String {
        self.link("/account/security")
    }

    pub(super) async fn overview(&self, req: &RequestInfo) -> Result<SecurityOverview, AppError> {
        let (session, user) = self.require_full(req).await?;
        let now = self.now();
        let enrolled = factors::confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?;
        let trusted_here = req
            .trusted_browser
            .as_deref()
            .map(crate::crypto::token_hash);
        let browsers = trusted::list(&self.db, user.id, now)
            .await
            .or_internal("reading trusted browsers")?;
        Ok(SecurityOverview {
            factors: enrolled
                .into_iter()
                .map(|f| FactorView {
                    id: f.id,
                    kind: f.kind,
                    label: f.label,
                    created_at: f.confirmed_at.unwrap_or(f.created_at),
                    last_used_at: f.last_used_at,
                })
                .collect(),
            default_factor: user.default_factor.as_deref().and_then(FactorKind::from_db),
            available_methods: AVAILABLE.to_vec(),
            backup_codes_remaining: backup_codes::remaining(&self.db, user.id)
                .await
                .or_internal("counting codes")?,
            trusted_browsers: browsers
                .into_iter()
                .map(|b| TrustedBrowserView {
                    current: trusted_here.as_deref() == Some(b.token_hash.as_str()),
                    id: b.public_id,
                    browser: app::format::browser_name(&b.user_agent),
                    ip: b.ip,
                    created_at: b.created_at,
                    last_used_at: b.last_used_at,
                    expires_at: b.expires_at,
                })
                .collect(),
            mfa_required: self.mfa_required(&user),
            password_confirmed_secs_left: (REAUTH_WINDOW_SECS - (now - session.reauthenticated_at))
                .max(0),
        })
    }

    pub(super) async fn reauthenticate(
        &self,
        req: &RequestInfo,
        password: &str,
    ) -> Result<(), AppError> {
        let (session, user) = self.enrolling(req).await?;
        let ok = self
            .hasher
            .verify(password.to_string(), user.password_hash.clone())
            .await
            .or_internal("verifying a password")?;
        if !ok {
            self.audit(
                req,
                "password.confirmation_failed",
                Some(user.id),
                Some(user.id),
                json!({}),
            )
            .await;
            return Err(AppError::WrongPassword);
        }
        self.sessions
            .set_reauthenticated(session.id, self.now())
            .await
            .or_internal("confirming a password")
    }

    pub(super) async fn start_totp(&self, req: &RequestInfo) -> Result<TotpSetup, AppError> {
        let (session, user) = self.enrolling(req).await?;
        self.require_recent_password(&session)?;
        let secret = totp::new_secret();
        let sealed = self.keys.seal(&secret, &seed_context(user.id));
        let factor_id = factors::create_pending_totp(
            &self.db,
            user.id,
            "Authenticator app",
            &sealed,
            self.now(),
        )
        .await
        .or_internal("storing a pending factor")?;
        let uri = totp::otpauth_uri(&secret, &user.username);
        Ok(TotpSetup {
            factor_id,
            setup_key: totp::setup_key(&secret),
            qr_svg: totp::qr_svg(&uri),
            otpauth_uri: uri,
        })
    }

    pub(super) async fn finish_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError> {
        let (session, user) = self.enrolling(req).await?;
        self.require_recent_password(&session)?;
        let now = self.now();
        let factor = factors::find(&self.db, user.id, factor_id)
            .await
            .or_internal("reading a factor")?
            .filter(|f| {
                f.kind == FactorKind::Totp
                    && f.confirmed_at.is_none()
                    && now - f.created_at < PENDING_TOTP_SECS
            })
            .ok_or_else(|| {
                AppError::Invalid("This setup has expired. Start again to get a new key.".into())
            })?;
        let sealed = factor
            .secret_ciphertext
            .as_deref()
            .ok_or(AppError::Internal)?;
        let secret = self
            .keys
            .open(sealed, &seed_context(user.id))
            .or_internal("opening a TOTP secret")?;
        let step = match totp::verify(&secret, code, now, None) {
            totp::Verdict::Accepted { step } => step,
            totp::Verdict::Drift { offset } => {
                return Err(AppError::WrongCode(Some(totp::drift_advice(offset))))
            }
            _ => return Err(AppError::WrongCode(None)),
        };
        let first = !factors::has_confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?;
        if !factors::confirm(&self.db, factor.id, step, now)
            .await
            .or_internal("confirming a factor")?
        {
            return Err(AppError::Invalid(
                "This setup has expired. Start again to get a new key.".into(),
            ));
        }
        let label = label.trim().chars().take(60).collect::<String>();
        if !label.is_empty() {
            sqlx::query("UPDATE second_factors SET label = $1 WHERE id = $2")
                .bind(&label)
                .bind(factor.id)
                .execute(&self.db.pool)
                .await
                .or_internal("naming a factor")?;
        }
        let backup = if first {
            backup_codes::replace(&self.db, &self.keys, user.id, now)
                .await
                .or_internal("creating backup codes")?
        } else {
            Vec::new()
        };
        if user.default_factor.is_none() {
            users::set_default_factor(&self.db, user.id, Some(FactorKind::Totp.as_db()))
                .await
                .or_internal("default")?;
        }
        let message = Message::FactorAdded {
            username: user.username.clone(),
            method: FactorKind::Totp.name().into(),
            settings_link: self.settings_link(),
            origin: self.origin(req),
        };
        self.send(&user.email, &message).await;
        self.audit(
            req,
            "factor.added",
            Some(user.id),
            Some(user.id),
            json!({ "kind": "totp", "first": first }),
        )
        .await;
        let next = if session.stage == Stage::Enrollment {
            let facts = self.facts(&user, user.last_sign_in_at).await?;
            let done = Progress {
                second_factor_done: true,
                password_changed: true,
                enrolled: true,
            };
            self.advance(&session, &user, next_stage(&facts, done))
                .await?
                .next
        } else {
            "/account/security".to_string()
        };
        Ok(Enrolled {
            backup_codes: backup,
            next,
        })
    }

    pub(super) async fn delete_factor(
        &self,
        req: &RequestInfo,
        factor_id: i64,
    ) -> Result<(), AppError> {
        let (session, user) = self.require_full(req).await?;
        self.require_recent_password(&session)?;
        let factor = factors::find(&self.db, user.id, factor_id)
            .await
            .or_internal("reading a factor")?
            .ok_or(AppError::NotFound)?;
        let confirmed = factors::confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?;
        let last = factor.confirmed_at.is_some() && confirmed.len() == 1;
        if last && self.mfa_required(&user) {
            return Err(AppError::Invalid(
                "Two-factor authentication is mandatory for your account: add another method before removing this one."
                    .into(),
            ));
        }
        factors::delete(&self.db, user.id, factor.id)
            .await
            .or_internal("removing a factor")?;
        if factor.confirmed_at.is_none() {
            return Ok(());
        }
        let remaining: Vec<FactorKind> = confirmed
            .iter()
            .filter(|f| f.id != factor.id)
            .map(|f| f.kind)
            .collect();
        if remaining.is_empty() {
            // Without a second factor, backup codes and trusted browsers mean nothing.
            backup_codes::delete_all(&self.db, user.id)
                .await
                .or_internal("removing backup codes")?;
            trusted::revoke_all(&self.db, user.id)
                .await
                .or_internal("forgetting trusted browsers")?;
        }
        let default = user.default_factor.as_deref().and_then(FactorKind::from_db);
        if default.is_some_and(|d| !remaining.contains(&d)) {
            users::set_default_factor(&self.db, user.id, remaining.first().map(|k| k.as_db()))
                .await
                .or_internal("default factor")?;
        }
        let message = Message::FactorRemoved {
            username: user.username.clone(),
            method: factor.kind.name().into(),
            settings_link: self.settings_link(),
            origin: self.origin(req),
        };
        self.send(&user.email, &message).await;
        self.audit(
            req,
            "factor.removed",
            Some(user.id),
            Some(user.id),
            json!({ "kind": factor.kind.as_db() }),
        )
        .await;
        Ok(())
    }

    pub(super) async fn choose_default_factor(
        &self,
        req: &RequestInfo,
        kind: FactorKind,
    ) -> Result<(), AppError> {
        let (_, user) = self.require_full(req).await?;
        let enrolled = factors::confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?;
        if !enrolled.iter().any(|f| f.kind == kind) {
            return Err(AppError::Invalid(
                "Add that method before making it the default.".into(),
            ));
        }
        users::set_default_factor(&self.db, user.id, Some(kind.as_db()))
            .await
            .or_internal("default factor")
    }

    pub(super) async fn new_backup_codes(
        &self,
        req: &RequestInfo,
    ) -> Result<Vec<String>, AppError> {
        let (session, user) = self.require_full(req).await?;
        self.require_recent_password(&session)?;
        if !factors::has_confirmed(&self.db, user.id)
            .await
            .or_internal("reading factors")?
        {
            return Err(AppError::Invalid(
                "Backup codes come with a second sign-in step: add one first.".into(),
            ));
        }
        let codes = backup_codes::replace(&self.db, &self.keys, user.id, self.now())
            .await
            .or_internal("creating backup codes")?;
        self.audit(
            req,
            "backup_codes.regenerated",
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await;
        Ok(codes)
    }

    pub(super) async fn forget_browser(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let (_, user) = self.require_full(req).await?;
        if !trusted::revoke(&self.db, user.id, id)
            .await
            .or_internal("forgetting a browser")?
        {
            return Err(AppError::NotFound);
        }
        self.audit(
            req,
            "trusted_browser.revoked",
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await;
        Ok(())
    }
}
