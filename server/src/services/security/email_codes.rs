//! Turning on emailed codes: they go to the account's verified address, so nothing needs proving.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use app::types::{Enrolled, FactorKind};

use crate::auth::factor;
use crate::services::{Core, OrInternal};

pub(super) async fn enable_email_codes(
    core: &Core,
    req: &RequestInfo,
) -> Result<Enrolled, AppError> {
    let mut conn = core.conn().await?;
    let current = core.enrolling(&mut conn, req).await?;
    let user = &current.user;
    if !user.email_verified {
        return Err(AppError::Invalid(Invalid::EmailNotVerified));
    }
    if !factor::confirmed_of(&mut conn, user.id, FactorKind::Email)
        .await
        .or_internal("reading factors")?
        .is_empty()
    {
        return Err(AppError::Invalid(Invalid::WrongState));
    }
    let label = app::i18n::tr(user.locale, FactorKind::Email.name_key(), &[]);
    let factor_id = factor::create_pending(
        &mut conn,
        user.id,
        FactorKind::Email,
        &label,
        None,
        None,
        core.now(),
    )
    .await
    .or_internal("storing a pending factor")?;
    drop(conn);
    core.factor_enrolled(req, &current, factor_id, FactorKind::Email, None, &label)
        .await
}
