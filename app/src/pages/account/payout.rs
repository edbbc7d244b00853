//! Payout details (authorized users): shown masked after a fresh confirmation of identity, changed
//! with the IBAN checked by its check digits as it is typed (the same rule the server applies).
use super::security::ConfirmIdentityForm;
use crate::api::{payout_details, security_overview, ConfirmIdentity, SetPayoutDetails};
use crate::banking::{Bic, Iban};
use crate::components::{error_view, LocalTime, SignedIn, TopBar};
use crate::error::AppError;
use crate::i18n::t;
use crate::types::{PayoutView, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn PayoutPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Payout viewer /> }.into_any()) /> }
}

#[component]
fn Payout(viewer: Viewer) -> impl IntoView {
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let save = ServerAction::<SetPayoutDetails>::new();
    let current = Resource::new(
        move || (confirm.version().get(), save.version().get()),
        |_| payout_details(),
    );
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>{t("title.payout")}</h1>
            <p class="lead">{t("payout.lead")}</p>
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(v) => view! { <PayoutForm v save /> }.into_any(),
                        Err(AppError::ReauthenticationRequired) => view! { <Reauthenticate confirm /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Viewing or changing payout details needs "confirm it's you" first (password and second step).
#[component]
fn Reauthenticate(confirm: ServerAction<ConfirmIdentity>) -> impl IntoView {
    let overview = Resource::new(|| (), |_| security_overview());
    view! {
        <section class="card" data-testid="payout-locked">
            <p class="notice">{t("payout.confirm_first")}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <ConfirmIdentityForm o confirm /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PayoutForm(v: PayoutView, save: ServerAction<SetPayoutDetails>) -> impl IntoView {
    let iban = RwSignal::new(String::new());
    let bic = RwSignal::new(String::new());
    let iban_hint = move || {
        let text = iban.get();
        (!text.trim().is_empty() && Iban::parse(&text).is_none())
            .then(|| view! { <p class="hint error" id="iban-hint">{t("invalid.Iban")}</p> })
    };
    let bic_hint = move || {
        let text = bic.get();
        (!text.trim().is_empty() && Bic::parse(&text).is_none())
            .then(|| view! { <p class="hint error" id="bic-hint">{t("invalid.Bic")}</p> })
    };
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let error = move || save.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <section class="card" aria-labelledby="payout-current">
            <h2 id="payout-current">{t("payout.current")}</h2>
            {match v.details {
                Some(d) => view! {
                    <dl class="facts" data-testid="payout-current">
                        <dt>{t("payout.holder")}</dt><dd>{d.holder}</dd>
                        <dt>{t("payout.iban")}</dt><dd><code>{d.iban}</code></dd>
                        <dt>{t("payout.bic")}</dt><dd><code>{d.bic}</code></dd>
                        <dt>{t("payout.updated")}</dt><dd><LocalTime at=d.updated_at /></dd>
                    </dl>
                }.into_any(),
                None => view! { <p class="muted" data-testid="payout-none">{t("payout.none")}</p> }.into_any(),
            }}
        </section>
        <section class="card" aria-labelledby="payout-change">
            <h2 id="payout-change">{t("payout.change")}</h2>
            {move || saved().then(|| view! { <p class="success" role="status">{t("payout.saved")}</p> })}
            <ActionForm action=save attr:class="stack">
                <label for="holder">{t("payout.holder")}</label>
                <input id="holder" name="holder" autocomplete="name" maxlength="70" required />
                <label for="iban">{t("payout.iban")}</label>
                <input
                    id="iban"
                    name="iban"
                    autocapitalize="characters"
                    spellcheck="false"
                    required
                    aria-describedby="iban-hint"
                    on:input=move |ev| iban.set(event_target_value(&ev))
                />
                {iban_hint}
                <label for="bic">{t("payout.bic")}</label>
                <input
                    id="bic"
                    name="bic"
                    autocapitalize="characters"
                    spellcheck="false"
                    required
                    aria-describedby="bic-hint"
                    on:input=move |ev| bic.set(event_target_value(&ev))
                />
                {bic_hint}
                {error}
                <button type="submit" class="primary" disabled=save.pending()>{t("payout.save")}</button>
            </ActionForm>
        </section>
    }
}
