//! Server functions: thin. Each reads the request, hands it to the `Portal` service, and applies cookies.
use crate::error::AppError;
use crate::types::{
    ChallengeInfo, Enrolled, FactorKind, LinkInfo, LinkKind, MailView, SecurityOverview,
    SessionState, SessionSummary, SignInStep, TotpSetup,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::service::{PortalHandle, RequestInfo};
    use http::{header, HeaderValue};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    pub fn portal() -> Result<PortalHandle, AppError> {
        use_context::<PortalHandle>().ok_or(AppError::Internal)
    }

    pub fn request() -> Result<RequestInfo, AppError> {
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
        Ok(RequestInfo::from_parts(&parts))
    }

    pub fn set_cookie(value: String) {
        if let (Some(res), Ok(v)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&value),
        ) {
            res.append_header(header::SET_COOKIE, v);
        }
    }

    /// A plain HTML form post (no JavaScript) gets a real redirect; the hydrated page navigates itself.
    pub fn redirect_plain_form(path: &str) {
        let plain_form = use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if plain_form {
            leptos_axum::redirect(path);
        }
    }
}

/// The password step of signing in.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(identifier: String, password: String) -> Result<SignInStep, AppError> {
    use crate::service::session_cookie;
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    let (step, issued) = portal.sign_in(&req, &identifier, &password).await?;
    ssr::set_cookie(session_cookie(&issued));
    ssr::redirect_plain_form(&step.next);
    Ok(step)
}

/// The visitor's session (anonymous, expired, or who they are and how far they got).
#[server(prefix = "/api", endpoint = "session_state")]
pub async fn get_session_state() -> Result<SessionState, AppError> {
    use crate::service::clear_session_cookie;
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    let lookup = portal.session_state(&req).await?;
    if lookup.clear_cookie {
        ssr::set_cookie(clear_session_cookie());
    }
    Ok(lookup.state)
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::service::clear_session_cookie;
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    let result = portal.sign_out(&req).await;
    // The cookie goes whatever happened to the row.
    ssr::set_cookie(clear_session_cookie());
    ssr::redirect_plain_form("/login?signed_out=1");
    result
}

#[server(prefix = "/api", endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionSummary>, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.list_sessions(&req).await
}

#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.revoke_session(&req, &id).await
}

#[server(prefix = "/api", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.revoke_other_sessions(&req).await
}

/// Change the password (from the user menu, or when the sign-in requires it).
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<SignInStep, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    let step = portal
        .change_password(&req, &current, &new, &confirm)
        .await?;
    ssr::redirect_plain_form(&step.next);
    Ok(step)
}

/// Forgot password: the same answer whether or not the username and email match an account.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(username: String, email: String) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.request_password_reset(&req, &username, &email).await
}

/// Whose account an emailed link opens (spends nothing: mail scanners may fetch links).
#[server(prefix = "/api", endpoint = "inspect_link")]
pub async fn inspect_link(kind: LinkKind, token: String) -> Result<LinkInfo, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.inspect_link(&req, kind, &token).await
}

/// Sets a password with a reset or invitation link (spends the link).
#[server(prefix = "/api", endpoint = "set_password_by_link")]
pub async fn set_password_by_link(
    kind: LinkKind,
    token: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal
        .set_password_by_link(&req, kind, &token, &new, &confirm)
        .await
}

/// Unlocks an account with the emailed unlock link (spends the link).
#[server(prefix = "/api", endpoint = "unlock_account")]
pub async fn unlock_account(token: String) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.unlock_by_link(&req, &token).await
}

/// The developer mailbox (only when the server enables it).
#[server(prefix = "/api", endpoint = "dev_mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailView>, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.dev_mailbox(&req).await
}

#[server(prefix = "/api", endpoint = "security_overview")]
pub async fn get_security_overview() -> Result<SecurityOverview, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.security_overview(&req).await
}

#[server(prefix = "/api", endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.confirm_password(&req, &password).await
}

#[server(prefix = "/api", endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<TotpSetup, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.begin_totp(&req).await
}

#[server(prefix = "/api", endpoint = "confirm_totp")]
pub async fn confirm_totp(
    factor_id: i64,
    code: String,
    label: String,
) -> Result<Enrolled, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.confirm_totp(&req, factor_id, &code, &label).await
}

#[server(prefix = "/api", endpoint = "remove_factor")]
pub async fn remove_factor(factor_id: i64) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.remove_factor(&req, factor_id).await
}

#[server(prefix = "/api", endpoint = "set_default_factor")]
pub async fn set_default_factor(kind: FactorKind) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.set_default_factor(&req, kind).await
}

#[server(prefix = "/api", endpoint = "regenerate_backup_codes")]
pub async fn regenerate_backup_codes() -> Result<Vec<String>, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.regenerate_backup_codes(&req).await
}

#[server(prefix = "/api", endpoint = "revoke_trusted_browser")]
pub async fn revoke_trusted_browser(id: String) -> Result<(), AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.revoke_trusted_browser(&req, &id).await
}

#[server(prefix = "/api", endpoint = "challenge")]
pub async fn challenge() -> Result<ChallengeInfo, AppError> {
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    portal.challenge(&req).await
}

/// The second step: a code from one of the user's factors, or a backup code (`kind` absent).
#[server(prefix = "/api", endpoint = "verify_second_factor")]
pub async fn verify_second_factor(
    kind: Option<FactorKind>,
    code: String,
    #[server(default)] trust: bool,
) -> Result<SignInStep, AppError> {
    use crate::service::trusted_browser_cookie;
    let (portal, req) = (ssr::portal()?, ssr::request()?);
    let (step, trusted) = portal
        .verify_second_factor(&req, kind, &code, trust)
        .await?;
    if let Some(trusted) = trusted {
        ssr::set_cookie(trusted_browser_cookie(&trusted));
    }
    ssr::redirect_plain_form(&step.next);
    Ok(step)
}
