//! Sent codes (email, text message): where the code went, and *Send a new code* after a countdown.
use crate::components::error_view;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::types::CodeSent;
use leptos::prelude::*;

/// Counts `seconds` down to zero, once a second, in the browser.
pub fn tick_down(seconds: RwSignal<i64>) {
    Effect::new(move |_| {
        let _ = set_interval_with_handle(
            move || seconds.update(|s| *s = (*s - 1).max(0)),
            std::time::Duration::from_secs(1),
        );
    });
}

/// The answer of the last send: where the code went (or why not), the countdown, and the button that
/// asks for a new code. `on_send` sends; `pending` while it does.
#[component]
pub fn CodeStatus(
    /// The last send's answer, if any.
    #[prop(into)]
    last: Signal<Option<Result<CodeSent, AppError>>>,
    /// The masked destination known beforehand (shown when a code was sent earlier).
    #[prop(into)]
    destination: Signal<Option<String>>,
    countdown: RwSignal<i64>,
    #[prop(into)] pending: Signal<bool>,
    on_send: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (i1, i2, i3) = (i18n.clone(), i18n.clone(), i18n);
    let status = move || {
        match last.get() {
        Some(Ok(sent)) => Some(
            view! {
                <p class="notice" role="status" data-testid="code-sent">
                    {i1.text_with(
                        "otp.sent_to",
                        &[("destination", &sent.destination), ("minutes", &sent.valid_minutes.to_string())],
                    )}
                </p>
            }
            .into_any(),
        ),
        // A code sent before (a reload): say where it went.
        Some(Err(AppError::ResendTooSoon { .. })) => destination.get().map(|d| {
            view! {
                <p class="notice" role="status" data-testid="code-sent">
                    {i1.text_with("otp.destination", &[("destination", &d)])}
                </p>
            }
            .into_any()
        }),
        Some(Err(e)) => Some(view! { <div data-testid="send-error">{error_view(e)}</div> }.into_any()),
        None => None,
    }
    };
    let label = move || {
        if pending.get() {
            i2.text("otp.sending")
        } else if last.get().is_some() {
            i2.text("otp.resend")
        } else {
            i2.text("otp.send")
        }
    };
    view! {
        <div class="code-status">
            {status}
            <p class="muted small" data-testid="resend-countdown" hidden=move || countdown.get() == 0>
                {move || i3.text_count("otp.resend_in", countdown.get(), &[])}
            </p>
            <button
                type="button"
                class="secondary"
                data-testid="send-code"
                disabled=move || pending.get() || (countdown.get() > 0)
                on:click=move |_| on_send.run(())
            >
                {label}
            </button>
        </div>
    }
}
