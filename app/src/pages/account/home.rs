use crate::components::{SignedIn, TopBar};
use crate::i18n::{t, t_with};
use crate::routes;
use crate::types::{Role, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn HomePage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Home viewer /> }.into_any()) /> }
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role.Admin",
        Role::Authorized => "role.Authorized",
        Role::User => "role.User",
    }
}

#[component]
fn Home(viewer: Viewer) -> impl IntoView {
    view! {
        <TopBar viewer=viewer.clone() />
        <main class="page">
            <h1>{t_with("home.welcome", &[("name", &viewer.display_name)])}</h1>
            <p class="lead">{t_with("home.signed_in_as", &[("username", &viewer.username)])}</p>
            <section class="card">
                <h2>{t("home.account")}</h2>
                <dl class="facts">
                    <dt>{t("home.email")}</dt>
                    <dd>{viewer.email.clone()}</dd>
                    <dt>{t("home.role")}</dt>
                    <dd>{t(role_key(viewer.role))}</dd>
                </dl>
                <p>
                    <a href=routes::SESSIONS>{t("home.see_sessions")}</a>
                </p>
            </section>
        </main>
    }
}
