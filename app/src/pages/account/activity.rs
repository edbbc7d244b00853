//! The owner's own audit log: what happened on their account.
use crate::api::my_activity;
use crate::components::audit_table::AuditTable;
use crate::components::{error_view, SignedIn, TopBar};
use crate::i18n::t;
use crate::routes;
use crate::types::Viewer;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Activity viewer /> }.into_any()) /> }
}

fn page_link(page: u32) -> String {
    format!("{}?page={page}", routes::ACTIVITY)
}

#[component]
fn Activity(viewer: Viewer) -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let entries = Resource::new(page, my_activity);
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>{t("audit.activity_title")}</h1>
            <p class="lead">{t("audit.activity_lead")}</p>
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(page) => view! { <AuditTable page with_accounts=false pager=page_link /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </main>
    }
}
