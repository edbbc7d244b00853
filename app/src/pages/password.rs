use crate::api::ChangePassword;
use crate::components::{error_view, navigate_hard, NewPasswordFields, SignedIn, TopBar};
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
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
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
                    <NewPasswordFields owner=owner.clone() field_type=Signal::derive(field_type) />
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
