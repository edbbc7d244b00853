//! Changing the password: forced right after the password step (temporary, expired, dormant), or from
//! the user menu (`account::password`). One form for both.
use super::verify::CancelSignIn;
use crate::api::{password_owner, ChangePassword};
use crate::components::{error_view, navigate_hard, AtStep, NewPasswordFields};
use crate::i18n::t;
use crate::policy::PasswordOwner;
use crate::types::{PasswordChangeReason, Stage};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ForcedPasswordChangePage() -> impl IntoView {
    view! {
        <AtStep
            at=|stage| matches!(stage, Stage::PasswordChange(_))
            page=Arc::new(|stage| {
                let reason = match stage {
                    Stage::PasswordChange(reason) => Some(reason),
                    _ => None,
                };
                view! {
                    <main class="auth">
                        <ChangePasswordForm forced=reason />
                        <div class="aside">
                            <CancelSignIn label=t("change_password.sign_out") />
                        </div>
                    </main>
                }
                .into_any()
            })
        />
    }
}

/// The form. `forced`: why the sign-in requires it (then success continues the sign-in).
#[component]
pub fn ChangePasswordForm(forced: Option<PasswordChangeReason>) -> impl IntoView {
    // Whose password it is: the checklist's "not your username" rules need it.
    let owner = Resource::new(|| (), |_| password_owner());
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                match owner.await {
                    Ok(owner) => view! { <Form forced owner /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Form(forced: Option<PasswordChangeReason>, owner: PasswordOwner) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let username = owner.username.clone();
    let owner = Signal::stored(owner);
    let show = RwSignal::new(false);
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
        PasswordChangeReason::Temporary => t("change_password.explain_temporary"),
        PasswordChangeReason::Expired => t("change_password.explain_expired"),
        PasswordChangeReason::Dormant => t("change_password.explain_dormant"),
    });
    let current_label = if forced == Some(PasswordChangeReason::Temporary) {
        t("change_password.temporary")
    } else {
        t("change_password.current")
    };
    view! {
        <section class="card narrow" aria-labelledby="change-title">
            <h1 id="change-title">{t("title.change_password")}</h1>
            {explanation.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            <Show when=move || changed.get()>
                <p class="success" role="status">{t("change_password.changed")}</p>
            </Show>
            <ActionForm action attr:class="stack" attr:novalidate="">
                // Password managers file the new password under the right account.
                <input type="text" name="username" value=username autocomplete="username" hidden />
                <label for="current">{current_label}</label>
                <input id="current" name="current" type=field_type autocomplete="current-password" required />
                <NewPasswordFields owner field_type=Signal::derive(field_type) />
                <label class="checkbox" for="show-passwords">
                    <input id="show-passwords" type="checkbox" on:change=move |ev| show.set(event_target_checked(&ev)) />
                    {t("change_password.show")}
                </label>
                {error}
                <button type="submit" class="primary" disabled=action.pending()>
                    {t("change_password.submit")}
                </button>
            </ActionForm>
        </section>
    }
}
