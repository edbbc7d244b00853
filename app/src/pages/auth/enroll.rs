//! Mandatory two-step verification: set it up before anything else.
use super::verify::CancelSignIn;
use crate::components::{navigate_hard, AtStep, BackupCodesPanel, PasskeySetup, TotpSetupFlow};
use crate::i18n::t;
use crate::routes;
use crate::types::{Enrolled, FactorKind, Stage};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn EnrollPage() -> impl IntoView {
    view! {
        <AtStep at=|stage| stage == Stage::Enrollment page=Arc::new(|_| view! { <Enroll /> }.into_any()) />
    }
}

#[component]
fn Enroll() -> impl IntoView {
    let enrolled = RwSignal::new(None::<Enrolled>);
    let on_enrolled = Callback::new(move |e: Enrolled| {
        if e.backup_codes.is_empty() {
            navigate_hard(&e.next);
        } else {
            enrolled.set(Some(e));
        }
    });
    view! {
        <main class="auth">
            <section class="card" aria-labelledby="enroll-title">
                <h1 id="enroll-title">{t("title.enroll")}</h1>
                <Show
                    when=move || enrolled.get().is_none()
                    fallback=move || {
                        let e = enrolled.get().unwrap_or(Enrolled {
                            backup_codes: vec![],
                            next: routes::HOME.into(),
                        });
                        let next = e.next.clone();
                        view! {
                            <p class="success" role="status">{t("enroll.done")}</p>
                            <BackupCodesPanel codes=e.backup_codes on_saved=Callback::new(move |_| navigate_hard(&next)) />
                        }
                    }
                >
                    <p class="notice">{t("enroll.required")}</p>
                    <h2>{t(FactorKind::Totp.name_key())}</h2>
                    <TotpSetupFlow on_enrolled />
                    <h2>{t(FactorKind::Passkey.name_key())}</h2>
                    <PasskeySetup on_enrolled />
                </Show>
                <div class="aside">
                    <CancelSignIn label=t("enroll.sign_out") />
                </div>
            </section>
        </main>
    }
}
