//! The page a new-address confirmation link opens. Opening it spends nothing (mail scanners fetch
//! links): it shows the account and the new address, and only the button spends the link. No sign-in
//! is needed: the link proves control of the new address, and it was issued only after a full
//! authentication of the account's owner.
use crate::api::{inspect_email_change, ConfirmEmailChange};
use crate::components::error_view;
use crate::i18n::{t, t_with};
use crate::routes;
use crate::types::EmailChangeLink;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, inspect_email_change);
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="confirm-email-title">
                <h1 id="confirm-email-title">{t("profile.confirm_email_title")}</h1>
                <Suspense fallback=|| view! { <p class="loading">{t("link.checking")}</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! { <ConfirmForm token=token() info /> }.into_any(),
                            Err(e) => view! {
                                <div data-testid="confirm-email-invalid">{error_view(e)}</div>
                                <p><a href=routes::ACCOUNT_DETAILS>{t("profile.confirm_email_ask_again")}</a></p>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn ConfirmForm(token: String, info: EmailChangeLink) -> impl IntoView {
    let action = ServerAction::<ConfirmEmailChange>::new();
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    let new_email = info.new_email.clone();
    view! {
        <Show
            when=done
            fallback=move || {
                let token = token.clone();
                view! {
                    <p class="lead">
                        {t_with(
                            "profile.confirm_email_lead",
                            &[("username", &info.username), ("email", &info.new_email)],
                        )}
                    </p>
                    <ActionForm action attr:class="stack">
                        <input type="hidden" name="token" value=token />
                        {error}
                        <button type="submit" class="primary" disabled=action.pending()>
                            {t("profile.confirm_email_submit")}
                        </button>
                    </ActionForm>
                }
            }
        >
            <p class="success" role="status" data-testid="email-changed">
                {t_with("profile.email_confirmed", &[("email", &new_email)])}
            </p>
            <p><a href=routes::HOME>{t("profile.confirm_email_continue")}</a></p>
        </Show>
    }
}
