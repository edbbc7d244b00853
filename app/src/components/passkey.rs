//! Passkeys on the pages: adding one, signing in with one, and answering with one. The ceremonies
//! themselves are in `crate::webauthn`; what the server says is judged there, never here.
use crate::api::{
    begin_passkey_assertion, begin_passkey_registration, begin_passkey_sign_in,
    finish_passkey_registration, finish_passkey_sign_in,
};
use crate::components::{error_view, navigate_hard};
use crate::error::AppError;
use crate::i18n::t;
use crate::types::Enrolled;
use crate::webauthn::{self, CeremonyError};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Why a passkey ceremony ended without success: the server refused, or the browser did.
#[derive(Debug, Clone, PartialEq)]
pub enum PasskeyFailure {
    Server(AppError),
    Browser(CeremonyError),
}

impl From<AppError> for PasskeyFailure {
    fn from(e: AppError) -> Self {
        PasskeyFailure::Server(e)
    }
}

impl From<CeremonyError> for PasskeyFailure {
    fn from(e: CeremonyError) -> Self {
        PasskeyFailure::Browser(e)
    }
}

/// The message for a failure (nothing for a ceremony the page itself stopped).
pub fn failure_view(failure: Option<PasskeyFailure>) -> Option<AnyView> {
    match failure? {
        PasskeyFailure::Server(e) => Some(error_view(e)),
        PasskeyFailure::Browser(CeremonyError::Aborted) => None,
        PasskeyFailure::Browser(e) => Some(
            view! { <p class="error" role="alert" data-testid="passkey-error">{t(e.key())}</p> }
                .into_any(),
        ),
    }
}

/// Set after hydration: whether the page is on an IP address (the server cannot know what the
/// address bar says, so the first render assumes a host name).
fn on_ip_address() -> RwSignal<bool> {
    let on_ip = RwSignal::new(false);
    Effect::new(move |_| on_ip.set(webauthn::on_ip_address()));
    on_ip
}

/// Passkeys need a host name: said where a passkey would be offered on an IP address.
#[component]
pub fn PasskeyHostNotice() -> impl IntoView {
    let on_ip = on_ip_address();
    move || {
        on_ip.get().then(|| {
            view! { <p class="notice" data-testid="passkey-host-notice">{t("passkey.needs_host_name")}</p> }
        })
    }
}

/// Add a passkey or security key: a nickname, then the browser's dialog.
#[component]
pub fn PasskeySetup(on_enrolled: Callback<Enrolled>) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<PasskeyFailure>);
    let on_ip = on_ip_address();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let label = label.get_untracked();
        spawn_local(async move {
            let outcome: Result<Enrolled, PasskeyFailure> = async {
                let options = begin_passkey_registration().await?;
                let answer = webauthn::create(&options).await?;
                Ok(finish_passkey_registration(answer, label).await?)
            }
            .await;
            let _ = busy.try_set(false);
            match outcome {
                Ok(enrolled) => on_enrolled.run(enrolled),
                Err(f) => {
                    let _ = failure.try_set(Some(f));
                }
            }
        });
    };
    view! {
        <form class="stack passkey-setup" on:submit=add>
            <p>{t("passkey.setup_lead")}</p>
            <PasskeyHostNotice />
            <label for="passkey-label">{t("passkey.nickname")}</label>
            <input
                id="passkey-label"
                name="label"
                maxlength="60"
                placeholder=t("passkey.nickname_placeholder")
                prop:value=label
                on:input=move |ev| label.set(event_target_value(&ev))
            />
            {move || failure_view(failure.get())}
            <button type="submit" class="secondary" disabled=move || busy.get() || on_ip.get()>
                {move || if busy.get() { t("passkey.waiting") } else { t("passkey.add") }}
            </button>
        </form>
    }
}

/// Runs an assertion with the user's own keys (second step, confirming identity) and hands the
/// browser's answer to `then`.
pub fn assert_own_key(
    busy: RwSignal<bool>,
    failure: RwSignal<Option<PasskeyFailure>>,
    then: impl FnOnce(String) + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    failure.set(None);
    spawn_local(async move {
        let outcome: Result<String, PasskeyFailure> = async {
            let options = begin_passkey_assertion().await?;
            Ok(webauthn::request(&options, false).await?)
        }
        .await;
        let _ = busy.try_set(false);
        match outcome {
            Ok(answer) => then(answer),
            Err(f) => {
                let _ = failure.try_set(Some(f));
            }
        }
    });
}

async fn sign_in_with(options: String, conditional: bool) -> Result<(), PasskeyFailure> {
    let answer = webauthn::request(&options, conditional).await?;
    let step = finish_passkey_sign_in(answer).await?;
    navigate_hard(&step.next);
    Ok(())
}

/// *Sign in with a passkey* on the sign-in page, and the passkeys offered in the username field's
/// autofill where the browser can (conditional mediation).
#[component]
pub fn PasskeySignIn() -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<PasskeyFailure>);
    let autofill = RwSignal::new(false);
    let on_ip = on_ip_address();
    Effect::new(move |_| {
        if webauthn::on_ip_address() {
            return;
        }
        spawn_local(async move {
            if !webauthn::conditional_available().await {
                return;
            }
            let Ok(options) = begin_passkey_sign_in(true).await else {
                return;
            };
            let _ = autofill.try_set(true);
            let outcome = sign_in_with(options, true).await;
            let _ = autofill.try_set(false);
            if let Err(f) = outcome {
                let _ = failure.try_set(Some(f));
            }
        });
    });
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        webauthn::abort_waiting();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let outcome = async {
                let options = begin_passkey_sign_in(false).await?;
                sign_in_with(options, false).await
            }
            .await;
            let _ = busy.try_set(false);
            if let Err(f) = outcome {
                let _ = failure.try_set(Some(f));
            }
        });
    };
    view! {
        <div class="passkey-sign-in" data-passkey-autofill=move || autofill.get().to_string()>
            <p class="divider"><span>{t("passkey.or")}</span></p>
            <PasskeyHostNotice />
            {move || failure_view(failure.get())}
            <button
                type="button"
                class="secondary wide"
                data-testid="passkey-sign-in"
                disabled=move || busy.get() || on_ip.get()
                on:click=start
            >
                {move || if busy.get() { t("passkey.waiting") } else { t("passkey.sign_in") }}
            </button>
        </div>
    }
}
