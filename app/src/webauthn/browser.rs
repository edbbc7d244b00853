//! In the browser: the ceremonies through `navigator.credentials`, the binary fields turned into
//! buffers and back.
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
async fn run(method: &str, options: &JsValue, timeout_ms: f64) -> Result<JsValue, CeremonyError> {
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
        let controller = web_sys::AbortController::new().map_err(|_| CeremonyError::Unsupported)?;
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
