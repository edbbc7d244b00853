use crate::api::{session_state, SignIn};
use crate::components::{error_view, navigate_hard, LanguagePicker, PasskeySignIn};
use crate::i18n::t;
use crate::routes;
use crate::types::SessionState;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// Sign in with username or email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    // Someone already signed in (or half-way) goes where they belong instead.
    let state = Resource::new(|| (), |_| session_state());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(SessionState::Active(viewer)) => {
                        view! { <Redirect path=viewer.stage.path() /> }.into_any()
                    }
                    Ok(SessionState::Partial(stage)) => view! { <Redirect path=stage.path() /> }.into_any(),
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
        ["expired", "signed_out", "password_reset", "password_set"]
            .into_iter()
            .find(|k| q.get(k).is_some())
            .map(|k| t(&format!("login.notice_{k}")))
    };
    Effect::new(move |_| {
        if let Some(Ok(step)) = action.value().get() {
            navigate_hard(&step.next);
        }
    });
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    let pending = action.pending();
    let (submit, submitting) = (t("login.submit"), t("login.submitting"));
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="sign-in-title">
                <h1 id="sign-in-title">{t("title.login")}</h1>
                {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <ActionForm action attr:class="stack" attr:novalidate="">
                    <label for="identifier">{t("login.identifier")}</label>
                    <input
                        id="identifier"
                        name="identifier"
                        type="text"
                        autocomplete="username webauthn"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                    />
                    <label for="password">{t("login.password")}</label>
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
                        {t("login.show_password")}
                    </label>
                    {error}
                    <button type="submit" class="primary" disabled=pending>
                        {move || if pending.get() { submitting.clone() } else { submit.clone() }}
                    </button>
                </ActionForm>
                <PasskeySignIn />
                <p class="aside">
                    <a href=routes::FORGOT_PASSWORD>{t("login.forgot")}</a>
                    " · "
                    <a href=routes::GUIDE>{t("menu.guide")}</a>
                </p>
                <LanguagePicker />
            </section>
        </main>
    }
}
