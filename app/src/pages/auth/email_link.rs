//! Pages opened from emailed links. Opening one spends nothing (mail scanners fetch links): the person
//! presses a button, and only that spends the link.
use crate::api::{inspect_link, ReportNotMe, SetPasswordByLink, UnlockAccount};
use crate::components::{error_view, navigate_hard, NewPasswordFields};
use crate::i18n::{t, t_with};
use crate::policy::PasswordOwner;
use crate::routes;
use crate::types::{LinkInfo, LinkKind};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <EmailLink kind=LinkKind::Reset /> }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    view! { <EmailLink kind=LinkKind::Invite /> }
}

#[component]
pub fn UnlockPage() -> impl IntoView {
    view! { <EmailLink kind=LinkKind::Unlock /> }
}

#[component]
pub fn NotMePage() -> impl IntoView {
    view! { <EmailLink kind=LinkKind::NotMe /> }
}

#[component]
fn EmailLink(kind: LinkKind) -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, move |token| inspect_link(kind, token));
    let title = match kind {
        LinkKind::Reset => t("title.reset"),
        LinkKind::Invite => t("title.invitation"),
        LinkKind::Unlock => t("title.unlock"),
        LinkKind::NotMe => t("link.not_me_title"),
    };
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="link-title">
                <h1 id="link-title">{title}</h1>
                <Suspense fallback=|| view! { <p class="loading">{t("link.checking")}</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) if kind == LinkKind::Unlock => {
                                view! { <UnlockForm token=token() info /> }.into_any()
                            }
                            Ok(info) if kind == LinkKind::NotMe => {
                                view! { <NotMeForm token=token() info /> }.into_any()
                            }
                            Ok(info) => view! { <PasswordForm kind token=token() info /> }.into_any(),
                            Err(e) => {
                                view! {
                                    {error_view(e)}
                                    <p>
                                        <a href=routes::FORGOT_PASSWORD>{t("link.ask_again")}</a>
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn PasswordForm(kind: LinkKind, token: String, info: LinkInfo) -> impl IntoView {
    let action = ServerAction::<SetPasswordByLink>::new();
    let show = RwSignal::new(false);
    let owner = PasswordOwner {
        username: info.username.clone(),
        email: info.email.clone(),
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            let notice = if kind == LinkKind::Invite {
                "password_set"
            } else {
                "password_reset"
            };
            navigate_hard(&routes::with_notice(routes::LOGIN, notice));
        }
    });
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    let kind_value = format!("{kind:?}");
    let field_type = move || if show.get() { "text" } else { "password" };
    view! {
        <p class="lead">{t_with("link.for_account", &[("username", &info.username)])}</p>
        <ActionForm action attr:class="stack" attr:novalidate="">
            <input type="hidden" name="kind" value=kind_value />
            <input type="hidden" name="token" value=token />
            // Password managers file the new password under the right account.
            <input type="text" name="username" value=info.username.clone() autocomplete="username" hidden />
            <NewPasswordFields owner=owner field_type=Signal::derive(field_type) />
            <label class="checkbox" for="show-passwords">
                <input id="show-passwords" type="checkbox" on:change=move |ev| show.set(event_target_checked(&ev)) />
                {t("change_password.show")}
            </label>
            {error}
            <button type="submit" class="primary" disabled=action.pending()>
                {if kind == LinkKind::Invite { t("link.set_first") } else { t("link.set_new") }}
            </button>
        </ActionForm>
    }
}

#[component]
fn UnlockForm(token: String, info: LinkInfo) -> impl IntoView {
    let action = ServerAction::<UnlockAccount>::new();
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <Show
            when=done
            fallback=move || {
                let token = token.clone();
                view! {
                    <p class="lead">{t_with("link.unlock_lead", &[("username", &info.username)])}</p>
                    <ActionForm action attr:class="stack">
                        <input type="hidden" name="token" value=token />
                        {error}
                        <button type="submit" class="primary" disabled=action.pending()>
                            {t("link.unlock_submit")}
                        </button>
                    </ActionForm>
                    <p>
                        {t("link.unlock_forgot")} " " <a href=routes::FORGOT_PASSWORD>{t("link.reset_instead")}</a>
                    </p>
                }
            }
        >
            <p class="success" role="status">{t("link.unlocked")}</p>
            <p>
                <a href=routes::LOGIN>{t("link.sign_in")}</a>
            </p>
        </Show>
    }
}

/// "This wasn't me": securing the account spends the link, then the password reset it started opens.
#[component]
fn NotMeForm(token: String, info: LinkInfo) -> impl IntoView {
    let action = ServerAction::<ReportNotMe>::new();
    Effect::new(move |_| {
        if let Some(Ok(reset)) = action.value().get() {
            navigate_hard(&routes::with_param(routes::RESET_PASSWORD, &reset));
        }
    });
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <Show
            when=done
            fallback=move || {
                let token = token.clone();
                view! {
                    <p class="lead">{t_with("link.not_me_lead", &[("username", &info.username)])}</p>
                    <ActionForm action attr:class="stack">
                        <input type="hidden" name="token" value=token />
                        {error}
                        <button type="submit" class="primary" disabled=action.pending()>
                            {t("link.not_me_submit")}
                        </button>
                    </ActionForm>
                    <p>{t("link.not_me_was_me")}</p>
                }
            }
        >
            <p class="success" role="status">{t("link.not_me_done")}</p>
        </Show>
    }
}
