//! "I can't use any of my methods": from the second step, the owner asks the administrators for help;
//! and the page an approval's email opens to cancel it.
use super::verify::CancelSignIn;
use crate::api::{CancelRecovery, RequestRecovery};
use crate::components::{error_view, AtStep};
use crate::i18n::t;
use crate::types::{Stage, RECOVERY_STATEMENT_MAX};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::sync::Arc;

#[component]
pub fn RecoveryRequestPage() -> impl IntoView {
    view! {
        <AtStep
            at=|stage| stage == Stage::SecondFactor
            page=Arc::new(|_| view! { <RequestForm /> }.into_any())
        />
    }
}

#[component]
fn RequestForm() -> impl IntoView {
    let action = ServerAction::<RequestRecovery>::new();
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="recovery-title">
                <h1 id="recovery-title">{t("recovery.title")}</h1>
                <Show
                    when=sent
                    fallback=move || view! {
                        <p>{t("recovery.lead")}</p>
                        <p class="notice">{t("recovery.what_happens")}</p>
                        {error}
                        <ActionForm action attr:class="stack">
                            <label for="recovery-statement">{t("recovery.statement_label")}</label>
                            <textarea id="recovery-statement" name="statement" rows="5" maxlength=RECOVERY_STATEMENT_MAX.to_string() required></textarea>
                            <button type="submit" class="primary" disabled=action.pending()>{t("recovery.submit")}</button>
                        </ActionForm>
                    }
                >
                    <p class="success" role="status" data-testid="recovery-sent">{t("recovery.sent")}</p>
                </Show>
                <div class="aside">
                    <CancelSignIn label=t("recovery.back") />
                </div>
            </section>
        </main>
    }
}

#[component]
pub fn CancelRecoveryPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let action = ServerAction::<CancelRecovery>::new();
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="cancel-recovery-title">
                <h1 id="cancel-recovery-title">{t("recovery.cancel_title")}</h1>
                <Show
                    when=done
                    fallback=move || view! {
                        <p>{t("recovery.cancel_lead")}</p>
                        {error}
                        <ActionForm action attr:class="stack">
                            <input type="hidden" name="token" value=token />
                            <button type="submit" class="primary" disabled=action.pending()>{t("recovery.cancel_submit")}</button>
                        </ActionForm>
                    }
                >
                    <p class="success" role="status" data-testid="recovery-cancelled">{t("recovery.cancelled")}</p>
                </Show>
            </section>
        </main>
    }
}
