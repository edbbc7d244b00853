//! Content the browser fetches and renders itself, once the page is hydrated.
//!
//! Nested suspenses whose data arrives in a different order on the server and in the browser made the
//! hydration of the back office depend on timing after a full page load (tachys
//! `failed_to_cast_marker_node`, now and then). Rendering such content only after hydration makes the
//! server and the hydration pass agree on the loading line every time; the content then renders as
//! after any client-side navigation.
use crate::i18n::t;
use leptos::prelude::*;

#[component]
pub fn AfterHydration(children: ChildrenFn) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run in the browser only, and only once the page is hydrated.
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Show when=move || hydrated.get() fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {children()}
        </Show>
    }
}
