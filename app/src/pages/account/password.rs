//! Change password from the user menu.
use crate::components::{SignedIn, TopBar};
use crate::pages::auth::change_password::ChangePasswordForm;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    view! {
        <SignedIn page=Arc::new(|viewer| view! {
            <TopBar viewer />
            <main class="page">
                <ChangePasswordForm forced=None />
            </main>
        }.into_any()) />
    }
}
