//! The browser's cookies: names, and the `Set-Cookie` texts. Every cookie is `__Host-` prefixed (Secure,
//! Path=/, no Domain), HttpOnly and SameSite=Lax: a link from an email must arrive signed in, and
//! state-changing requests are protected by the Origin check.
use super::{CookieChange, IssuedToken};

/// The session: a random token the server knows only as a hash.
pub const SESSION_COOKIE: &str = "__Host-portcullis_session";
/// "Don't ask again on this browser": a random token the server knows only as a hash.
pub const TRUSTED_BROWSER_COOKIE: &str = "__Host-portcullis_trusted";
/// A long-lived random device id (new-device alerts), known to the server only as a hash.
pub const DEVICE_COOKIE: &str = "__Host-portcullis_device";
/// A sign-in with a passkey in progress: binds the ceremony to this browser (the server keeps its hash).
pub const PASSKEY_CEREMONY_COOKIE: &str = "__Host-portcullis_webauthn";
/// The chosen language.
pub const LOCALE_COOKIE: &str = "__Host-portcullis_lang";
/// The browser's time zone, as it reported it.
pub const TIME_ZONE_COOKIE: &str = "__Host-portcullis_tz";

/// A year, for preferences and the device id.
const LONG_SECS: u64 = 400 * 86_400;

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

fn set(name: &str, value: &str, max_age: u64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
}

fn token(name: &str, issued: &IssuedToken) -> String {
    set(name, &issued.token, issued.max_age_secs)
}

/// The `Set-Cookie` value for a change.
pub fn set_cookie(change: &CookieChange) -> String {
    match change {
        CookieChange::Session(t) => token(SESSION_COOKIE, t),
        CookieChange::ClearSession => set(SESSION_COOKIE, "", 0),
        CookieChange::TrustedBrowser(t) => token(TRUSTED_BROWSER_COOKIE, t),
        CookieChange::ClearTrustedBrowser => set(TRUSTED_BROWSER_COOKIE, "", 0),
        CookieChange::Device(t) => token(DEVICE_COOKIE, t),
        CookieChange::PasskeyCeremony(t) => token(PASSKEY_CEREMONY_COOKIE, t),
        CookieChange::ClearPasskeyCeremony => set(PASSKEY_CEREMONY_COOKIE, "", 0),
        CookieChange::Locale(l) => set(LOCALE_COOKIE, l.tag(), LONG_SECS),
        CookieChange::TimeZone(tz) => set(TIME_ZONE_COOKIE, tz, LONG_SECS),
    }
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
    fn every_cookie_has_every_protection() {
        let issued = IssuedToken {
            token: "t".into(),
            max_age_secs: 60,
        };
        for change in [
            CookieChange::Session(issued.clone()),
            CookieChange::TrustedBrowser(issued.clone()),
            CookieChange::PasskeyCeremony(issued.clone()),
            CookieChange::Device(issued),
            CookieChange::Locale(crate::types::Locale::Fr),
            CookieChange::ClearSession,
        ] {
            let c = set_cookie(&change);
            for part in ["__Host-", "HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
                assert!(c.contains(part), "{c} lacks {part}");
            }
            assert!(!c.contains("Domain"));
        }
    }

    #[test]
    fn request_info_debug_hides_the_token() {
        let r = super::super::RequestInfo {
            session_token: Some("secret-token".into()),
            ..Default::default()
        };
        assert!(!format!("{r:?}").contains("secret-token"));
    }
}
