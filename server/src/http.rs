//! The HTTP layer around the application: client address, Origin check on state-changing requests,
//! security headers with a per-response CSP nonce, and the health check.
use app::service::{ClientAddr, CspNonce};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::crypto::random_token;
use crate::db::Db;

#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// The one origin allowed to make state-changing requests, e.g. `http://localhost:3000`.
    pub allowed_origin: String,
    pub trust_proxy_headers: bool,
    pub https: bool,
    /// Whether /dev/mailbox exists at all.
    pub dev_mailbox: bool,
}

/// The developer mailbox page exists only when enabled: otherwise the address answers 404 before the
/// application sees it.
pub async fn hide_dev_mailbox(
    State(policy): State<Arc<HttpPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    if !policy.dev_mailbox && req.uri().path().trim_end_matches('/') == "/dev/mailbox" {
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
    let forwarded = policy
        .trust_proxy_headers
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    if let Some(ip) = forwarded.or(peer) {
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
        path = req.uri().path(),
        "refused a cross-origin request"
    );
    (
        StatusCode::FORBIDDEN,
        format!(
            "This request did not come from {} and was refused. Open Portcullis at that address.",
            policy.allowed_origin
        ),
    )
        .into_response()
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

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(State(db): State<Db>) -> Response {
    if db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}
