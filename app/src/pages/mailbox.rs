use crate::api::dev_mailbox;
use crate::error::AppError;
use crate::format::utc_minute;
use crate::pages::not_found::NotFound;
use crate::types::MailView;
use leptos::prelude::*;

/// The developer mailbox: every email in the outbox. The server answers only when it is enabled
/// (`PORTCULLIS_DEV_MAILBOX`); otherwise this page is a 404.
#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(list) => view! { <Mailbox list /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Mailbox(list: Vec<MailView>) -> impl IntoView {
    let empty = list.is_empty();
    view! {
        <main class="page">
            <h1>"Developer mailbox"</h1>
            <p class="notice">
                "Every email Portcullis has queued, newest first. This page exists because the server runs with PORTCULLIS_DEV_MAILBOX: never enable it in production."
            </p>
            {empty.then(|| view! { <p>"No email yet."</p> })}
            {list
                .into_iter()
                .map(|m| {
                    view! {
                        <article class="card mail" data-recipient=m.recipient.clone() data-kind=m.kind.clone()>
                            <header>
                                <h2 class="mail-subject">{m.subject.clone()}</h2>
                                <p class="mail-meta">
                                    "To " <strong>{m.recipient.clone()}</strong> " · " {utc_minute(m.at)} " · "
                                    <span class="mail-status">{m.status.clone()}</span>
                                    {m.last_error.clone().map(|e| format!(" · {} attempts, last error: {e}", m.attempts))}
                                </p>
                            </header>
                            <pre class="mail-body">{linkify(&m.body)}</pre>
                        </article>
                    }
                })
                .collect_view()}
        </main>
    }
}

/// Plain text with its http(s) links made clickable.
fn linkify(text: &str) -> Vec<AnyView> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push("\n".into_any());
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(" ".into_any());
            }
            if word.starts_with("http://") || word.starts_with("https://") {
                out.push(view! { <a href=word.to_string()>{word.to_string()}</a> }.into_any());
            } else {
                out.push(word.to_string().into_any());
            }
        }
    }
    out
}
