//! Content the browser fetches and renders itself, once the page is hydrated.
//!
//! A list read through a `LocalResource` is never rendered by the server, so hydrating the `Suspense`
//! around it depends on whether its answer arrived before the hydration pass reached it: when it did,
//! the browser expected the list where the server had sent the loading line, and hydration broke
//! (tachys `failed_to_cast_marker_node`, seen on the back office after a full page load). Rendering
//! such content only after hydration makes the server and the hydration pass agree on the loading line
//! every time; the content then renders as after any client-side navigation.
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
