use crate::error::AppError;
use crate::types::{Enrolled, SignInStep};
use leptos::prelude::*;

/// Options for adding a passkey or security key (JSON for `navigator.credentials.create`).
#[server(prefix = "/api", endpoint = "begin_passkey_registration")]
pub async fn begin_passkey_registration() -> Result<String, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .passkeys
        .begin_passkey_registration(&call.req)
        .await;
    call.finish(result)
}

/// The browser's answer to a registration, and the key's nickname.
#[server(prefix = "/api", endpoint = "finish_passkey_registration")]
pub async fn finish_passkey_registration(
    credential: String,
    #[server(default)] label: String,
) -> Result<Enrolled, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .passkeys
        .finish_passkey_registration(&call.req, &credential, &label)
        .await;
    call.finish(result)
}

/// Options for an assertion by the user's own keys (second step, confirming identity).
#[server(prefix = "/api", endpoint = "begin_passkey_assertion")]
pub async fn begin_passkey_assertion() -> Result<String, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .passkeys
        .begin_passkey_assertion(&call.req)
        .await;
    call.finish(result)
}

/// Options for signing in without a password (`conditional`: for the browser's autofill).
#[server(prefix = "/api", endpoint = "begin_passkey_sign_in")]
pub async fn begin_passkey_sign_in(
    #[server(default)] conditional: bool,
) -> Result<String, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .passkeys
        .begin_passkey_sign_in(&call.req, conditional)
        .await;
    call.finish(result)
}

/// Signs in with a passkey (the browser's answer to `begin_passkey_sign_in`).
#[server(prefix = "/api", endpoint = "finish_passkey_sign_in")]
pub async fn finish_passkey_sign_in(credential: String) -> Result<SignInStep, AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .passkeys
        .finish_passkey_sign_in(&call.req, &credential)
        .await;
    call.finish(result)
}
