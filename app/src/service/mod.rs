//! The interfaces between the server functions (declared in this crate) and the services behind them
//! (implemented by the `server` crate, one file per area, and provided as context). Server-side only: no
//! SQL, no key material. Each area is a small trait; a server function calls the method of the same name.
mod areas;
mod cookies;

pub use areas::*;
pub use cookies::*;

use crate::types::Locale;
use http::request::Parts;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The client's address as the server decided it (peer address, or the first untrusted hop of a trusted
/// proxy's `X-Forwarded-For`). The server's HTTP layer puts it into every request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// The Content-Security-Policy nonce of the response being rendered (put into request extensions by the
/// server's HTTP layer).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The id the server's HTTP layer gave this request (in every log line of its span).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// What a service may know about the request behind a server function, and what it wants the response
/// to do to the browser's cookies (`effects`, applied by the server function).
#[derive(Clone, Default)]
pub struct RequestInfo {
    pub session_token: Option<String>,
    pub trusted_browser: Option<String>,
    /// The long-lived device cookie (recognises a browser across sign-ins and updates).
    pub device: Option<String>,
    /// The cookie binding a passwordless passkey ceremony to this browser.
    pub passkey_ceremony: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    /// The language the visitor chose (cookie) or asked for (`Accept-Language`).
    pub locale: Locale,
    /// Whether `locale` was chosen explicitly (the cookie), rather than guessed.
    pub locale_chosen: bool,
    /// The IANA time zone the browser reported (cookie), e.g. `Europe/Paris`.
    pub time_zone: Option<String>,
    pub effects: Effects,
}

impl std::fmt::Debug for RequestInfo {
    // Tokens are secrets: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestInfo")
            .field(
                "session",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("ip", &self.ip)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl RequestInfo {
    pub fn from_parts(parts: &Parts) -> RequestInfo {
        let headers = &parts.headers;
        let chosen = read_cookie(headers, LOCALE_COOKIE).and_then(|c| Locale::from_tag(&c));
        let guessed = headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language);
        RequestInfo {
            session_token: read_cookie(headers, SESSION_COOKIE),
            trusted_browser: read_cookie(headers, TRUSTED_BROWSER_COOKIE),
            device: read_cookie(headers, DEVICE_COOKIE),
            passkey_ceremony: read_cookie(headers, PASSKEY_CEREMONY_COOKIE),
            ip: parts.extensions.get::<ClientAddr>().map(|c| c.0),
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(512)
                .collect(),
            locale: chosen.or(guessed).unwrap_or_default(),
            locale_chosen: chosen.is_some(),
            time_zone: read_cookie(headers, TIME_ZONE_COOKIE)
                .filter(|tz| crate::format::plausible_time_zone(tz)),
            effects: Effects::default(),
        }
    }
}

/// Cookie changes a service asks for; the server function writes them into the response.
#[derive(Clone, Default)]
pub struct Effects(Arc<Mutex<Vec<CookieChange>>>);

impl Effects {
    pub fn push(&self, change: CookieChange) {
        if let Ok(mut list) = self.0.lock() {
            list.push(change);
        }
    }

    pub fn take(&self) -> Vec<CookieChange> {
        self.0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

/// A new secret the browser must keep in a cookie (session, trusted browser, device).
#[derive(Clone)]
pub struct IssuedToken {
    pub token: String,
    /// Seconds the cookie may live.
    pub max_age_secs: u64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("max_age_secs", &self.max_age_secs)
            .finish_non_exhaustive()
    }
}

/// What a service wants done to the browser's cookies.
#[derive(Debug, Clone)]
pub enum CookieChange {
    Session(IssuedToken),
    ClearSession,
    TrustedBrowser(IssuedToken),
    ClearTrustedBrowser,
    Device(IssuedToken),
    PasskeyCeremony(IssuedToken),
    ClearPasskeyCeremony,
    Locale(Locale),
    TimeZone(String),
}

/// Every service area, as the server provides them to server functions and pages (one context value).
#[derive(Clone)]
pub struct Services {
    pub sign_in: Arc<dyn SignInService>,
    pub second_step: Arc<dyn SecondStepService>,
    pub account: Arc<dyn AccountService>,
    pub security: Arc<dyn SecurityService>,
    pub passkeys: Arc<dyn PasskeyService>,
    pub profile: Arc<dyn ProfileService>,
    pub sessions: Arc<dyn SessionsService>,
    pub admin: Arc<dyn AdminService>,
    pub activity: Arc<dyn ActivityService>,
    pub recovery: Arc<dyn RecoveryService>,
    pub preferences: Arc<dyn PreferencesService>,
    pub developer: Arc<dyn DeveloperService>,
}
