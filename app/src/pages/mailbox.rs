use crate::api::dev_mailbox;
use crate::components::{error_view, LocalTime};
use crate::error::AppError;
use crate::i18n::{t, t_with};
use crate::pages::not_found::NotFound;
use crate::types::MailView;
use leptos::prelude::*;

/// The developer mailbox: every email in the outbox. The server answers only when it is enabled
/// (`PORTCULLIS_DEV_MAILBOX`, loopback only); otherwise this page is a 404.
#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(list) => view! { <Mailbox list /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                    Err(e) => error_view(e),
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
            <h1>{t("title.mailbox")}</h1>
            <p class="notice">{t("mailbox.notice")}</p>
            {empty.then(|| view! { <p>{t("mailbox.empty")}</p> })}
            {list
                .into_iter()
                .map(|m| {
                    let body = if m.body.is_empty() { t("mailbox.sent_body") } else { m.body.clone() };
                    view! {
                        <article class="card mail" data-recipient=m.recipient.clone() data-kind=m.kind.clone()>
                            <header>
                                <h2 class="mail-subject">{m.subject.clone()}</h2>
                                <p class="mail-meta">
                                    {t_with("mailbox.to", &[("recipient", &m.recipient)])} " · " <LocalTime at=m.at /> " · "
                                    <span class="mail-status">{m.status.clone()}</span>
                                    {m.last_error.clone().map(|e| {
                                        format!(" · {}", t_with("mailbox.attempts", &[("attempts", &m.attempts.to_string()), ("error", &e)]))
                                    })}
                                </p>
                            </header>
                            <pre class="mail-body">{linkify(&body)}</pre>
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
