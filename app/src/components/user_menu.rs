use crate::api::SignOut;
use crate::components::navigate_hard;
use crate::types::Viewer;
use leptos::prelude::*;

/// The bar at the top of every signed-in page: the product name and the user menu.
#[component]
pub fn TopBar(viewer: Viewer) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Portcullis"
            </a>
            <UserMenu viewer=viewer.clone() />
        </header>
        {viewer
            .password_expires_in_days
            .map(|days| {
                let when = match days {
                    d if d <= 0 => "today".to_string(),
                    1 => "tomorrow".to_string(),
                    d => format!("in {d} days"),
                };
                view! {
                    <p class="banner" role="status">
                        "Your password expires " {when} ". " <a href="/account/password">"Change it now"</a>
                    </p>
                }
            })}
        {viewer
            .two_factor_grace_days
            .map(|days| {
                let when = match days {
                    d if d <= 1 => "tomorrow".to_string(),
                    d => format!("in {d} days"),
                };
                view! {
                    <p class="banner" role="status" data-testid="mfa-grace-banner">
                        "Two-factor authentication becomes mandatory for your account " {when}
                        ". After that you will have to set it up before you can sign in. "
                        <a href="/account/security">"Set it up now"</a>
                    </p>
                }
            })}
    }
}

/// The user menu, top right. A `<details>` element: it opens and closes without JavaScript too.
#[component]
pub fn UserMenu(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            navigate_hard("/login?signed_out=1");
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
            <summary aria-label="User menu" data-testid="user-menu">
                <span class="avatar" aria-hidden="true">
                    {initial}
                </span>
                <span class="who">{viewer.display_name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-identity">
                    <strong>{viewer.username.clone()}</strong>
                    <span>{viewer.email.clone()}</span>
                </p>
                <a role="menuitem" href="/account/password">
                    "Change password"
                </a>
                <a role="menuitem" href="/account/security">
                    "Security and sign-in"
                </a>
                <a role="menuitem" href="/account/sessions">
                    "Sessions and devices"
                </a>
                <ActionForm action=sign_out>
                    <button type="submit" role="menuitem" class="menu-button">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </details>
    }
}
