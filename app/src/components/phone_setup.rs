//! Add a phone: the number (international format), a texted code to confirm it, and *Send a new code*
//! after the countdown. Also turning on email codes, which needs a verified address.
use crate::api::{BeginPhone, ConfirmPhone, EnableEmailCodes, ResendPhoneCode};
use crate::components::{error_view, CodeStatus, Countdown};
use crate::i18n::{t, t_with};
use crate::types::Enrolled;
use leptos::prelude::*;

#[component]
pub fn PhoneSetupFlow(on_enrolled: Callback<Enrolled>) -> impl IntoView {
    let begin = ServerAction::<BeginPhone>::new();
    let resend = ServerAction::<ResendPhoneCode>::new();
    let confirm = ServerAction::<ConfirmPhone>::new();
    let countdown = Countdown::new();
    Effect::new(move |_| {
        if let Some(Ok(setup)) = begin.value().get() {
            countdown.start(setup.sent.resend_after_secs);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(sent)) = resend.value().get() {
            countdown.start(sent.resend_after_secs);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(enrolled)) = confirm.value().get() {
            on_enrolled.run(enrolled);
        }
    });
    let begin_error = move || begin.value().get().and_then(|r| r.err()).map(error_view);
    let confirm_error = move || confirm.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <div class="phone-setup" data-testid="phone-setup">
            <h4>{t("method.sms.name")}</h4>
            {move || match begin.value().get() {
                Some(Ok(setup)) => {
                    let factor_id = setup.factor_id;
                    let first = setup.sent.clone();
                    let last = Signal::derive(move || resend.value().get().or(Some(Ok(first.clone()))));
                    let on_send = Callback::new(move |_| {
                        resend.dispatch(ResendPhoneCode { factor_id });
                    });
                    view! {
                        <CodeStatus last destination=Signal::derive(|| None::<String>) countdown pending=resend.pending() on_send />
                        <ActionForm action=confirm attr:class="stack">
                            <input type="hidden" name="factor_id" value=factor_id.to_string() />
                            <label for="phone-code">{t("phone.code")}</label>
                            <input
                                id="phone-code"
                                name="code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                required
                            />
                            <p class="muted small">{t("otp.paste_hint")}</p>
                            {confirm_error}
                            <button type="submit" class="primary" disabled=confirm.pending()>
                                {t("phone.confirm")}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <p>{t("phone.lead")}</p>
                        <ActionForm action=begin attr:class="stack">
                            <label for="phone-number">{t("phone.number")}</label>
                            <input id="phone-number" name="phone" type="tel" autocomplete="tel" required />
                            <p class="muted small">{t("phone.number_hint")}</p>
                            {begin_error}
                            <button type="submit" class="primary" disabled=begin.pending()>
                                {t("phone.send")}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// Turn on email codes: to the account's address, once it is verified.
#[component]
pub fn EmailCodesSetup(
    address: String,
    verified: bool,
    on_enrolled: Callback<Enrolled>,
    /// Whether it shows its own heading (false where the page already names the method).
    #[prop(default = true)]
    named: bool,
) -> impl IntoView {
    let enable = ServerAction::<EnableEmailCodes>::new();
    Effect::new(move |_| {
        if let Some(Ok(enrolled)) = enable.value().get() {
            on_enrolled.run(enrolled);
        }
    });
    let error = move || enable.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <div class="email-codes-setup" data-testid="email-codes-setup">
            {named.then(|| view! { <h4>{t("method.email.name")}</h4> })}
            {if verified {
                view! {
                    <p>{t_with("method.email.enable_lead", &[("address", &address)])}</p>
                    <ActionForm action=enable>
                        {error}
                        <button type="submit" class="primary" disabled=enable.pending()>
                            {t("method.email.enable")}
                        </button>
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! { <p class="muted">{t("method.email.needs_verified")}</p> }.into_any()
            }}
        </div>
    }
}
