//! The HTTP layer around the application: a span and id per request, the client address (behind
//! trusted proxies only), the public address check, the Origin check on state-changing requests, body
//! limits, security headers with a per-response CSP nonce, and the health check.
//!
//! Trusted proxies and the client address they forward are in `network`.
use app::service::{ClientAddr, CspNonce, RequestId};
use app::types::Locale;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

use crate::crypto::random_token;
use crate::db::Db;

mod network;
pub use network::{client_ip, Network};

#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// The one origin allowed to make state-changing requests, e.g. `http://localhost:3000`.
    pub allowed_origin: String,
    /// `host[:port]` of the public URL, as browsers send it in `Host`.
    pub public_host: String,
    pub trusted_proxies: Vec<Network>,
    pub https: bool,
    /// Whether /dev/mailbox exists at all.
    pub dev_mailbox: bool,
    /// The stylesheet's path (hashed in a release build).
    pub stylesheet: String,
}

/// A span per request, with an id (also sent back as `X-Request-Id`) that every log line of the request
/// carries. Never the query string (emailed tokens are in paths, and paths of links are not logged).
pub async fn trace(mut req: Request, next: Next) -> Response {
    let id = random_token(9);
    req.extensions_mut().insert(RequestId(id.clone()));
    let path = req.uri().path();
    let logged_path = if path.starts_with("/api/") || path.starts_with("/pkg/") {
        path.to_string()
    } else {
        // Links from emails carry tokens in their last segment.
        path.split('/').take(2).collect::<Vec<_>>().join("/")
    };
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %logged_path);
    let mut res = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The developer mailbox page exists only when enabled: otherwise the address answers 404 before the
/// application sees it.
pub async fn hide_dev_mailbox(
    State(policy): State<Arc<HttpPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    if !policy.dev_mailbox && req.uri().path().trim_end_matches('/') == app::routes::DEV_MAILBOX {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    next.run(req).await
}

/// Decides the client address once, for rate limits, audit and session lists.
pub async fn client_addr(
    State(policy): State<Arc<HttpPolicy>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = peer {
        let hops: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_ip(peer, &hops, &policy.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cross-site request forgery defence: a state-changing request must say it comes from our origin.
/// Browsers send `Origin` on every POST; a request without it (or from elsewhere) is refused.
pub async fn check_origin(
    State(policy): State<Arc<HttpPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if origin == Some(policy.allowed_origin.as_str()) {
        return next.run(req).await;
    }
    tracing::warn!(
        origin = origin.unwrap_or("<none>"),
        "refused a cross-origin request"
    );
    (StatusCode::FORBIDDEN, axum::Json("Forbidden")).into_response()
}

/// A page opened at another address than the public one (`127.0.0.1` instead of `localhost`, say)
/// cannot sign in (cookies, the Origin check and passkeys are bound to the public address): say which
/// address to use instead of failing later.
pub async fn check_host(
    State(policy): State<Arc<HttpPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let path = req.uri().path();
    let exempt = path == "/healthz" || path.starts_with("/pkg/") || path.starts_with("/api/");
    if exempt || !is_safe(req.method()) || host.eq_ignore_ascii_case(&policy.public_host) {
        return next.run(req).await;
    }
    let locale = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default();
    let target = format!(
        "{}{}",
        policy.allowed_origin,
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let esc = crate::notify::mail::templates::escape;
    let title = app::i18n::tr(locale, "wrong_address.title", &[]);
    let body = app::i18n::tr(
        locale,
        "wrong_address.body",
        &[("address", &policy.allowed_origin)],
    );
    let link = app::i18n::tr(locale, "wrong_address.link", &[]);
    let page = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{}</title><link rel=\"stylesheet\" \
         href=\"{}\"></head><body><main class=\"auth\"><section class=\"card narrow\">\
         <h1>{}</h1><p>{}</p><p><a class=\"button primary\" href=\"{}\">{}</a></p></section></main></body></html>",
        locale.tag(),
        esc(&title),
        esc(&policy.stylesheet),
        esc(&title),
        esc(&body),
        esc(&target),
        esc(&link)
    );
    (StatusCode::MISDIRECTED_REQUEST, Html(page)).into_response()
}

/// Security headers on every response; a fresh nonce for each page's inline hydration scripts.
pub async fn security_headers(
    State(policy): State<Arc<HttpPolicy>>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = random_token(16);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Links in emails carry single-use tokens in their path: never leak them to another site.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if policy.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        // Pages and API answers are personal: no shared or back-button caching.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// An error answer of a server function gets the status its error means (401, 403, 404, 409/422, 429
/// with Retry-After, 503 with Retry-After; 500 only for real faults): the one mapping from the error
/// type to HTTP, `AppError::status`. The body stays the typed error.
pub async fn error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
        if let Some(secs) = error.retry_after_secs() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(State(db): State<Db>) -> Response {
    if db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// The back office's audit log as a CSV download (`routes::ADMIN_AUDIT_CSV?event=…&user=…`). The
/// admin service checks the caller as for every back-office function.
pub async fn audit_csv(
    State(services): State<app::service::Services>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let req = app::service::RequestInfo::from_parts(&parts);
    let (mut event, mut user) = (String::new(), String::new());
    for (key, value) in url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "event" => event = value.into_owned(),
            "user" => user = value.into_owned(),
            _ => {}
        }
    }
    match services.admin.admin_audit_csv(&req, &event, &user).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-log.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::to_string(&e).unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}
