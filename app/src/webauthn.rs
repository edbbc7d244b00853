//! The browser side of passkeys: `navigator.credentials.create/get` from Rust. The server's options
//! arrive as JSON with binary values in base64url; they are turned into buffers here, and the
//! authenticator's answer goes back as JSON in the same encoding (the shape webauthn-rs reads). Only
//! the few fields that are binary are touched, through `js_sys::Reflect`, so this costs the first
//! download next to nothing (no serde model of WebAuthn in the browser).
//!
//! On the server (rendering) every function answers `Unsupported`: ceremonies start only from events
//! and effects, which run in the browser.

/// Why a ceremony did not produce an answer, as the page tells the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyError {
    /// The person closed the dialog, or the authenticator refused.
    Cancelled,
    /// Nothing happened before the ceremony's time ran out.
    TimedOut,
    /// The authenticator already holds a credential for this account.
    AlreadyRegistered,
    /// This browser cannot do WebAuthn.
    Unsupported,
    /// The page is not on the site's host name (e.g. opened on 127.0.0.1).
    WrongHost,
    /// Stopped by the page itself (a passkey autofill given up for the button): say nothing.
    Aborted,
    /// Anything else.
    Failed,
}

impl CeremonyError {
    /// The catalogue key of the message.
    pub fn key(self) -> &'static str {
        match self {
            CeremonyError::Cancelled => "passkey.error_cancelled",
            CeremonyError::TimedOut => "passkey.error_timeout",
            CeremonyError::AlreadyRegistered => "passkey.error_already_registered",
            CeremonyError::Unsupported => "passkey.error_unsupported",
            CeremonyError::WrongHost => "passkey.error_host",
            CeremonyError::Aborted | CeremonyError::Failed => "passkey.error_failed",
        }
    }
}

/// base64url without padding (what webauthn-rs writes and reads).
pub fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Reads base64url (padding and the standard alphabet tolerated); `None` if it is not.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether a host name is an IP address, where WebAuthn cannot work.
pub fn is_ip_address(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>().is_ok()
}

/// Whether the page is opened on an IP address.
pub fn on_ip_address() -> bool {
    #[cfg(feature = "hydrate")]
    let host = web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    let host = String::new();
    is_ip_address(&host)
}

#[cfg(feature = "hydrate")]
mod browser;

#[cfg(feature = "hydrate")]
pub use browser::{abort_waiting, conditional_available, create, request, supported};

/// Rendering on the server: no ceremony ever starts there.
#[cfg(not(feature = "hydrate"))]
mod rendering {
    use super::CeremonyError;

    /// Whether this browser can do WebAuthn at all.
    pub fn supported() -> bool {
        false
    }

    /// Whether the browser can offer passkeys in a username field's autofill.
    pub async fn conditional_available() -> bool {
        false
    }

    /// Registers a new credential with the server's options; answers the JSON to send back.
    pub async fn create(_options: &str) -> Result<String, CeremonyError> {
        Err(CeremonyError::Unsupported)
    }

    /// Asks for an assertion with the server's options (`conditional`: offered in the autofill until
    /// the person picks a passkey or the page gives it up); answers the JSON to send back.
    pub async fn request(_options: &str, _conditional: bool) -> Result<String, CeremonyError> {
        Err(CeremonyError::Unsupported)
    }

    /// Gives up the autofill request waiting on the page.
    pub fn abort_waiting() {}
}

#[cfg(not(feature = "hydrate"))]
pub use rendering::{abort_waiting, conditional_available, create, request, supported};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for bytes in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0xfb, 0xff, 0xfe],
        ] {
            let text = encode(bytes);
            assert!(!text.contains('='));
            assert_eq!(decode(&text).as_deref(), Some(bytes));
        }
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode("not base64!"), None);
    }

    #[test]
    fn ip_addresses_are_no_host_names() {
        assert!(is_ip_address("127.0.0.1"));
        assert!(is_ip_address("[::1]"));
        assert!(!is_ip_address("localhost"));
        assert!(!is_ip_address(""));
    }
}
