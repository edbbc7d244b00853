use crate::i18n::t;
use leptos::prelude::*;

/// Backup codes, shown once: copy, download, print, and "I have saved them".
#[component]
pub fn BackupCodesPanel(codes: Vec<String>, on_saved: Callback<()>) -> impl IntoView {
    let text = format!(
        "{}\n{}\n\n{}\n",
        t("backup.file_heading"),
        t("backup.file_explain"),
        codes.join("\n")
    );
    let saved = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let download_href = format!("data:text/plain;charset=utf-8,{}", percent_encode(&text));
    let copy_text = text.clone();
    let (copy_label, copied_label) = (t("backup.copy"), t("backup.copied"));
    view! {
        <section class="card backup-codes" aria-labelledby="codes-title">
            <h2 id="codes-title">{t("backup.title")}</h2>
            <p>{t("backup.lead")}</p>
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
                    {move || if copied.get() { copied_label.clone() } else { copy_label.clone() }}
                </button>
                <a class="button secondary" href=download_href download="portcullis-backup-codes.txt">
                    {t("backup.download")}
                </a>
                <button type="button" class="secondary" on:click=move |_| print_page()>
                    {t("backup.print")}
                </button>
            </div>
            <label class="checkbox">
                <input type="checkbox" on:change=move |ev| saved.set(event_target_checked(&ev)) />
                {t("backup.saved")}
            </label>
            <button
                type="button"
                class="primary"
                disabled=move || !saved.get()
                on:click=move |_| on_saved.run(())
            >
                {t("app.continue")}
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
