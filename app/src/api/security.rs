use crate::error::AppError;
use crate::types::{CodeSent, Enrolled, Method, PhoneSetup, TotpSetup};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "security_overview")]
pub async fn security_overview() -> Result<crate::types::SecurityOverview, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.security.security_overview(&call.req).await;
    call.finish(result)
}

/// The methods the mandatory enrolment offers.
#[server(prefix = "/api", endpoint = "enrollment_options")]
pub async fn enrollment_options() -> Result<crate::types::EnrollmentOptions, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.security.enrollment_options(&call.req).await;
    call.finish(result)
}

/// Confirms identity before a sensitive change: the password, and a second factor when there is one.
#[server(prefix = "/api", endpoint = "confirm_identity")]
pub async fn confirm_identity(
    password: String,
    #[server(default)] method: Option<Method>,
    #[server(default)] code: String,
) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .confirm_identity(&call.req, &password, method, &code)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<TotpSetup, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.security.begin_totp(&call.req).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "confirm_totp")]
pub async fn confirm_totp(
    factor_id: i64,
    code: String,
    #[server(default)] label: String,
) -> Result<Enrolled, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .confirm_totp(&call.req, factor_id, &code, &label)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "rename_factor")]
pub async fn rename_factor(factor_id: i64, label: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .rename_factor(&call.req, factor_id, &label)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "remove_factor")]
pub async fn remove_factor(factor_id: i64) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .remove_factor(&call.req, factor_id)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "set_default_method")]
pub async fn set_default_method(method: Method) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .set_default_method(&call.req, method)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "regenerate_backup_codes")]
pub async fn regenerate_backup_codes() -> Result<Vec<String>, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .regenerate_backup_codes(&call.req)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "revoke_trusted_browser")]
pub async fn revoke_trusted_browser(id: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .revoke_trusted_browser(&call.req, &id)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "begin_phone")]
pub async fn begin_phone(phone: String) -> Result<PhoneSetup, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.security.begin_phone(&call.req, &phone).await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "resend_phone_code")]
pub async fn resend_phone_code(factor_id: i64) -> Result<CodeSent, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .resend_phone_code(&call.req, factor_id)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "confirm_phone")]
pub async fn confirm_phone(
    factor_id: i64,
    code: String,
    #[server(default)] label: String,
) -> Result<Enrolled, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .security
        .confirm_phone(&call.req, factor_id, &code, &label)
        .await;
    call.finish(result)
}

#[server(prefix = "/api", endpoint = "enable_email_codes")]
pub async fn enable_email_codes() -> Result<Enrolled, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call.services.security.enable_email_codes(&call.req).await;
    call.finish(result)
}
