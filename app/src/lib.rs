//! Portcullis: the pages and components people see, the shared types and rules both sides check, and the
//! server functions that connect them. Built twice: `ssr` for the server, `hydrate` for the browser.
#![cfg_attr(feature = "ssr", deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod components;
pub mod error;
pub mod format;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server-rendered only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_request_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="referrer" content="same-origin" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

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
    view! {
        <Stylesheet id="portcullis" href="/pkg/portcullis.css" />
        <Title text="Portcullis" />
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                <Route path=path!("/forgot-password") view=pages::forgot::ForgotPasswordPage />
                <Route
                    path=path!("/reset-password/:token")
                    view=pages::email_link::ResetPasswordPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/invitation/:token")
                    view=pages::email_link::InvitationPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/unlock/:token")
                    view=pages::email_link::UnlockPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/dev/mailbox") view=pages::mailbox::DevMailboxPage ssr=SsrMode::Async />
                <Route
                    path=path!("/login/change-password")
                    view=pages::password::ForcedPasswordChangePage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/password")
                    view=pages::password::ChangePasswordPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/login/verify") view=pages::verify::VerifyPage ssr=SsrMode::Async />
                <Route path=path!("/login/enroll") view=pages::verify::EnrollPage ssr=SsrMode::Async />
                <Route
                    path=path!("/account/security")
                    view=pages::security::SecurityPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/sessions")
                    view=pages::sessions::SessionsPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}
