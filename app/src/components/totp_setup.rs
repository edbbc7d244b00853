use crate::api::{BeginTotp, ConfirmTotp};
use crate::components::error_view;
use crate::error::{AppError, Invalid};
use crate::i18n::t;
use crate::types::Enrolled;
use leptos::prelude::*;

/// Add an authenticator app: a QR code and a setup key, then a code from the app to confirm.
/// `on_enrolled` receives the result (backup codes when it was the first factor). A setup that expired
/// while the person installed their app is simply started again.
#[component]
pub fn TotpSetupFlow(on_enrolled: Callback<Enrolled>) -> impl IntoView {
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    Effect::new(move |_| {
        if let Some(Ok(enrolled)) = confirm.value().get() {
            on_enrolled.run(enrolled);
        }
    });
    let expired = move || {
        matches!(
            confirm.value().get(),
            Some(Err(AppError::Invalid(Invalid::SetupExpired)))
        )
    };
    let begin_error = move || begin.value().get().and_then(|r| r.err()).map(error_view);
    let confirm_error = move || confirm.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <div class="totp-setup">
            {move || match begin.value().get() {
                Some(Ok(setup)) => {
                    view! {
                        <ol class="steps">
                            <li>{t("totp.step_install")}</li>
                            <li>{t("totp.step_scan")}</li>
                        </ol>
                        <div class="qr" aria-hidden="true" inner_html=setup.qr_svg.clone()></div>
                        <p class="setup-key-label">{t("totp.key")}</p>
                        <p class="setup-key" data-testid="setup-key">
                            <code>{setup.setup_key.clone()}</code>
                        </p>
                        <ActionForm action=confirm attr:class="stack">
                            <input type="hidden" name="factor_id" value=setup.factor_id.to_string() />
                            <label for="totp-code">{t("totp.code")}</label>
                            <input
                                id="totp-code"
                                name="code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                pattern="[0-9 ]*"
                                maxlength="7"
                                required
                            />
                            <label for="totp-label">{t("totp.label")}</label>
                            <input id="totp-label" name="label" placeholder=t("totp.label_placeholder") maxlength="60" />
                            {confirm_error}
                            <button type="submit" class="primary" disabled=confirm.pending()>
                                {t("totp.submit")}
                            </button>
                        </ActionForm>
                        <Show when=expired>
                            <ActionForm action=begin>
                                <button type="submit" class="secondary">{t("totp.restart")}</button>
                            </ActionForm>
                        </Show>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <ActionForm action=begin>
                            {begin_error}
                            <button type="submit" class="primary" disabled=begin.pending()>
                                {t("totp.start")}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
