use crate::api::RequestPasswordReset;
use crate::components::error_view;
use leptos::prelude::*;

/// Forgot password: username and email; the same answer whether they match an account or not.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="forgot-title">
                <h1 id="forgot-title">"Reset your password"</h1>
                <Show
                    when=sent
                    fallback=move || {
                        view! {
                            <p class="lead">
                                "Enter your username and the email address of your account. We will email you a link to choose a new password."
                            </p>
                            <ActionForm action attr:class="stack" attr:novalidate="">
                                <label for="username">"Username"</label>
                                <input
                                    id="username"
                                    name="username"
                                    type="text"
                                    autocomplete="username"
                                    autocapitalize="none"
                                    spellcheck="false"
                                    required
                                />
                                <label for="email">"Email address"</label>
                                <input id="email" name="email" type="email" autocomplete="email" required />
                                {error}
                                <button type="submit" class="primary" disabled=action.pending()>
                                    "Send reset link"
                                </button>
                            </ActionForm>
                        }
                    }
                >
                    <p class="success" role="status">
                        "If the username and email address match an account, we have sent it a link to choose a new password. The link works once, for 30 minutes. Check your inbox, and your spam folder."
                    </p>
                </Show>
                <p class="aside">
                    <a href="/login">"Back to sign in"</a>
                </p>
            </section>
        </main>
    }
}
