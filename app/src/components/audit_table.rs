//! A page of the audit log as a table: the owner's activity and the back office's log.
use crate::components::LocalTime;
use crate::i18n::{t, t_count};
use crate::types::{event_key, AuditPage};
use leptos::prelude::*;

/// The entries, newest first; `with_accounts` adds who acted and whose account it was (the back
/// office), `pager` builds the link to another page.
#[component]
pub fn AuditTable(page: AuditPage, with_accounts: bool, pager: fn(u32) -> String) -> impl IntoView {
    let pages = page.pages().max(1);
    let current = page.page;
    let previous = (current > 0).then(|| pager(current - 1));
    let next = (current + 1 < pages).then(|| pager(current + 1));
    let system = t("audit.actor_system");
    view! {
        <p class="muted" data-testid="audit-total">{t_count("audit.total", page.total, &[])}</p>
        <table class="sessions audit" data-testid="audit">
            <thead>
                <tr>
                    <th scope="col">{t("audit.col_time")}</th>
                    <th scope="col">{t("audit.col_event")}</th>
                    {with_accounts.then(|| view! {
                        <th scope="col">{t("audit.col_actor")}</th>
                        <th scope="col">{t("audit.col_subject")}</th>
                    })}
                    <th scope="col">{t("audit.col_address")}</th>
                    <th scope="col">{t("audit.col_browser")}</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .entries
                    .into_iter()
                    .map(|e| {
                        let actor = e.actor.clone().unwrap_or_else(|| system.clone());
                        view! {
                            <tr data-event=e.event.clone()>
                                <td><LocalTime at=e.at /></td>
                                <td>{t(&event_key(&e.event))}</td>
                                {with_accounts.then(|| view! {
                                    <td>{actor}</td>
                                    <td>{e.subject.clone().unwrap_or_default()}</td>
                                })}
                                <td>{e.ip.clone()}</td>
                                <td>{e.browser.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=t("admin.pages_label")>
            {previous.map(|href| view! { <a href=href rel="prev">{t("admin.previous")}</a> })}
            " "
            {next.map(|href| view! { <a href=href rel="next">{t("admin.next")}</a> })}
        </nav>
    }
}
