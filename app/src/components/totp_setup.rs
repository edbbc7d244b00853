use crate::api::{BeginTotp, ConfirmTotp};
use crate::components::error_view;
use crate::types::Enrolled;
use leptos::prelude::*;

/// Add an authenticator app: a QR code and a setup key, then a code from the app to confirm.
/// `on_enrolled` receives the result (backup codes when it was the first factor).
#[component]
pub fn TotpSetupFlow(on_enrolled: Callback<Enrolled>) -> impl IntoView {
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    Effect::new(move |_| {
        if let Some(Ok(enrolled)) = confirm.value().get() {
            on_enrolled.run(enrolled);
        }
    });
    let begin_error = move || begin.value().get().and_then(|r| r.err()).map(error_view);
    let confirm_error = move || confirm.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <div class="totp-setup">
            {move || match begin.value().get() {
                Some(Ok(setup)) => {
                    view! {
                        <ol class="steps">
                            <li>
                                "Open your authenticator app (Google Authenticator, Microsoft Authenticator, Authy, 1Password…) and add an account."
                            </li>
                            <li>
                                "Scan this QR code, or choose " <em>"Enter a setup key"</em>
                                " and type the key below (time-based)."
                            </li>
                        </ol>
                        <div class="qr" aria-hidden="true" inner_html=setup.qr_svg.clone()></div>
                        <p class="setup-key-label">"Setup key"</p>
                        <p class="setup-key" data-testid="setup-key">
                            <code>{setup.setup_key.clone()}</code>
                        </p>
                        <ActionForm action=confirm attr:class="stack">
                            <input type="hidden" name="factor_id" value=setup.factor_id.to_string() />
                            <label for="totp-code">"6-digit code from the app"</label>
                            <input
                                id="totp-code"
                                name="code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                pattern="[0-9 ]*"
                                maxlength="7"
                                required
                            />
                            <label for="totp-label">"Name this device (optional)"</label>
                            <input id="totp-label" name="label" placeholder="e.g. My phone" maxlength="60" />
                            {confirm_error}
                            <button type="submit" class="primary" disabled=confirm.pending()>
                                "Confirm and turn on"
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <ActionForm action=begin>
                            {begin_error}
                            <button type="submit" class="primary" disabled=begin.pending()>
                                "Set up an authenticator app"
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// Backup codes, shown once: copy, download, print, and "I have saved them".
#[component]
pub fn BackupCodesPanel(codes: Vec<String>, on_saved: Callback<()>) -> impl IntoView {
    let text = format!(
        "Portcullis backup codes\nEach code works once, instead of a code from your app.\n\n{}\n",
        codes.join("\n")
    );
    let saved = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let download_href = format!("data:text/plain;charset=utf-8,{}", percent_encode(&text));
    let copy_text = text.clone();
    view! {
        <section class="card backup-codes" aria-labelledby="codes-title">
            <h2 id="codes-title">"Your backup codes"</h2>
            <p>
                "If you lose your phone, each of these codes lets you sign in once. Keep them somewhere safe: this is the only time they are shown."
            </p>
            <ul class="codes" data-testid="backup-codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <div class="row">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        copy_to_clipboard(&copy_text);
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
                <a class="button secondary" href=download_href download="portcullis-backup-codes.txt">
                    "Download (.txt)"
                </a>
                <button type="button" class="secondary" on:click=move |_| print_page()>
                    "Print"
                </button>
            </div>
            <label class="checkbox">
                <input type="checkbox" on:change=move |ev| saved.set(event_target_checked(&ev)) />
                "I have saved my backup codes"
            </label>
            <button
                type="button"
                class="primary"
                disabled=move || !saved.get()
                on:click=move |_| on_saved.run(())
            >
                "Continue"
            </button>
        </section>
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
