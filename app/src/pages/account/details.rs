//! Account details (authorized users): who the account is, the name it shows, and changing its email
//! address (after a fresh confirmation of identity; the new address confirms by the link sent to it).
use super::security::ConfirmIdentityForm;
use crate::api::{
    account_details, security_overview, ConfirmIdentity, RequestEmailChange, SetDisplayName,
};
use crate::components::{error_view, SignedIn, TopBar};
use crate::error::AppError;
use crate::i18n::{t, t_with};
use crate::types::{AccountDetails, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn AccountDetailsPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Details viewer /> }.into_any()) /> }
}

#[component]
fn Details(viewer: Viewer) -> impl IntoView {
    let rename = ServerAction::<SetDisplayName>::new();
    let details = Resource::new(move || rename.version().get(), |_| account_details());
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>{t("title.account_details")}</h1>
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(d) => view! { <DetailsView d rename /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn DetailsView(d: AccountDetails, rename: ServerAction<SetDisplayName>) -> impl IntoView {
    let error = move || rename.value().get().and_then(|r| r.err()).map(error_view);
    let verified = if d.email_verified {
        t("profile.email_verified")
    } else {
        t("profile.email_unverified")
    };
    view! {
        <section class="card" aria-labelledby="details-title">
            <h2 id="details-title">{t("profile.who")}</h2>
            <dl class="facts" data-testid="account-details">
                <dt>{t("profile.username")}</dt><dd>{d.username.clone()}</dd>
                <dt>{t("profile.email")}</dt><dd>{d.email.clone()} " · " <span class="muted">{verified}</span></dd>
                <dt>{t("profile.phone")}</dt><dd>{d.phone.clone().unwrap_or_else(|| t("profile.no_phone"))}</dd>
            </dl>
        </section>
        <EmailChange />
        <section class="card" aria-labelledby="name-title">
            <h2 id="name-title">{t("profile.name_title")}</h2>
            <ActionForm action=rename attr:class="stack">
                <label for="display-name">{t("profile.name")}</label>
                <input id="display-name" name="name" autocomplete="name" maxlength="70" value=d.display_name.clone() required />
                {error}
                <button type="submit" class="primary" disabled=rename.pending()>{t("app.save")}</button>
            </ActionForm>
        </section>
    }
}

/// A new email address: the server asks for a fresh confirmation of identity first when the last one
/// is older than five minutes; once confirmed, the request goes again by itself.
#[component]
fn EmailChange() -> impl IntoView {
    let request = ServerAction::<RequestEmailChange>::new();
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let typed = RwSignal::new(String::new());
    let sent_to = RwSignal::new(None::<String>);
    let send = move || {
        request.dispatch(RequestEmailChange {
            new_email: typed.get_untracked(),
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            send();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = request.value().get() {
            sent_to.set(Some(typed.get_untracked().trim().to_string()));
        }
    });
    let needs_confirm = move || {
        matches!(
            request.value().get(),
            Some(Err(AppError::ReauthenticationRequired))
        )
    };
    let error = move || match request.value().get() {
        Some(Err(AppError::ReauthenticationRequired)) | None | Some(Ok(())) => None,
        Some(Err(e)) => Some(error_view(e)),
    };
    view! {
        <section class="card" aria-labelledby="email-change-title">
            <h2 id="email-change-title">{t("profile.email_change_title")}</h2>
            <p class="muted small">{t("profile.email_change_lead")}</p>
            {move || sent_to.get().map(|to| view! {
                <p class="success" role="status" data-testid="email-change-sent">
                    {t_with("profile.email_change_sent", &[("email", &to)])}
                </p>
            })}
            <ActionForm action=request attr:class="stack">
                <label for="new-email">{t("profile.new_email")}</label>
                <input
                    id="new-email"
                    name="new_email"
                    type="email"
                    autocomplete="email"
                    maxlength="254"
                    required
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
                {error}
                <button type="submit" class="primary" disabled=request.pending()>
                    {t("profile.email_change_submit")}
                </button>
            </ActionForm>
            <Show when=needs_confirm>
                <ConfirmFirst confirm />
            </Show>
        </section>
    }
}

#[component]
fn ConfirmFirst(confirm: ServerAction<ConfirmIdentity>) -> impl IntoView {
    let overview = Resource::new(|| (), |_| security_overview());
    view! {
        <div data-testid="email-change-locked">
            <p class="notice">{t("profile.email_change_confirm_first")}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <ConfirmIdentityForm o confirm /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </div>
    }
}
