//! A text-message factor being added: open for confirmation for a while, proved by a texted code.
use super::{check, Channel, Check, Purpose, Slot};
use crate::auth::factor;
use crate::db::Conn;
use crate::keyring::Keyring;
use app::error::AppError;

/// A phone being added waits this long for its code.
pub const PHONE_PENDING_SECS: i64 = 30 * 60;
/// Wrong codes a phone being added takes before it must be started again.
pub const PHONE_SETUP_ATTEMPTS: i64 = 5;

/// A pending text-message factor of the user, still open for confirmation.
pub async fn pending_phone(
    conn: &mut Conn,
    user_id: i64,
    factor_id: i64,
    now: i64,
) -> Result<Option<factor::Factor>, sqlx::Error> {
    Ok(factor::find(conn, user_id, factor_id).await?.filter(|f| {
        f.kind == app::types::FactorKind::Sms
            && f.confirmed_at.is_none()
            && f.phone.is_some()
            && now - f.created_at < PHONE_PENDING_SECS
            && f.setup_attempts < PHONE_SETUP_ATTEMPTS
    }))
}

/// Confirms a phone being added with the code texted to it (in this session).
pub async fn finish_phone_enrolment(
    conn: &mut Conn,
    keys: &Keyring,
    user_id: i64,
    session_id: i64,
    factor_id: i64,
    code: &str,
    now: i64,
) -> Result<(), AppError> {
    let expired = AppError::Invalid(app::error::Invalid::SetupExpired);
    let internal = |e: sqlx::Error| {
        tracing::error!(error = %e, "confirming a phone");
        AppError::Internal
    };
    let factor = pending_phone(conn, user_id, factor_id, now)
        .await
        .map_err(internal)?
        .ok_or(expired.clone())?;
    let slot = Slot {
        user_id,
        session_id,
        purpose: Purpose::Enrol,
        channel: Channel::Sms,
    };
    let refusal = match check(conn, keys, &slot, code, now)
        .await
        .map_err(internal)?
    {
        Check::Accepted { factor_id } if factor_id == Some(factor.id) => return Ok(()),
        Check::Expired => AppError::CodeExpired,
        _ => AppError::WrongCode,
    };
    let attempts = factor::count_setup_attempt(conn, factor.id)
        .await
        .map_err(internal)?;
    Err(if attempts >= PHONE_SETUP_ATTEMPTS {
        expired
    } else {
        refusal
    })
}
