use crate::components::{SignedIn, TopBar};
use crate::types::Viewer;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn HomePage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Home viewer /> }.into_any()) /> }
}

#[component]
fn Home(viewer: Viewer) -> impl IntoView {
    view! {
        <TopBar viewer=viewer.clone() />
        <main class="page">
            <h1>"Welcome, " {viewer.display_name.clone()}</h1>
            <p class="lead">"You are signed in to Portcullis as " <strong>{viewer.username.clone()}</strong> "."</p>
            <section class="card">
                <h2>"Your account"</h2>
                <dl class="facts">
                    <dt>"Email"</dt>
                    <dd>{viewer.email.clone()}</dd>
                    <dt>"Role"</dt>
                    <dd>{viewer.role.to_string()}</dd>
                </dl>
                <p>
                    <a href="/account/sessions">"See where you are signed in"</a>
                </p>
            </section>
        </main>
    }
}
