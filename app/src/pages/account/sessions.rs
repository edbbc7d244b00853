use crate::api::{list_sessions, RevokeOtherSessions, RevokeSession};
use crate::components::{error_view, LocalTime, SignedIn, TopBar};
use crate::i18n::{t, t_count};
use crate::types::{SessionSummary, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Sessions viewer /> }.into_any()) /> }
}

#[component]
fn Sessions(viewer: Viewer) -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );
    let failure = move || {
        revoke
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| revoke_others.value().get().and_then(|r| r.err()))
            .map(error_view)
    };
    let ended = move || match revoke_others.value().get() {
        Some(Ok(n)) => Some(t_count("sessions.ended_others", n as i64, &[])),
        _ => None,
    };
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>{t("title.sessions")}</h1>
            <p class="lead">{t("sessions.lead")}</p>
            {failure}
            {move || ended().map(|text| view! { <p class="success" role="status">{text}</p> })}
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list revoke /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
            <ActionForm action=revoke_others attr:class="stack narrow-form">
                <label for="others-password">{t("sessions.end_others_password")}</label>
                <input id="others-password" name="password" type="password" autocomplete="current-password" required />
                <button type="submit" class="secondary">{t("sessions.end_others")}</button>
            </ActionForm>
        </main>
    }
}

#[component]
fn SessionTable(list: Vec<SessionSummary>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <table class="sessions">
            <thead>
                <tr>
                    <th scope="col">{t("sessions.col_browser")}</th>
                    <th scope="col">{t("sessions.col_system")}</th>
                    <th scope="col">{t("sessions.col_address")}</th>
                    <th scope="col">{t("sessions.col_location")}</th>
                    <th scope="col">{t("sessions.col_signed_in")}</th>
                    <th scope="col">{t("sessions.col_last_active")}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t("sessions.col_action")}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        let browser = if s.browser.is_empty() { t("sessions.unknown_browser") } else { s.browser.clone() };
                        let location = s.location.clone().unwrap_or_else(|| t("sessions.unknown_location"));
                        view! {
                            <tr data-current=s.current.to_string()>
                                <td class="browser">{browser}</td>
                                <td class="system">{s.os.clone()}</td>
                                <td>{s.ip.clone()}</td>
                                <td class="location">{location}</td>
                                <td><LocalTime at=s.created_at /></td>
                                <td><LocalTime at=s.last_seen_at /></td>
                                <td>
                                    {if s.current {
                                        view! { <span class="badge">{t("app.this_browser")}</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="id" value=s.id.clone() />
                                                <button type="submit" class="link-button">{t("sessions.end")}</button>
                                            </ActionForm>
                                        }
                                            .into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
