//! New backup codes (a recent full authentication): the old ones stop working.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use serde_json::json;

use crate::audit::Event;
use crate::auth::factor::{self, backup_codes};
use crate::services::credentials::Change;
use crate::services::{Core, OrInternal};

pub(super) async fn regenerate_backup_codes(
    core: &Core,
    req: &RequestInfo,
) -> Result<Vec<String>, AppError> {
    let mut conn = core.conn().await?;
    let current = core.full_and_recent(&mut conn, req).await?;
    let user = &current.user;
    if !factor::has_confirmed(&mut conn, user.id)
        .await
        .or_internal("reading factors")?
    {
        return Err(AppError::Invalid(Invalid::NoSecondFactor));
    }
    drop(conn);
    let mut tx = core.begin().await?;
    let codes = backup_codes::replace(&mut tx, &core.keys, user.id, core.now())
        .await
        .or_internal("creating backup codes")?;
    core.credentials_changed(
        &mut tx,
        Some(req),
        user,
        Change::BackupCodesRegenerated,
        Some(current.session.id),
    )
    .await?;
    core.audit(
        &mut tx,
        req,
        Event::BackupCodesRegenerated,
        Some(user.id),
        Some(user.id),
        json!({}),
    )
    .await?;
    tx.commit().await.or_internal("committing")?;
    Ok(codes)
}
