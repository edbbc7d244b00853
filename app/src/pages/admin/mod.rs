//! The back office (`/admin`), for administrators. The pages only steer: every server function behind
//! them refuses anyone but an administrator with a full, recent authentication.
pub mod audit;
pub mod recovery;
pub mod user;
pub mod users;

use crate::api::{security_overview, ConfirmIdentity};
use crate::components::{error_view, AfterHydration, SignedIn, TopBar};
use crate::error::AppError;
use crate::i18n::t;
use crate::pages::account::security::ConfirmIdentityForm;
use crate::routes;
use crate::types::Viewer;
use leptos::prelude::*;
use std::sync::Arc;

/// A back-office page body.
pub(crate) type AdminBody = fn() -> AnyView;

/// Renders `body` for a signed-in administrator, inside the back office's frame.
pub(crate) fn admin_only(body: AdminBody) -> impl IntoView {
    view! {
        <SignedIn page=Arc::new(move |viewer: Viewer| {
            if viewer.role.is_admin() {
                view! { <AdminFrame viewer body /> }.into_any()
            } else {
                view! {
                    <TopBar viewer />
                    <main class="page">{error_view(AppError::Forbidden)}</main>
                }
                    .into_any()
            }
        }) />
    }
}

/// The top bar, the back office's navigation, and the page. The page itself is rendered by the browser
/// once the frame is hydrated: its nested suspenses (the authentication check, then the page's data)
/// made hydration after a full page load depend on which answer arrived first, and it sometimes broke
/// (tachys `failed_to_cast_marker_node`). A back office has no use for server-rendered tables.
#[component]
fn AdminFrame(viewer: Viewer, body: AdminBody) -> impl IntoView {
    view! {
        <TopBar viewer />
        <main class="page admin">
            <nav class="admin-nav" aria-label=t("admin.nav_label")>
                <a href=routes::ADMIN_USERS>{t("admin.nav_users")}</a>
                " "
                <a href=routes::ADMIN_AUDIT>{t("audit.nav_audit")}</a>
                " "
                <a href=routes::ADMIN_RECOVERY>{t("recovery.nav")}</a>
            </nav>
            <AfterHydration>
                <AdminPage body />
            </AfterHydration>
        </main>
    }
}

/// When the last full authentication is more than five minutes old, "confirm it's you" before anything
/// else; then the page.
#[component]
fn AdminPage(body: AdminBody) -> impl IntoView {
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let overview = Resource::new(move || confirm.version().get(), |_| security_overview());
    view! {
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) if o.reauthenticated_secs_left > 0 => body(),
                        Ok(o) => view! {
                            <p class="lead" data-testid="admin-confirm">{t("admin.confirm_lead")}</p>
                            <ConfirmIdentityForm o confirm />
                        }
                            .into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
    }
}

/// The words for a role.
pub(crate) fn role_key(role: crate::types::Role) -> &'static str {
    match role {
        crate::types::Role::Admin => "role.Admin",
        crate::types::Role::Authorized => "role.Authorized",
        crate::types::Role::User => "role.User",
    }
}
