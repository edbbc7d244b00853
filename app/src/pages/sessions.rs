use crate::api::{list_sessions, RevokeOtherSessions, RevokeSession};
use crate::components::{SignedIn, TopBar};
use crate::format::utc_minute;
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
            .map(|e| e.to_string())
    };
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>"Sessions and devices"</h1>
            <p class="lead">
                "Every browser where you are signed in. End any session you do not recognise, then change your password."
            </p>
            {move || failure().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list revoke /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action=revoke_others>
                <button type="submit" class="secondary">"Sign out everywhere else"</button>
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
                    <th scope="col">"Browser"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Signed in"</th>
                    <th scope="col">"Last active"</th>
                    <th scope="col">
                        <span class="visually-hidden">"Action"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        view! {
                            <tr data-current=s.current.to_string()>
                                <td>{s.browser.clone()}</td>
                                <td>{s.ip.clone()}</td>
                                <td>{utc_minute(s.created_at)}</td>
                                <td>{utc_minute(s.last_seen_at)}</td>
                                <td>
                                    {if s.current {
                                        view! { <span class="badge">"This browser"</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="id" value=s.id.clone() />
                                                <button type="submit" class="link-button">"End session"</button>
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
