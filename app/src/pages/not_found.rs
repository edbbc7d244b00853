use crate::i18n::t;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="card narrow">
            <h1>{t("title.not_found")}</h1>
            <p>{t("not_found.body")}</p>
            <p>
                <a href=routes::HOME>{t("not_found.home")}</a>
            </p>
        </main>
    }
}
