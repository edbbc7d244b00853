//! Adding a phone for text-message codes: the number checked, a code texted, the code that proves it.
use app::error::{AppError, Invalid};
use app::policy::PhoneNumber;
use app::service::RequestInfo;
use app::types::{CodeSent, Enrolled, FactorKind, PhoneSetup};

use crate::auth::factor;
use crate::auth::factor::otp::{self, Channel, Purpose};
use crate::auth::flow::Capability;
use crate::services::codes::Target;
use crate::services::{Core, Current, OrInternal};

pub(super) async fn begin_phone(
    core: &Core,
    req: &RequestInfo,
    phone: &str,
) -> Result<PhoneSetup, AppError> {
    if core.sms.is_none() {
        return Err(AppError::Invalid(Invalid::MethodUnavailable(
            FactorKind::Sms,
        )));
    }
    let number = PhoneNumber::parse(phone).ok_or(AppError::Invalid(Invalid::Phone))?;
    if !core.settings.codes.allows_number(number.as_str()) {
        return Err(AppError::Invalid(Invalid::PhoneCountryNotAllowed));
    }
    let mut conn = core.conn().await?;
    let current = core.enrolling(&mut conn, req).await?;
    let label = app::i18n::tr(current.user.locale, FactorKind::Sms.name_key(), &[]);
    let factor_id = factor::create_pending(
        &mut conn,
        current.user.id,
        FactorKind::Sms,
        &label,
        None,
        Some(number.as_str()),
        core.now(),
    )
    .await
    .or_internal("storing a pending factor")?;
    drop(conn);
    let sent = core
        .send_phone_code(req, &current, factor_id, number.as_str())
        .await?;
    Ok(PhoneSetup { factor_id, sent })
}

pub(super) async fn resend_phone_code(
    core: &Core,
    req: &RequestInfo,
    factor_id: i64,
) -> Result<CodeSent, AppError> {
    let mut conn = core.conn().await?;
    let current = core.at(&mut conn, req, Capability::Enrol).await?;
    let pending = otp::pending_phone(&mut conn, current.user.id, factor_id, core.now())
        .await
        .or_internal("reading a factor")?
        .ok_or(AppError::Invalid(Invalid::SetupExpired))?;
    drop(conn);
    let number = pending.phone.clone().unwrap_or_default();
    core.send_phone_code(req, &current, factor_id, &number)
        .await
}

pub(super) async fn confirm_phone(
    core: &Core,
    req: &RequestInfo,
    factor_id: i64,
    code: &str,
    label: &str,
) -> Result<Enrolled, AppError> {
    let mut conn = core.conn().await?;
    let current = core.at(&mut conn, req, Capability::Enrol).await?;
    otp::finish_phone_enrolment(
        &mut conn,
        &core.keys,
        current.user.id,
        current.session.id,
        factor_id,
        code,
        core.now(),
    )
    .await?;
    drop(conn);
    let fallback = app::i18n::tr(current.user.locale, FactorKind::Sms.name_key(), &[]);
    core.factor_enrolled(
        req,
        &current,
        factor_id,
        FactorKind::Sms,
        None,
        &factor::clean_label(label, &fallback),
    )
    .await
}

impl Core {
    /// Texts the code that proves a phone being added (bound to this session).
    async fn send_phone_code(
        &self,
        req: &RequestInfo,
        current: &Current,
        factor_id: i64,
        number: &str,
    ) -> Result<CodeSent, AppError> {
        let target = Target {
            channel: Channel::Sms,
            purpose: Purpose::Enrol,
            session_id: current.session.id,
            factor_id: Some(factor_id),
            number: Some(number),
        };
        self.send_one_time_code(req, &current.user, &target).await
    }
}
