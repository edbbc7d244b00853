use crate::api::get_session_state;
use crate::error::AppError;
use crate::types::{SessionState, Stage, Viewer};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use std::sync::Arc;

type PageFn = Arc<dyn Fn(Viewer) -> AnyView + Send + Sync>;

/// Renders `page` only for a fully signed-in visitor; sends everyone else where they belong: anonymous
/// visitors to sign in, ended sessions to sign in with a notice, partial sessions to their next step.
/// This only steers the browser: every server function checks the session again on its own.
///
/// `forced_password_change`: the page also serves a session whose next step is a password change.
/// `step`: the page serves only a partial session at that step (the second factor, the enrolment).
#[component]
pub fn SignedIn(
    page: PageFn,
    #[prop(optional)] forced_password_change: bool,
    #[prop(optional)] step: Option<Stage>,
) -> impl IntoView {
    let state = Resource::new(|| (), |_| get_session_state());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match state.await {
                        Ok(SessionState::Active(viewer))
                            if match step {
                                Some(step) => viewer.stage == step,
                                None => {
                                    viewer.stage.is_full()
                                        || (forced_password_change
                                            && matches!(viewer.stage, Stage::PasswordChange(_)))
                                }
                            } =>
                        {
                            expire_when_idle(viewer.idle_timeout_secs);
                            page(viewer)
                        }
                        Ok(SessionState::Active(viewer)) => {
                            view! { <Redirect path=viewer.stage.path() /> }.into_any()
                        }
                        Ok(SessionState::Expired) | Err(AppError::SessionExpired) => {
                            view! { <Redirect path="/login?expired=1" /> }.into_any()
                        }
                        Ok(SessionState::Anonymous) | Err(AppError::NotSignedIn) => {
                            view! { <Redirect path="/login" /> }.into_any()
                        }
                        Err(e) => {
                            view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
                        }
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
