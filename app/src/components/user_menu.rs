use crate::api::SignOut;
use crate::components::navigate_hard;
use crate::i18n::{t, use_i18n};
use crate::routes;
use crate::types::Viewer;
use leptos::prelude::*;

/// The bar at the top of every signed-in page: the product name and the user menu, and the banners
/// that count down to a password expiry or a mandatory two-step verification.
#[component]
pub fn TopBar(viewer: Viewer) -> impl IntoView {
    let i18n = use_i18n();
    let expiry = viewer.password_expires_in_days.map(|days| match days {
        d if d <= 0 => i18n.text("banner.password_expires_today"),
        1 => i18n.text("banner.password_expires_tomorrow"),
        d => i18n.text_count("banner.password_expires_in", d, &[]),
    });
    let grace = viewer.two_factor_grace_days.map(|days| match days {
        d if d <= 1 => i18n.text("banner.mfa_grace_tomorrow"),
        d => i18n.text_count("banner.mfa_grace_in", d, &[]),
    });
    view! {
        <header class="topbar">
            <a class="brand" href=routes::HOME>{t("app.name")}</a>
            <UserMenu viewer=viewer.clone() />
        </header>
        {expiry.map(|text| view! {
            <p class="banner" role="status">
                {text} " " <a href=routes::ACCOUNT_PASSWORD>{t("banner.change_now")}</a>
            </p>
        })}
        {grace.map(|text| view! {
            <p class="banner" role="status" data-testid="mfa-grace-banner">
                {text} " " <a href=routes::SECURITY>{t("banner.set_up_now")}</a>
            </p>
        })}
    }
}

/// The user menu, top right. A `<details>` element: it opens and closes without JavaScript too.
#[component]
pub fn UserMenu(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            navigate_hard(&routes::with_notice(routes::LOGIN, "signed_out"));
        }
    });
    let initial = viewer
        .display_name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    view! {
        <details class="user-menu">
            <summary aria-label=t("menu.label") data-testid="user-menu">
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="who">{viewer.display_name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-identity">
                    <strong>{viewer.username.clone()}</strong>
                    <span>{viewer.email.clone()}</span>
                </p>
                <a role="menuitem" href=routes::ACCOUNT_PASSWORD>{t("menu.change_password")}</a>
                <a role="menuitem" href=routes::SECURITY>{t("menu.security")}</a>
                <a role="menuitem" href=routes::SESSIONS>{t("menu.sessions")}</a>
                <a role="menuitem" href=routes::ACTIVITY>{t("audit.menu_item")}</a>
                {viewer.role.is_admin().then(|| view! {
                    <a role="menuitem" href=routes::ADMIN_USERS data-testid="back-office">{t("admin.menu_item")}</a>
                })}
                <ActionForm action=sign_out>
                    <button type="submit" role="menuitem" class="menu-button">{t("menu.sign_out")}</button>
                </ActionForm>
            </div>
        </details>
    }
}
