//! Account details (authorized users): who the account is, and the name it shows.
use crate::api::{account_details, SetDisplayName};
use crate::components::{error_view, SignedIn, TopBar};
use crate::i18n::t;
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
            <p class="muted small">{t("profile.email_change")}</p>
        </section>
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
