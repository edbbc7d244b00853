//! The authenticator-app factor: enrolment (a secret shown once, sealed to its owner, active after
//! its first code) and the second step. The codes themselves are RFC 6238 (`code`).
mod code;

pub use code::*;

use app::error::{AppError, Invalid};
use app::types::{FactorKind, TotpSetup};

use super::{Ctx, Verdict as FactorVerdict};
use crate::db::Conn;
use crate::keyring::Keyring;
use crate::services::OrInternal;
use crate::users::User;

/// The second step with an app code: judged against each of the user's authenticator apps.
pub async fn verify_answer(
    ctx: &Ctx<'_>,
    conn: &mut Conn,
    code: &str,
) -> Result<FactorVerdict, AppError> {
    let factors = super::confirmed_of(conn, ctx.user.id, FactorKind::Totp)
        .await
        .or_internal("reading factors")?;
    let mut refusal = AppError::WrongCode;
    let mut wrong = Vec::new();
    for factor in &factors {
        let Some(sealed) = factor.secret_ciphertext.as_deref() else {
            continue;
        };
        let secret = ctx
            .keys
            .open(sealed, &super::seed_context(ctx.user.id))
            .or_internal("opening a TOTP secret")?;
        let history = History {
            last_used_step: factor.last_used_step,
            drift: factor.drift_steps,
            pending: factor.pending_drift.zip(factor.pending_drift_step),
        };
        let (step, drift, resynchronised) = match verify(&secret, code, ctx.now, history) {
            Verdict::Accepted { step } => (step, factor.drift_steps, false),
            Verdict::Resynchronised { step, drift } => (step, drift, true),
            Verdict::Replayed => {
                refusal = AppError::CodeAlreadyUsed;
                continue;
            }
            Verdict::Wrong { near } => {
                wrong.push((factor.id, near));
                continue;
            }
            Verdict::Malformed => continue,
        };
        // The atomic step check refuses a code used at the same moment elsewhere.
        return if super::record_totp_use(conn, factor.id, step, drift, ctx.now)
            .await
            .or_internal("using a code")?
        {
            Ok(FactorVerdict::Accepted {
                clock_drift_steps: (resynchronised || drift != 0).then_some(drift),
            })
        } else {
            Ok(FactorVerdict::Refused(AppError::CodeAlreadyUsed))
        };
    }
    // Every wrong code writes the same (its near match, or nothing), so a drifted code looks like any other.
    for (id, near) in wrong {
        super::set_pending_drift(conn, id, near)
            .await
            .or_internal("recording a code")?;
    }
    Ok(FactorVerdict::Refused(refusal))
}

/// Starts adding an authenticator app: a new secret, sealed to its owner, waiting for its first code.
pub async fn begin_enrolment(
    conn: &mut Conn,
    keys: &Keyring,
    user: &User,
    label: &str,
    now: i64,
) -> Result<TotpSetup, sqlx::Error> {
    let secret = new_secret();
    let sealed = keys.seal(&secret, &super::seed_context(user.id));
    let factor_id = super::create_pending(
        conn,
        user.id,
        FactorKind::Totp,
        label,
        Some(&sealed),
        None,
        now,
    )
    .await?;
    let uri = otpauth_uri(&secret, &user.username);
    Ok(TotpSetup {
        factor_id,
        setup_key: setup_key(&secret),
        qr_svg: qr_svg(&uri),
        otpauth_uri: uri,
    })
}

/// A pending app setup lasts this long after its secret was shown (installing an app takes a while).
pub const PENDING_SECS: i64 = 60 * 60;
/// Wrong codes a pending setup takes before it must be started again.
pub const SETUP_ATTEMPTS: i64 = 10;

/// Confirms a pending app with its first code; answers the accepted step. At enrolment a code that
/// matches a clock a few minutes off is named as such: the person has just been shown the secret.
pub async fn finish_enrolment(
    conn: &mut Conn,
    keys: &Keyring,
    user: &User,
    factor_id: i64,
    code: &str,
    now: i64,
) -> Result<i64, AppError> {
    let expired = AppError::Invalid(Invalid::SetupExpired);
    let factor = super::find(conn, user.id, factor_id)
        .await
        .or_internal("reading a factor")?
        .filter(|f| {
            f.kind == FactorKind::Totp
                && f.confirmed_at.is_none()
                && now - f.created_at < PENDING_SECS
                && f.setup_attempts < SETUP_ATTEMPTS
        })
        .ok_or(expired.clone())?;
    let sealed = factor
        .secret_ciphertext
        .as_deref()
        .ok_or(AppError::Internal)?;
    let secret = keys
        .open(sealed, &super::seed_context(user.id))
        .or_internal("opening a TOTP secret")?;
    let refusal = match verify(&secret, code, now, History::default()) {
        Verdict::Accepted { step } => return Ok(step),
        Verdict::Wrong {
            near: Some((offset, _)),
        } => AppError::ClockDrift { steps: offset },
        _ => AppError::WrongCode,
    };
    let attempts = super::count_setup_attempt(conn, factor.id)
        .await
        .or_internal("counting a setup attempt")?;
    Err(if attempts >= SETUP_ATTEMPTS {
        expired
    } else {
        refusal
    })
}
