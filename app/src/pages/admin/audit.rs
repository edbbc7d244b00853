//! The back office's audit log: every account's events, filtered by event and by account, a page at a
//! time, and exported as CSV with the same filters.
use super::admin_only;
use crate::api::admin_audit;
use crate::components::audit_table::AuditTable;
use crate::components::error_view;
use crate::i18n::t;
use crate::routes;
use crate::types::event_key;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    admin_only(|| view! { <Audit /> }.into_any())
}

/// Percent-encodes a query value.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The filters of the current address, as a query.
fn filters() -> (String, String) {
    let query = use_query_map();
    let q = query.read_untracked();
    (
        q.get("event").unwrap_or_default(),
        q.get("user").unwrap_or_default(),
    )
}

fn page_link(page: u32) -> String {
    let (event, user) = filters();
    format!(
        "{}?event={}&user={}&page={page}",
        routes::ADMIN_AUDIT,
        escape(&event),
        escape(&user)
    )
}

#[component]
fn Audit() -> impl IntoView {
    let query = use_query_map();
    let event = move || query.read().get("event").unwrap_or_default();
    let user = move || query.read().get("user").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let log = Resource::new(
        move || (event(), user(), page()),
        |(event, user, page)| admin_audit(event, user, page),
    );
    let export = move || {
        format!(
            "{}?event={}&user={}",
            routes::ADMIN_AUDIT_CSV,
            escape(&event()),
            escape(&user())
        )
    };
    view! {
        <h1>{t("audit.audit_title")}</h1>
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(page) => {
                        let chosen = event();
                        let events = page.events.clone();
                        view! {
                            <form method="get" action=routes::ADMIN_AUDIT class="search-form" role="search">
                                <label for="audit-event">{t("audit.filter_event")}</label>
                                <select id="audit-event" name="event">
                                    <option value="">{t("audit.filter_any_event")}</option>
                                    {events
                                        .into_iter()
                                        .map(|name| {
                                            let selected = name == chosen;
                                            view! { <option value=name.clone() selected=selected>{t(&event_key(&name))}</option> }
                                        })
                                        .collect_view()}
                                </select>
                                <label for="audit-user">{t("audit.filter_user")}</label>
                                <input id="audit-user" name="user" value=user() autocapitalize="none" spellcheck="false" />
                                <button type="submit" class="secondary">{t("audit.filter_submit")}</button>
                            </form>
                            <p><a href=export() download="audit-log.csv" data-testid="export-csv">{t("audit.export_csv")}</a></p>
                            <AuditTable page with_accounts=true pager=page_link />
                        }
                            .into_any()
                    }
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}
