use crate::api::{get_session_state, SignIn};
use crate::components::navigate_hard;
use crate::types::SessionState;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// Sign in with username or email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    // Someone already signed in (or half-way) goes where they belong instead.
    let state = Resource::new(|| (), |_| get_session_state());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(SessionState::Active(viewer)) => {
                        view! { <Redirect path=viewer.stage.path() /> }.into_any()
                    }
                    _ => view! { <LoginForm /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let show_password = RwSignal::new(false);
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("expired").is_some() {
            Some("Your session ended after a period without activity. Please sign in again.")
        } else if q.get("signed_out").is_some() {
            Some("You have signed out.")
        } else if q.get("password_reset").is_some() {
            Some("Your password has been changed. Sign in with your new password.")
        } else if q.get("password_set").is_some() {
            Some("Your password is set. Sign in with it.")
        } else {
            None
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(step)) = action.value().get() {
            navigate_hard(&step.next);
        }
    });
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let pending = action.pending();
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="sign-in-title">
                <h1 id="sign-in-title">"Sign in"</h1>
                {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <ActionForm action attr:class="stack" attr:novalidate="">
                    <label for="identifier">"Username or email"</label>
                    <input
                        id="identifier"
                        name="identifier"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                    />
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type=move || if show_password.get() { "text" } else { "password" }
                        autocomplete="current-password"
                        required
                    />
                    <label class="checkbox" for="show-password">
                        <input
                            id="show-password"
                            type="checkbox"
                            prop:checked=show_password
                            on:change=move |ev| show_password.set(event_target_checked(&ev))
                        />
                        "Show password"
                    </label>
                    {move || error().map(|text| view! { <p class="error" role="alert">{text}</p> })}
                    <button type="submit" class="primary" disabled=pending>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="aside">
                    <a href="/forgot-password">"Forgot password?"</a>
                </p>
            </section>
        </main>
    }
}
