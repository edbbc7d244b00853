use crate::api::session_state;
use crate::components::error_view;
use crate::error::AppError;
use crate::i18n::t;
use crate::routes;
use crate::types::{SessionState, Stage, Viewer};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use std::sync::Arc;

type PageFn = Arc<dyn Fn(Viewer) -> AnyView + Send + Sync>;
type StepFn = Arc<dyn Fn(Stage) -> AnyView + Send + Sync>;

/// Where a visitor who may not see this page belongs.
fn elsewhere(state: Result<SessionState, AppError>) -> AnyView {
    match state {
        Ok(SessionState::Active(viewer)) => {
            view! { <Redirect path=viewer.stage.path() /> }.into_any()
        }
        Ok(SessionState::Partial(stage)) => view! { <Redirect path=stage.path() /> }.into_any(),
        Ok(SessionState::Expired) | Err(AppError::SessionExpired) => {
            view! { <Redirect path=routes::with_notice(routes::LOGIN, "expired") /> }.into_any()
        }
        Ok(SessionState::Anonymous) | Err(AppError::NotSignedIn) => {
            view! { <Redirect path=routes::LOGIN /> }.into_any()
        }
        Err(e) => error_view(e),
    }
}

/// Renders `page` only for a fully signed-in visitor; sends everyone else where they belong: anonymous
/// visitors to sign in, ended sessions to sign in with a notice, partial sessions to their next step.
/// This only steers the browser: every server function checks the session again on its own.
#[component]
pub fn SignedIn(page: PageFn) -> impl IntoView {
    let state = Resource::new(|| (), |_| session_state());
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match state.await {
                        Ok(SessionState::Active(viewer)) if viewer.stage.is_full() => {
                            expire_when_idle(viewer.idle_timeout_secs);
                            page(viewer)
                        }
                        other => elsewhere(other),
                    }
                })
            }}
        </Suspense>
    }
}

/// Renders `page` for a sign-in at one of its steps (`at` says which stages the page serves).
#[component]
pub fn AtStep(at: fn(Stage) -> bool, page: StepFn) -> impl IntoView {
    let state = Resource::new(|| (), |_| session_state());
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match state.await {
                        Ok(SessionState::Partial(stage)) if at(stage) => page(stage),
                        other => elsewhere(other),
                    }
                })
            }}
        </Suspense>
    }
}

/// The server ends a session after the inactivity timeout; reload the page a moment after that, so the
/// person sees the sign-in page with its notice instead of a page that no longer works.
fn expire_when_idle(idle_timeout_secs: u64) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        set_timeout(
            || {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            },
            std::time::Duration::from_secs(idle_timeout_secs.saturating_add(1)),
        );
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = idle_timeout_secs;
}
