use crate::api::RequestPasswordReset;
use crate::components::error_view;
use crate::i18n::t;
use crate::routes;
use leptos::prelude::*;

/// Forgot password: the account's email (and the username, if the person likes); the same answer
/// whether the details match an account or not.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="forgot-title">
                <h1 id="forgot-title">{t("title.forgot")}</h1>
                <Show
                    when=sent
                    fallback=move || {
                        view! {
                            <p class="lead">{t("forgot.lead")}</p>
                            <ActionForm action attr:class="stack" attr:novalidate="">
                                <label for="email">{t("forgot.email")}</label>
                                <input id="email" name="email" type="email" autocomplete="email" required />
                                <label for="username">{t("forgot.username")}</label>
                                <input
                                    id="username"
                                    name="username"
                                    type="text"
                                    autocomplete="username"
                                    autocapitalize="none"
                                    spellcheck="false"
                                />
                                {error}
                                <button type="submit" class="primary" disabled=action.pending()>
                                    {t("forgot.submit")}
                                </button>
                            </ActionForm>
                        }
                    }
                >
                    <p class="success" role="status">{t("forgot.sent")}</p>
                </Show>
                <p class="aside">
                    <a href=routes::LOGIN>{t("app.back_to_sign_in")}</a>
                </p>
            </section>
        </main>
    }
}
