//! The interface between the server functions (declared in this crate) and the services behind them
//! (implemented by the `server` crate and provided as context). Server-side only: no SQL, no key material.
use crate::error::AppError;
use crate::types::{
    ChallengeInfo, Enrolled, FactorKind, LinkInfo, LinkKind, MailView, SecurityOverview,
    SessionState, SessionSummary, SignInStep, TotpSetup,
};
use async_trait::async_trait;
use http::request::Parts;
use std::net::IpAddr;
use std::sync::Arc;

/// The session cookie. `__Host-` makes the browser insist on Secure, Path=/ and no Domain.
pub const SESSION_COOKIE: &str = "__Host-portcullis_session";
/// "Don't ask again on this browser": a random token the server knows only as a hash.
pub const TRUSTED_BROWSER_COOKIE: &str = "__Host-portcullis_trusted";

/// The client's address as the server decided it (peer address, or a trusted proxy's header).
/// The server's HTTP layer puts it into every request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// What a service may know about the request behind a server function.
#[derive(Clone, Default)]
pub struct RequestInfo {
    pub session_token: Option<String>,
    pub trusted_browser: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: String,
}

impl std::fmt::Debug for RequestInfo {
    // The session token is a secret: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestInfo")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl RequestInfo {
    pub fn from_parts(parts: &Parts) -> RequestInfo {
        RequestInfo {
            session_token: read_cookie(&parts.headers, SESSION_COOKIE),
            trusted_browser: read_cookie(&parts.headers, TRUSTED_BROWSER_COOKIE),
            ip: parts.extensions.get::<ClientAddr>().map(|c| c.0),
            user_agent: parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(512)
                .collect(),
        }
    }
}

/// A new session the browser must keep.
pub struct IssuedSession {
    pub token: String,
    /// Seconds the cookie may live (the absolute session cap; the server also enforces inactivity).
    pub max_age_secs: u64,
}

impl std::fmt::Debug for IssuedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSession")
            .field("max_age_secs", &self.max_age_secs)
            .finish_non_exhaustive()
    }
}

/// What a session lookup found, and whether the browser's cookie should be dropped.
pub struct Lookup {
    pub state: SessionState,
    pub clear_cookie: bool,
}

/// The sign-in services the server functions need. The server crate implements it.
#[async_trait]
pub trait Portal: Send + Sync + 'static {
    /// The password step. On success a new session (new token, partial or full) replaces any old one.
    async fn sign_in(
        &self,
        req: &RequestInfo,
        identifier: &str,
        password: &str,
    ) -> Result<(SignInStep, IssuedSession), AppError>;

    /// The visitor's session, touching its inactivity clock.
    async fn session_state(&self, req: &RequestInfo) -> Result<Lookup, AppError>;

    /// Ends the current session (partial or full).
    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError>;

    /// Sets a new password. Allowed in a full session and in the forced-change stage; ends every other
    /// session and answers where the browser goes next.
    async fn change_password(
        &self,
        req: &RequestInfo,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<SignInStep, AppError>;

    /// Forgot password: emails a reset link when username and email match an account. Answers the same,
    /// in body and time, whether they match or not.
    async fn request_password_reset(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError>;

    /// Whose account a still-valid emailed link opens; spends nothing.
    async fn inspect_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
    ) -> Result<LinkInfo, AppError>;

    /// Spends a reset or invitation link to set a new password.
    async fn set_password_by_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError>;

    /// Spends an unlock link.
    async fn unlock_by_link(&self, req: &RequestInfo, token: &str) -> Result<(), AppError>;

    /// Every recent email, for the developer mailbox; `NotFound` unless it is enabled.
    async fn dev_mailbox(&self, req: &RequestInfo) -> Result<Vec<MailView>, AppError>;

    /// The security & sign-in settings. Needs a full session.
    async fn security_overview(&self, req: &RequestInfo) -> Result<SecurityOverview, AppError>;

    /// Confirms the password, opening a short window for changing second factors.
    async fn confirm_password(&self, req: &RequestInfo, password: &str) -> Result<(), AppError>;

    /// Starts adding an authenticator app: a new secret, shown once, active after its first code.
    async fn begin_totp(&self, req: &RequestInfo) -> Result<TotpSetup, AppError>;

    /// Activates the authenticator app with a code from it.
    async fn confirm_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError>;

    async fn remove_factor(&self, req: &RequestInfo, factor_id: i64) -> Result<(), AppError>;

    async fn set_default_factor(&self, req: &RequestInfo, kind: FactorKind)
        -> Result<(), AppError>;

    /// A new set of backup codes (the old set stops working). Shown once.
    async fn regenerate_backup_codes(&self, req: &RequestInfo) -> Result<Vec<String>, AppError>;

    async fn revoke_trusted_browser(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;

    /// What the second step offers. Needs a session at that step.
    async fn challenge(&self, req: &RequestInfo) -> Result<ChallengeInfo, AppError>;

    /// The second step with a code from a factor (or a backup code when `kind` is None). With `trust`,
    /// the browser is remembered and the cookie to keep comes back.
    async fn verify_second_factor(
        &self,
        req: &RequestInfo,
        kind: Option<FactorKind>,
        code: &str,
        trust: bool,
    ) -> Result<(SignInStep, Option<IssuedSession>), AppError>;

    /// The signed-in user's sessions. Needs a full session.
    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError>;

    /// Ends one of the signed-in user's other sessions. Needs a full session.
    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;

    /// Ends every other session of the signed-in user. Needs a full session.
    async fn revoke_other_sessions(&self, req: &RequestInfo) -> Result<u64, AppError>;
}

/// How the server provides the services to server functions and pages.
pub type PortalHandle = Arc<dyn Portal>;

pub fn read_cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a session token: HttpOnly, Secure, SameSite=Lax (a link from an email must arrive
/// signed in; state-changing requests are protected by the Origin check), `__Host-` prefixed.
pub fn session_cookie(issued: &IssuedSession) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
        issued.token, issued.max_age_secs
    )
}

/// `Set-Cookie` for a trusted-browser token (same protections as the session cookie).
pub fn trusted_browser_cookie(issued: &IssuedSession) -> String {
    format!(
        "{TRUSTED_BROWSER_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
        issued.token, issued.max_age_secs
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_among_others() {
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::COOKIE,
            "a=1; __Host-portcullis_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(read_cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(read_cookie(&h, "missing"), None);
    }

    #[test]
    fn session_cookie_has_every_protection() {
        let c = session_cookie(&IssuedSession {
            token: "t".into(),
            max_age_secs: 60,
        });
        for part in ["__Host-", "HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!c.contains("Domain"));
    }

    #[test]
    fn request_info_debug_hides_the_token() {
        let r = RequestInfo {
            session_token: Some("secret-token".into()),
            ..Default::default()
        };
        assert!(!format!("{r:?}").contains("secret-token"));
    }
}

/// The Content-Security-Policy nonce of the response being rendered (put into request extensions by the
/// server's HTTP layer).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);
