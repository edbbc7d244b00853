use crate::components::PasswordChecklist;
use crate::error::AppError;
use crate::policy::PasswordOwner;
use leptos::prelude::*;

/// New password, its live checklist, and its confirmation (named `new` and `confirm` for the server).
#[component]
pub fn NewPasswordFields(
    owner: PasswordOwner,
    #[prop(into)] field_type: Signal<&'static str>,
) -> impl IntoView {
    let new_password = RwSignal::new(String::new());
    view! {
        <label for="new">"New password"</label>
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
        <label for="confirm">"Confirm new password"</label>
        <input id="confirm" name="confirm" type=field_type autocomplete="new-password" required />
    }
}

/// A failed form submission, with the broken password rules listed one by one.
pub fn error_view(error: AppError) -> AnyView {
    match error {
        AppError::PasswordRejected(rules) => view! {
            <div class="error" role="alert">
                <p>"The new password does not meet these rules:"</p>
                <ul>{rules.into_iter().map(|r| view! { <li>{r.failure()}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        other => view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}
