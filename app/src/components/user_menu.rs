use crate::api::SignOut;
use crate::components::language_picker::reload_in;
use crate::components::navigate_hard;
use crate::i18n::{t, use_i18n};
use crate::keyboard as key;
use crate::routes;
use crate::types::{Locale, Viewer};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

/// The bar at the top of every signed-in page: the product name, the guide's "?" for this page, the
/// user menu, and the banners that count down to a password expiry or a mandatory two-step verification.
#[component]
pub fn TopBar(viewer: Viewer) -> AnyView {
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
            <div class="topbar-actions">
                <HelpLink />
                <UserMenu viewer=viewer.clone() />
            </div>
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
    .into_any()
}

/// The guide's section about the page at `path`.
pub fn guide_section_for(path: &str) -> &'static str {
    match path {
        p if p.starts_with(routes::SECURITY) => "two-step",
        p if p.starts_with(routes::SESSIONS) => "devices",
        p if p.starts_with(routes::ACCOUNT_PASSWORD) => "lost-login",
        p if p.starts_with(routes::ACCOUNT_DETAILS) || p.starts_with(routes::PAYOUT_DETAILS) => {
            "account"
        }
        p if p.starts_with(routes::VERIFY) => "code-incorrect",
        _ => "signing-in",
    }
}

/// "?": the user guide, opened at the section for the current page.
#[component]
pub fn HelpLink() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let href = move || {
        routes::with_param(
            routes::GUIDE_SECTION,
            guide_section_for(&location.pathname.get()),
        )
    };
    view! {
        <a class="help" href=href aria-label=t("menu.help") title=t("menu.help") data-testid="help">"?"</a>
    }
}

/// Every element of the menu a person can land on, in order.
fn items(menu: &NodeRef<html::Div>) -> Vec<web_sys_like::Element> {
    web_sys_like::items(menu)
}

/// The user menu, top right: a WAI-ARIA menu button. Enter, Space or ↓ open it on the first item, ↑ on
/// the last; ↑ ↓ Home End move; Escape closes it and returns to the button; Tab closes it and moves on.
#[component]
pub fn UserMenu(viewer: Viewer) -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            navigate_hard(&routes::with_notice(routes::LOGIN, "signed_out"));
        }
    });
    let open = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    // A click anywhere else closes it (the listener goes with the menu).
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::click, move |ev| {
            if open.try_get_untracked() == Some(true) && !web_sys_like::inside(&root, &ev) {
                let _ = open.try_set(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    let menu = NodeRef::<html::Div>::new();
    let focus_item = move |which: Which| {
        let list = items(&menu);
        web_sys_like::focus(&list, which);
    };
    let show = move |which: Which| {
        open.set(true);
        // The menu is rendered visible first, then focused.
        request_animation_frame(move || focus_item(which));
    };
    let close = move |to_button: bool| {
        open.set(false);
        if to_button {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let on_button_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        if [key::ARROW_DOWN, key::ENTER, key::SPACE].contains(&key.as_str()) {
            ev.prevent_default();
            show(Which::First);
        } else if key == key::ARROW_UP {
            ev.prevent_default();
            show(Which::Last);
        }
    };
    let on_menu_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let moves = [
            (key::ARROW_DOWN, Which::Next),
            (key::ARROW_UP, Which::Previous),
            (key::HOME, Which::First),
            (key::END, Which::Last),
        ];
        if let Some((_, which)) = moves.iter().find(|(k, _)| *k == key) {
            ev.prevent_default();
            focus_item(*which);
        } else if key == key::ESCAPE {
            ev.prevent_default();
            close(true);
        } else if key == key::TAB {
            close(false);
        }
    };
    let authorized = viewer.role.sees_account_details();
    let current = i18n.locale;
    let initial = viewer
        .display_name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    view! {
        <div class="user-menu" node_ref=root>
            <button
                type="button"
                class="menu-button-trigger"
                id="user-menu-button"
                aria-haspopup="menu"
                aria-controls="user-menu-list"
                aria-expanded=move || open.get().to_string()
                aria-label=t("menu.label")
                data-testid="user-menu"
                node_ref=button
                on:click=move |_| if open.get_untracked() { close(false) } else { show(Which::First) }
                on:keydown=on_button_key
            >
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="who">{viewer.display_name.clone()}</span>
            </button>
            <div
                class="menu"
                role="menu"
                id="user-menu-list"
                aria-labelledby="user-menu-button"
                hidden=move || !open.get()
                node_ref=menu
                on:keydown=on_menu_key
                // An item chosen: the menu closes while the page it belongs to is still there.
                on:click=move |_| open.set(false)
            >
                <p class="menu-identity" role="none">
                    <strong>{viewer.username.clone()}</strong>
                    <span>{viewer.email.clone()}</span>
                </p>
                <a role="menuitem" tabindex="-1" href=routes::GUIDE>{t("menu.guide")}</a>
                <div role="group" aria-label=t("menu.language") class="menu-group">
                    <p class="menu-group-label" aria-hidden="true">{t("menu.language")}</p>
                    {Locale::ALL.into_iter().map(|locale| view! {
                        <button
                            type="button"
                            role="menuitemradio"
                            tabindex="-1"
                            class="menu-button"
                            lang=locale.tag()
                            aria-checked=(locale == current).to_string()
                            on:click=move |_| reload_in(locale)
                        >
                            {locale.endonym()}
                        </button>
                    }).collect_view()}
                </div>
                <a role="menuitem" tabindex="-1" href=routes::ACCOUNT_PASSWORD>{t("menu.change_password")}</a>
                <a role="menuitem" tabindex="-1" href=routes::SECURITY>{t("menu.security")}</a>
                <a role="menuitem" tabindex="-1" href=routes::SESSIONS>{t("menu.sessions")}</a>
                <a role="menuitem" tabindex="-1" href=routes::ACTIVITY>{t("audit.menu_item")}</a>
                {authorized.then(|| view! {
                    <a role="menuitem" tabindex="-1" href=routes::ACCOUNT_DETAILS>{t("menu.account_details")}</a>
                    <a role="menuitem" tabindex="-1" href=routes::PAYOUT_DETAILS>{t("menu.payout_details")}</a>
                })}
                {viewer.role.is_admin().then(|| view! {
                    <a role="menuitem" tabindex="-1" href=routes::ADMIN_USERS data-testid="back-office">{t("admin.menu_item")}</a>
                })}
                <a role="menuitem" tabindex="-1" href=routes::DEVELOPERS>{t("menu.developers")}</a>
                <ActionForm action=sign_out>
                    <button type="submit" role="menuitem" tabindex="-1" class="menu-button">{t("menu.sign_out")}</button>
                </ActionForm>
            </div>
        </div>
    }
    .into_any()
}

/// Where focus goes in the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    First,
    Last,
    Next,
    Previous,
}

/// The position `which` names among `len` items, from the focused one (`current`), wrapping around.
fn target(which: Which, current: Option<usize>, len: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (which, current) {
        (Which::First, _) | (Which::Next, None) => 0,
        (Which::Last, _) | (Which::Previous, None) => len - 1,
        (Which::Next, Some(i)) => (i + 1) % len,
        (Which::Previous, Some(i)) => (i + len - 1) % len,
    })
}

/// The DOM side, in the browser only (nothing to focus while rendering on the server).
mod web_sys_like {
    use super::{target, Which};
    use leptos::html;
    use leptos::prelude::*;

    #[cfg(feature = "hydrate")]
    pub type Element = web_sys::HtmlElement;
    #[cfg(not(feature = "hydrate"))]
    pub type Element = ();

    pub fn items(menu: &NodeRef<html::Div>) -> Vec<Element> {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(menu) = menu.try_get_untracked().flatten() else {
                return Vec::new();
            };
            let Ok(list) = menu.query_selector_all("[role=menuitem], [role=menuitemradio]") else {
                return Vec::new();
            };
            (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                .collect()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = menu;
            Vec::new()
        }
    }

    pub fn focus(items: &[Element], which: Which) {
        #[cfg(feature = "hydrate")]
        {
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let current = active.and_then(|a| {
                items
                    .iter()
                    .position(|i| AsRef::<web_sys::Element>::as_ref(i) == &a)
            });
            if let Some(i) = target(which, current, items.len()) {
                let _ = items[i].focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (items, which, target(which, None, 0));
    }

    /// Whether a click landed inside the menu.
    #[cfg(feature = "hydrate")]
    pub fn inside(root: &NodeRef<html::Div>, ev: &leptos::ev::MouseEvent) -> bool {
        use wasm_bindgen::JsCast;
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        match (root.try_get_untracked().flatten(), target) {
            (Some(root), Some(target)) => root.contains(Some(&target)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_wrap_around_the_menu() {
        assert_eq!(target(Which::First, Some(3), 5), Some(0));
        assert_eq!(target(Which::Last, None, 5), Some(4));
        assert_eq!(target(Which::Next, Some(4), 5), Some(0));
        assert_eq!(target(Which::Previous, Some(0), 5), Some(4));
        assert_eq!(target(Which::Next, None, 5), Some(0));
        assert_eq!(target(Which::Next, None, 0), None);
    }

    #[test]
    fn the_help_link_opens_the_section_for_the_page() {
        assert_eq!(guide_section_for(routes::SECURITY), "two-step");
        assert_eq!(guide_section_for(routes::SESSIONS), "devices");
        assert_eq!(guide_section_for(routes::HOME), "signing-in");
    }
}
