//! Adding an authenticator app: the secret shown, then the first code that proves it.
use app::error::AppError;
use app::service::RequestInfo;
use app::types::{Enrolled, FactorKind, TotpSetup};

use crate::auth::factor::{self, totp};
use crate::auth::flow::Capability;
use crate::services::{Core, OrInternal};
use crate::users;

/// A new app's name until the person names it: the method's name in their language.
fn totp_label(user: &users::User) -> String {
    app::i18n::tr(user.locale, FactorKind::Totp.name_key(), &[])
}

pub(super) async fn begin_totp(core: &Core, req: &RequestInfo) -> Result<TotpSetup, AppError> {
    let mut conn = core.conn().await?;
    let current = core.enrolling(&mut conn, req).await?;
    totp::begin_enrolment(
        &mut conn,
        &core.keys,
        &current.user,
        &totp_label(&current.user),
        core.now(),
    )
    .await
    .or_internal("storing a pending factor")
}

pub(super) async fn confirm_totp(
    core: &Core,
    req: &RequestInfo,
    factor_id: i64,
    code: &str,
    label: &str,
) -> Result<Enrolled, AppError> {
    let mut conn = core.conn().await?;
    // The window was checked when the secret was shown: finishing may take as long as the app does.
    let current = core.at(&mut conn, req, Capability::Enrol).await?;
    let user = &current.user;
    let now = core.now();
    let step = totp::finish_enrolment(&mut conn, &core.keys, user, factor_id, code, now).await?;
    drop(conn);
    core.factor_enrolled(
        req,
        &current,
        factor_id,
        FactorKind::Totp,
        Some(step),
        &factor::clean_label(label, &totp_label(user)),
    )
    .await
}
