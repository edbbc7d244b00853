//! Server functions: thin. Each reads the request, calls the service method of the same name, and lets
//! `ssr::Call::finish` apply cookies and the HTTP status of an error.
mod account;
mod activity;
mod admin;
mod developer;
pub mod docs;
mod passkeys;
mod preferences;
mod profile;
mod recovery;
mod second_step;
mod security;
mod sessions;
mod sign_in;

pub use account::*;
pub use activity::*;
pub use admin::*;
pub use developer::*;
pub use passkeys::*;
pub use preferences::*;
pub use profile::*;
pub use recovery::*;
pub use second_step::*;
pub use security::*;
pub use sessions::*;
pub use sign_in::*;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::service::{set_cookie, RequestInfo, Services};
    use http::{header, HeaderValue};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    /// One server-function call: the services and what the request says.
    pub struct Call {
        pub services: Services,
        pub req: RequestInfo,
        /// Taken when the call starts: the context is not read again after the service's await (a
        /// call made while a page renders may finish after that page's reactive owner is gone, and
        /// reading the context then can deadlock in the owner's clean-up).
        response: Option<ResponseOptions>,
    }

    impl Call {
        pub fn new() -> Result<Call, AppError> {
            let services = use_context::<Services>().ok_or(AppError::Internal)?;
            let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
            Ok(Call {
                services,
                req: RequestInfo::from_parts(&parts),
                response: use_context::<ResponseOptions>(),
            })
        }

        /// Writes the cookies the service asked for. (An error's HTTP status is given in one place, by
        /// the server's HTTP layer, from `AppError::status`.)
        pub fn finish<T>(&self, result: Result<T, AppError>) -> Result<T, AppError> {
            if let Some(res) = &self.response {
                for change in self.req.effects.take() {
                    if let Ok(v) = HeaderValue::from_str(&set_cookie(&change)) {
                        res.append_header(header::SET_COOKIE, v);
                    }
                }
            }
            result
        }
    }

    /// A plain HTML form post (no JavaScript) gets a real redirect; the hydrated page navigates itself.
    pub fn redirect_plain_form(path: &str) {
        let plain_form = use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if plain_form {
            leptos_axum::redirect(path);
        }
    }
}
