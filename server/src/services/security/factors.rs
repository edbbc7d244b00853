//! Managing enrolled factors: renaming one, removing one (a recent full authentication), the default.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use app::types::{FactorKind, Method};
use serde_json::json;

use crate::audit::Event;
use crate::auth::factor::{self, backup_codes};
use crate::auth::flow::Capability;
use crate::services::credentials::Change;
use crate::services::{Core, OrInternal};
use crate::users;

pub(super) async fn rename_factor(
    core: &Core,
    req: &RequestInfo,
    factor_id: i64,
    label: &str,
) -> Result<(), AppError> {
    let mut conn = core.conn().await?;
    let current = core.at(&mut conn, req, Capability::UseAccount).await?;
    let label = label.trim();
    if label.is_empty() {
        return Err(AppError::Invalid(Invalid::Required("label".into())));
    }
    if label.chars().count() > 60 {
        return Err(AppError::Invalid(Invalid::TooLong("label".into())));
    }
    if !factor::rename(
        &mut conn,
        current.user.id,
        factor_id,
        &factor::clean_label(label, label),
    )
    .await
    .or_internal("renaming a factor")?
    {
        return Err(AppError::NotFound);
    }
    core.audit(
        &mut conn,
        req,
        Event::FactorRenamed,
        Some(current.user.id),
        Some(current.user.id),
        json!({}),
    )
    .await
}

pub(super) async fn remove_factor(
    core: &Core,
    req: &RequestInfo,
    factor_id: i64,
) -> Result<(), AppError> {
    let mut conn = core.conn().await?;
    let current = core.full_and_recent(&mut conn, req).await?;
    let user = &current.user;
    let target = factor::find(&mut conn, user.id, factor_id)
        .await
        .or_internal("reading a factor")?
        .ok_or(AppError::NotFound)?;
    let confirmed = factor::confirmed(&mut conn, user.id)
        .await
        .or_internal("reading factors")?;
    let remaining: Vec<FactorKind> = confirmed
        .iter()
        .filter(|f| f.id != target.id)
        .map(|f| f.kind)
        .collect();
    if target.confirmed_at.is_some() && remaining.is_empty() && core.settings.mfa.required_for(user)
    {
        return Err(AppError::Invalid(Invalid::LastMandatoryMethod));
    }
    drop(conn);
    let mut tx = core.begin().await?;
    factor::delete(&mut tx, user.id, target.id)
        .await
        .or_internal("removing a factor")?;
    if target.confirmed_at.is_none() {
        return tx.commit().await.or_internal("committing");
    }
    if remaining.is_empty() {
        // Without a second factor, backup codes mean nothing.
        backup_codes::delete_all(&mut tx, user.id)
            .await
            .or_internal("removing backup codes")?;
    }
    let default = user.default_method.as_deref().and_then(FactorKind::from_db);
    if default.is_some_and(|d| !remaining.contains(&d)) {
        users::set_default_method(&mut tx, user.id, remaining.first().map(|k| k.as_db()))
            .await
            .or_internal("default method")?;
    }
    core.credentials_changed(
        &mut tx,
        Some(req),
        user,
        Change::FactorRemoved(target.kind),
        Some(current.session.id),
    )
    .await?;
    core.audit(
        &mut tx,
        req,
        Event::FactorRemoved,
        Some(user.id),
        Some(user.id),
        json!({ "kind": target.kind.as_db() }),
    )
    .await?;
    tx.commit().await.or_internal("committing")
}

pub(super) async fn set_default_method(
    core: &Core,
    req: &RequestInfo,
    method: Method,
) -> Result<(), AppError> {
    let mut conn = core.conn().await?;
    let current = core.at(&mut conn, req, Capability::UseAccount).await?;
    let kind = method
        .factor()
        .ok_or(AppError::Invalid(Invalid::MethodUnavailable(
            FactorKind::Totp,
        )))?;
    if !core
        .methods(&mut conn, &current.user)
        .await?
        .contains(&Method::Factor(kind))
    {
        return Err(AppError::Invalid(Invalid::MethodUnavailable(kind)));
    }
    users::set_default_method(&mut conn, current.user.id, Some(kind.as_db()))
        .await
        .or_internal("default method")
}
