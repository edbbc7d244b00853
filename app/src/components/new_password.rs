use crate::components::PasswordChecklist;
use crate::i18n::t;
use crate::policy::PasswordOwner;
use leptos::prelude::*;

/// New password, its live checklist, and its confirmation (named `new` and `confirm` for the server).
#[component]
pub fn NewPasswordFields(
    #[prop(into)] owner: Signal<PasswordOwner>,
    #[prop(into)] field_type: Signal<&'static str>,
) -> impl IntoView {
    let new_password = RwSignal::new(String::new());
    view! {
        <label for="new">{t("change_password.new")}</label>
        <input
            id="new"
            name="new"
            type=field_type
            autocomplete="new-password"
            aria-describedby="password-rules"
            required
            on:input=move |ev| new_password.set(event_target_value(&ev))
        />
        <PasswordChecklist password=new_password owner />
        <label for="confirm">{t("change_password.confirm")}</label>
        <input id="confirm" name="confirm" type=field_type autocomplete="new-password" required />
    }
}
