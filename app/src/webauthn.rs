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
mod browser {
    use super::{decode, encode, CeremonyError};
    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
    use std::cell::RefCell;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    thread_local! {
        /// The passkey autofill request waiting on the sign-in page, if any.
        static WAITING: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn set(target: &JsValue, key: &str, value: &JsValue) {
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    }

    /// Replaces the base64url text at `target[key]` with its bytes.
    fn to_buffer(target: &JsValue, key: &str) -> Result<(), CeremonyError> {
        if let Some(text) = get(target, key).as_string() {
            let bytes = decode(&text).ok_or(CeremonyError::Failed)?;
            set(target, key, &Uint8Array::from(bytes.as_slice()).into());
        }
        Ok(())
    }

    fn ids_to_buffers(target: &JsValue, key: &str) -> Result<(), CeremonyError> {
        let list = get(target, key);
        if Array::is_array(&list) {
            for item in Array::from(&list).iter() {
                to_buffer(&item, "id")?;
            }
        }
        Ok(())
    }

    fn b64(value: &JsValue) -> JsValue {
        if value.is_undefined() || value.is_null() {
            return JsValue::NULL;
        }
        JsValue::from_str(&encode(&Uint8Array::new(value).to_vec()))
    }

    fn call_method(target: &JsValue, name: &str) -> JsValue {
        match get(target, name).dyn_into::<Function>() {
            Ok(f) => f.call0(target).unwrap_or(JsValue::UNDEFINED),
            Err(_) => JsValue::UNDEFINED,
        }
    }

    fn credentials() -> Result<JsValue, CeremonyError> {
        let window = web_sys::window().ok_or(CeremonyError::Unsupported)?;
        if get(&window, "PublicKeyCredential").is_undefined() {
            return Err(CeremonyError::Unsupported);
        }
        let container = get(&window.navigator(), "credentials");
        if container.is_undefined() {
            return Err(CeremonyError::Unsupported);
        }
        Ok(container)
    }

    pub fn supported() -> bool {
        credentials().is_ok()
    }

    pub async fn conditional_available() -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let pkc = get(&window, "PublicKeyCredential");
        if pkc.is_undefined() {
            return false;
        }
        let Ok(check) = get(&pkc, "isConditionalMediationAvailable").dyn_into::<Function>() else {
            return false;
        };
        match check.call0(&pkc).map(|p| p.dyn_into::<Promise>()) {
            Ok(Ok(promise)) => JsFuture::from(promise)
                .await
                .map(|v| v.as_bool() == Some(true))
                .unwrap_or(false),
            _ => false,
        }
    }

    /// Runs `navigator.credentials[method](options)` and classifies a failure.
    async fn run(
        method: &str,
        options: &JsValue,
        timeout_ms: f64,
    ) -> Result<JsValue, CeremonyError> {
        let container = credentials()?;
        let f = get(&container, method)
            .dyn_into::<Function>()
            .map_err(|_| CeremonyError::Unsupported)?;
        let started = js_sys::Date::now();
        let promise = f
            .call1(&container, options)
            .map_err(|e| classify(&e, started, timeout_ms))?
            .dyn_into::<Promise>()
            .map_err(|_| CeremonyError::Failed)?;
        JsFuture::from(promise)
            .await
            .map_err(|e| classify(&e, started, timeout_ms))
    }

    fn classify(error: &JsValue, started: f64, timeout_ms: f64) -> CeremonyError {
        match get(error, "name").as_string().as_deref() {
            // Browsers say the same for "cancelled" and "ran out of time": the clock tells them apart.
            Some("NotAllowedError") if js_sys::Date::now() - started >= timeout_ms * 0.95 => {
                CeremonyError::TimedOut
            }
            Some("NotAllowedError") => CeremonyError::Cancelled,
            Some("InvalidStateError") => CeremonyError::AlreadyRegistered,
            Some("AbortError") => CeremonyError::Aborted,
            Some("SecurityError") => CeremonyError::WrongHost,
            Some("NotSupportedError") => CeremonyError::Unsupported,
            _ => CeremonyError::Failed,
        }
    }

    fn parse(options: &str) -> Result<(JsValue, JsValue, f64), CeremonyError> {
        let opts = JSON::parse(options).map_err(|_| CeremonyError::Failed)?;
        let public_key = get(&opts, "publicKey");
        if public_key.is_undefined() {
            return Err(CeremonyError::Failed);
        }
        to_buffer(&public_key, "challenge")?;
        let timeout = get(&public_key, "timeout").as_f64().unwrap_or(300_000.0);
        Ok((opts, public_key, timeout))
    }

    fn common(credential: &JsValue, response: JsValue) -> Object {
        let out = Object::new();
        set(&out, "id", &get(credential, "id"));
        set(&out, "rawId", &b64(&get(credential, "rawId")));
        set(&out, "type", &JsValue::from_str("public-key"));
        set(&out, "response", &response);
        let extensions = call_method(credential, "getClientExtensionResults");
        if extensions.is_object() {
            set(&out, "clientExtensionResults", &extensions);
        }
        out
    }

    fn stringify(value: &JsValue) -> Result<String, CeremonyError> {
        JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or(CeremonyError::Failed)
    }

    pub async fn create(options: &str) -> Result<String, CeremonyError> {
        let (opts, public_key, timeout) = parse(options)?;
        to_buffer(&get(&public_key, "user"), "id")?;
        ids_to_buffers(&public_key, "excludeCredentials")?;
        let credential = run("create", &opts, timeout).await?;
        let response = get(&credential, "response");
        let out = Object::new();
        set(
            &out,
            "clientDataJSON",
            &b64(&get(&response, "clientDataJSON")),
        );
        set(
            &out,
            "attestationObject",
            &b64(&get(&response, "attestationObject")),
        );
        let transports = call_method(&response, "getTransports");
        if Array::is_array(&transports) {
            set(&out, "transports", &transports);
        }
        stringify(&common(&credential, out.into()).into())
    }

    pub async fn request(options: &str, conditional: bool) -> Result<String, CeremonyError> {
        let (opts, public_key, timeout) = parse(options)?;
        ids_to_buffers(&public_key, "allowCredentials")?;
        abort_waiting();
        if conditional {
            set(&opts, "mediation", &JsValue::from_str("conditional"));
            let controller =
                web_sys::AbortController::new().map_err(|_| CeremonyError::Unsupported)?;
            set(&opts, "signal", &controller.signal().into());
            WAITING.with(|w| *w.borrow_mut() = Some(controller));
        } else {
            let _ = Reflect::delete_property(
                opts.unchecked_ref::<Object>(),
                &JsValue::from_str("mediation"),
            );
        }
        // An autofill request waits as long as the page stays open.
        let timeout = if conditional { f64::INFINITY } else { timeout };
        let credential = run("get", &opts, timeout).await?;
        let response = get(&credential, "response");
        let out = Object::new();
        set(
            &out,
            "clientDataJSON",
            &b64(&get(&response, "clientDataJSON")),
        );
        set(
            &out,
            "authenticatorData",
            &b64(&get(&response, "authenticatorData")),
        );
        set(&out, "signature", &b64(&get(&response, "signature")));
        set(&out, "userHandle", &b64(&get(&response, "userHandle")));
        stringify(&common(&credential, out.into()).into())
    }

    pub fn abort_waiting() {
        if let Some(controller) = WAITING.with(|w| w.borrow_mut().take()) {
            controller.abort();
        }
    }
}

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
