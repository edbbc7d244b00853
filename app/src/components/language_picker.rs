//! The language switch for pages without the user menu (the sign-in page, the guide): the choice is kept
//! in a cookie (and in the profile when signed in), and the page is rendered again in it by the server.
use crate::api::set_locale;
use crate::components::navigate_hard;
use crate::i18n::{t, use_i18n};
use crate::types::Locale;
use leptos::prelude::*;

/// Loads the current address again (the server renders it in the language just chosen).
pub fn reload_in(locale: Locale) {
    leptos::task::spawn_local(async move {
        if set_locale(locale).await.is_ok() {
            #[cfg(feature = "hydrate")]
            if let Some(location) = web_sys::window().map(|w| w.location()) {
                let path = location.pathname().unwrap_or_default();
                let query = location.search().unwrap_or_default();
                navigate_hard(&format!("{path}{query}"));
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = navigate_hard;
}

/// One button per language, the current one marked; each is named in its own language.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let current = use_i18n().locale;
    view! {
        <nav class="language-picker" aria-label=t("menu.language")>
            {Locale::ALL.into_iter().map(|locale| view! {
                <button
                    type="button"
                    class="link-button neutral"
                    lang=locale.tag()
                    aria-pressed=(locale == current).to_string()
                    data-locale=locale.tag()
                    on:click=move |_| reload_in(locale)
                >
                    {locale.endonym()}
                </button>
            }).collect_view()}
        </nav>
    }
}
