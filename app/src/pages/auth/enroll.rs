//! Mandatory two-step verification: set it up before anything else, with any method the server offers
//! (authenticator app, passkey, text messages when a provider is configured, email codes when the
//! address is verified).
use super::verify::CancelSignIn;
use crate::api::enrollment_options;
use crate::components::{
    error_view, navigate_hard, AtStep, BackupCodesPanel, EmailCodesSetup, PasskeySetup,
    PhoneSetupFlow, TotpSetupFlow,
};
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
                    <CodeMethods on_enrolled />
                </Show>
                <div class="aside">
                    <CancelSignIn label=t("enroll.sign_out") />
                </div>
            </section>
        </main>
    }
}

/// Codes by text message and by email, when the server can enrol them for this account.
#[component]
fn CodeMethods(on_enrolled: Callback<Enrolled>) -> impl IntoView {
    let options = Resource::new(|| (), |_| enrollment_options());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(o) => {
                        let sms = o.available_methods.contains(&FactorKind::Sms);
                        let email = o.available_methods.contains(&FactorKind::Email);
                        view! {
                            {sms.then(|| view! {
                                <h2>{t(FactorKind::Sms.name_key())}</h2>
                                <div class="method-setup" data-kind=FactorKind::Sms.as_db()>
                                    <PhoneSetupFlow on_enrolled />
                                </div>
                            })}
                            {email.then(|| view! {
                                <h2>{t(FactorKind::Email.name_key())}</h2>
                                <div class="method-setup" data-kind=FactorKind::Email.as_db()>
                                    <EmailCodesSetup address=o.email_masked.clone() verified=o.email_verified on_enrolled named=false />
                                </div>
                            })}
                        }
                            .into_any()
                    }
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}
