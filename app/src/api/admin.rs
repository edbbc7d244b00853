//! The back office's server functions. Each refuses anyone but an administrator in a full, recently
//! authenticated session (the service checks; these only hand over).
use crate::error::AppError;
use crate::types::{AdminUserDetail, CreatedUser, Role, UserPage};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "admin_users")]
pub async fn admin_users(
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<UserPage, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_users(&call.req, &search, page)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_user")]
pub async fn admin_user(username: String) -> Result<AdminUserDetail, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.admin.admin_user(&call.req, &username).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_create_user")]
pub async fn admin_create_user(
    username: String,
    email: String,
    #[server(default)] display_name: String,
    role: Role,
    #[server(default)] invite: bool,
    #[server(default)] mfa_required: bool,
) -> Result<CreatedUser, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_create_user(
            &call.req,
            &username,
            &email,
            &display_name,
            role,
            invite,
            mfa_required,
        )
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_set_role")]
pub async fn admin_set_role(username: String, role: Role) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_set_role(&call.req, &username, role)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_set_disabled")]
pub async fn admin_set_disabled(username: String, disabled: bool) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_set_disabled(&call.req, &username, disabled)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_unlock")]
pub async fn admin_unlock(username: String) -> Result<bool, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.admin.admin_unlock(&call.req, &username).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_issue_temporary_password")]
pub async fn admin_issue_temporary_password(username: String) -> Result<String, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_issue_temporary_password(&call.req, &username)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_end_sessions")]
pub async fn admin_end_sessions(username: String) -> Result<u64, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_end_sessions(&call.req, &username)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_require_two_factor")]
pub async fn admin_require_two_factor(username: String, required: bool) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_require_two_factor(&call.req, &username, required)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_audit")]
pub async fn admin_audit(
    #[server(default)] event: String,
    #[server(default)] user: String,
    #[server(default)] page: u32,
) -> Result<crate::types::AuditPage, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_audit(&call.req, &event, &user, page)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_recovery_requests")]
pub async fn admin_recovery_requests() -> Result<Vec<crate::types::RecoveryView>, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.admin.admin_recovery_requests(&call.req).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_record_verification")]
pub async fn admin_record_verification(
    id: i64,
    method: String,
    reference: String,
) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_record_verification(&call.req, id, &method, &reference)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_approve_recovery")]
pub async fn admin_approve_recovery(id: i64) -> Result<i64, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_approve_recovery(&call.req, id)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "admin_reject_recovery")]
pub async fn admin_reject_recovery(id: i64) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .admin
        .admin_reject_recovery(&call.req, id)
        .await;
    call.finish(result)
}
