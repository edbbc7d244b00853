use crate::api::ChangePassword;
use crate::components::{navigate_hard, PasswordChecklist, SignedIn, TopBar};
use crate::error::AppError;
use crate::policy::PasswordOwner;
use crate::types::{PasswordChangeReason, Stage, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

/// The required password change right after the password step (temporary, expired, dormant).
#[component]
pub fn ForcedPasswordChangePage() -> impl IntoView {
    view! {
        <SignedIn
            forced_password_change=true
            page=Arc::new(|viewer| view! { <ChangePassword viewer /> }.into_any())
        />
    }
}

/// Change password from the user menu.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <ChangePassword viewer /> }.into_any()) /> }
}

#[component]
fn ChangePassword(viewer: Viewer) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let new_password = RwSignal::new(String::new());
    let show = RwSignal::new(false);
    let owner = PasswordOwner {
        username: viewer.username.clone(),
        email: viewer.email.clone(),
    };
    let forced = match viewer.stage {
        Stage::PasswordChange(reason) => Some(reason),
        _ => None,
    };
    let changed = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(step)) = action.value().get() {
            if forced.is_some() || step.stage != Stage::Full {
                navigate_hard(&step.next);
            } else {
                changed.set(true);
            }
        }
    });
    let error = move || {
        match action.value().get() {
        Some(Err(AppError::PasswordRejected(rules))) => Some(
            view! {
                <div class="error" role="alert">
                    <p>"The new password does not meet these rules:"</p>
                    <ul>{rules.into_iter().map(|r| view! { <li>{r.failure()}</li> }).collect_view()}</ul>
                </div>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        _ => None,
    }
    };
    let field_type = move || if show.get() { "text" } else { "password" };
    let explanation = forced.map(|reason| match reason {
        PasswordChangeReason::Temporary => {
            "You signed in with a temporary password. Choose your own password to continue."
        }
        PasswordChangeReason::Expired => {
            "Your password has expired. Choose a new password to continue."
        }
        PasswordChangeReason::Dormant => {
            "You have not signed in for a long time. Choose a new password to continue."
        }
    });
    let top = (forced.is_none()).then(|| view! { <TopBar viewer=viewer.clone() /> });
    view! {
        {top}
        <main class=if forced.is_some() { "auth" } else { "page" }>
            <section class="card narrow" aria-labelledby="change-title">
                <h1 id="change-title">"Change password"</h1>
                {explanation.map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <Show when=move || changed.get()>
                    <p class="success" role="status">
                        "Your password has been changed. Your other sessions have been signed out."
                    </p>
                </Show>
                <ActionForm action attr:class="stack" attr:novalidate="">
                    <label for="current">
                        {if forced == Some(PasswordChangeReason::Temporary) {
                            "Temporary password"
                        } else {
                            "Current password"
                        }}
                    </label>
                    <input id="current" name="current" type=field_type autocomplete="current-password" required />
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
                    <PasswordChecklist password=new_password owner=owner.clone() />
                    <label for="confirm">"Confirm new password"</label>
                    <input id="confirm" name="confirm" type=field_type autocomplete="new-password" required />
                    <label class="checkbox" for="show-passwords">
                        <input
                            id="show-passwords"
                            type="checkbox"
                            on:change=move |ev| show.set(event_target_checked(&ev))
                        />
                        "Show passwords"
                    </label>
                    {error}
                    <button type="submit" class="primary" disabled=action.pending()>
                        "Change password"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
