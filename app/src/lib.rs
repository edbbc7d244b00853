//! Portcullis: the pages and components people see, the shared types and rules both sides check, and the
//! server functions that connect them. Built twice: `ssr` for the server, `hydrate` for the browser.
#![cfg_attr(feature = "ssr", deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod banking;
pub mod components;
pub mod error;
pub mod format;
pub mod i18n;
pub mod keyboard;
pub mod lazy;
pub mod pages;
pub mod policy;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod webauthn;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode};

use crate::routes::matcher;

/// The HTML document around the app (server-rendered only), in the reader's language, carrying that
/// language's messages for the browser.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_request_nonce();
    let i18n = i18n::provide_i18n();
    #[cfg(feature = "ssr")]
    let zone = use_context::<http::request::Parts>()
        .and_then(|p| service::RequestInfo::from_parts(&p).time_zone)
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let zone = String::new();
    view! {
        <!DOCTYPE html>
        <html lang=i18n.locale.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="referrer" content="same-origin" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="portcullis" />
                <i18n::ui::MessagesScript />
                <HydrationScripts options />
                <SplitLoaderPreload />
                <MetaTags />
            </head>
            <body data-tz=zone>
                <App />
            </body>
        </html>
    }
}

/// The loader of the lazily loaded chunks is a module the app's script imports: without a hint the
/// browser finds it only once that script has arrived, one round trip later, and the WebAssembly waits
/// for it. Named here, it is fetched with the rest.
#[cfg(feature = "ssr")]
#[component]
fn SplitLoaderPreload() -> impl IntoView {
    use_context::<leptos::WasmSplitManifest>().map(|manifest| {
        let href = manifest
            .0
            .with_value(|(pkg, _, loader)| format!("{pkg}/{loader}"));
        view! { <link rel="modulepreload" href=href crossorigin="anonymous" /> }
    })
}

#[cfg(not(feature = "ssr"))]
#[component]
fn SplitLoaderPreload() -> impl IntoView {}

/// The server's HTTP layer mints a nonce per response and names it in the Content-Security-Policy header;
/// the hydration scripts must carry the same one.
#[cfg(feature = "ssr")]
fn provide_request_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<service::CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    i18n::provide_i18n();
    report_time_zone();
    use pages::auth;
    view! {
        <Title text=i18n::t("app.name") />
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                // In the first download: signing in and its second step.
                <Route path=matcher::LOGIN view=auth::login::LoginPage ssr=SsrMode::Async />
                <Route path=matcher::VERIFY view=auth::verify::VerifyPage ssr=SsrMode::Async />
                // Everything else arrives when it is needed.
                <Route path=matcher::CHANGE_PASSWORD_NOW view={Lazy::<lazy::ChangePasswordNow>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ENROLL view={Lazy::<lazy::Enroll>::new()} ssr=SsrMode::Async />
                <Route path=matcher::FORGOT_PASSWORD view={Lazy::<lazy::ForgotPassword>::new()} />
                <Route path=matcher::RESET_PASSWORD view={Lazy::<lazy::ResetPassword>::new()} ssr=SsrMode::Async />
                <Route path=matcher::INVITATION view={Lazy::<lazy::Invitation>::new()} ssr=SsrMode::Async />
                <Route path=matcher::UNLOCK view={Lazy::<lazy::Unlock>::new()} ssr=SsrMode::Async />
                <Route path=matcher::NOT_ME view={Lazy::<lazy::NotMe>::new()} ssr=SsrMode::Async />
                <Route path=matcher::CONFIRM_EMAIL view={Lazy::<lazy::ConfirmEmail>::new()} ssr=SsrMode::Async />
                <Route path=leptos_router::path!("/") view={Lazy::<lazy::Home>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ACCOUNT_PASSWORD view={Lazy::<lazy::AccountPassword>::new()} ssr=SsrMode::Async />
                <Route path=matcher::SECURITY view={Lazy::<lazy::Security>::new()} ssr=SsrMode::Async />
                <Route path=matcher::SESSIONS view={Lazy::<lazy::Sessions>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ACCOUNT_DETAILS view={Lazy::<lazy::AccountDetails>::new()} ssr=SsrMode::Async />
                <Route path=matcher::PAYOUT_DETAILS view={Lazy::<lazy::PayoutDetails>::new()} ssr=SsrMode::Async />
                <Route path=matcher::DEVELOPERS view={Lazy::<lazy::Developers>::new()} />
                <Route path=matcher::GUIDE view={Lazy::<lazy::Guide>::new()} />
                <Route path=matcher::GUIDE_SECTION view={Lazy::<lazy::GuideSection>::new()} />
                <Route path=matcher::ADMIN view={Lazy::<lazy::AdminUsers>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ADMIN_USERS view={Lazy::<lazy::AdminUsers>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ADMIN_USER view={Lazy::<lazy::AdminUser>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ADMIN_RECOVERY view={Lazy::<lazy::AdminRecovery>::new()} ssr=SsrMode::Async />
                <Route path=matcher::RECOVERY view={Lazy::<lazy::RecoveryRequest>::new()} ssr=SsrMode::Async />
                <Route path=matcher::CANCEL_RECOVERY view={Lazy::<lazy::CancelRecovery>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ADMIN_AUDIT view={Lazy::<lazy::AdminAudit>::new()} ssr=SsrMode::Async />
                <Route path=matcher::ACTIVITY view={Lazy::<lazy::Activity>::new()} ssr=SsrMode::Async />
                <Route path=matcher::DEV_MAILBOX view={Lazy::<lazy::DevMailbox>::new()} ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// Once hydrated, the browser tells the server its time zone (when the server does not know it yet),
/// so times are shown and emailed in the reader's zone. The browser's first `Intl.DateTimeFormat` loads
/// its locale data (tens of milliseconds): asked when the browser is idle, not before the page answers.
fn report_time_zone() {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::leptos_dom::helpers::request_idle_callback(|| {
            let options =
                js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                    .resolved_options();
            let zone = js_sys::Reflect::get(&options, &wasm_bindgen::JsValue::from_str("timeZone"))
                .ok()
                .and_then(|v| v.as_string());
            let known = web_sys::window()
                .and_then(|w| w.document())
                .map(|d| d.cookie_known_zone())
                .unwrap_or_default();
            if let Some(zone) = zone.filter(|z| Some(z.as_str()) != known.as_deref()) {
                leptos::task::spawn_local(async move {
                    let _ = api::set_time_zone(zone).await;
                });
            }
        });
    });
}

#[cfg(feature = "hydrate")]
trait KnownZone {
    fn cookie_known_zone(&self) -> Option<String>;
}

#[cfg(feature = "hydrate")]
impl KnownZone for web_sys::Document {
    /// The zone the server rendered with (the `data-tz` attribute of `<body>`).
    fn cookie_known_zone(&self) -> Option<String> {
        self.body().and_then(|b| b.get_attribute("data-tz"))
    }
}
