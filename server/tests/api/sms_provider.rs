//! Test support for text-message providers: a listener that plays the provider's side of the wire,
//! the webhook signature check a receiver would make, and instances configured to text through them.
use crate::harness::{serve_args, TestApp};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use server::config::{CodeArgs, ServeArgs, SmsProviderKind};
use std::sync::{Arc, Mutex};

const SECRET: &str = "webhook-secret-for-tests";

/// One request a provider listener received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A provider's side of the wire: records every request; answers 200, or 500 while `failing`.
#[derive(Clone, Default)]
pub(crate) struct Listener {
    received: Arc<Mutex<Vec<Received>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
    pub(crate) url: String,
}

impl Listener {
    pub(crate) async fn start() -> Listener {
        let mut me = Listener::default();
        let state = me.clone();
        let app = axum::Router::new().fallback(post(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.received.lock().unwrap().push(Received {
                        path: uri.path().to_string(),
                        headers,
                        body,
                    });
                    if state.failing.load(std::sync::atomic::Ordering::SeqCst) {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        me.url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        me
    }

    pub(crate) fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub(crate) fn last(&self) -> Received {
        self.all().last().cloned().expect("a request")
    }

    pub(crate) fn fail(&self, on: bool) {
        self.failing.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The six digits in a message.
pub(crate) fn code_in(text: &str) -> String {
    let digits: Vec<char> = text.chars().collect();
    for i in 0..digits.len().saturating_sub(5) {
        let window: String = digits[i..i + 6].iter().collect();
        let before = i.checked_sub(1).map(|j| digits[j].is_ascii_digit());
        let after = digits.get(i + 6).map(|c| c.is_ascii_digit());
        if window.chars().all(|c| c.is_ascii_digit()) && before != Some(true) && after != Some(true)
        {
            return window;
        }
    }
    panic!("no code in {text}")
}

/// Checks a webhook request's signature as a receiver would; answers (to, body).
pub(crate) fn verified_webhook(r: &Received) -> (String, String) {
    let ts = r.headers["x-portcullis-timestamp"].to_str().unwrap();
    let sig = r.headers["x-portcullis-signature"].to_str().unwrap();
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&r.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sig, format!("v1={expected}"), "the signature verifies");
    assert_eq!(
        server::notify::sms::signature(SECRET.as_bytes(), ts.parse().unwrap(), &r.body),
        sig
    );
    assert_eq!(r.headers["content-type"], "application/json");
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    (
        v["to"].as_str().unwrap().to_string(),
        v["body"].as_str().unwrap().to_string(),
    )
}

pub(crate) fn args_with(codes: CodeArgs) -> ServeArgs {
    ServeArgs {
        codes,
        ..serve_args()
    }
}

/// Another instance on the same database, with text messages through `provider`.
pub(crate) async fn with_sms(app: &TestApp, codes: CodeArgs) -> TestApp {
    TestApp::spawn_on(
        app.test_db.clone(),
        app.clock.clone(),
        Default::default(),
        args_with(codes),
    )
    .await
}

pub(crate) fn webhook(listener: &Listener) -> CodeArgs {
    CodeArgs {
        sms_provider: SmsProviderKind::Webhook,
        sms_webhook_url: Some(format!("{}/sms", listener.url)),
        sms_webhook_secret: Some(SECRET.into()),
        ..CodeArgs::default()
    }
}
