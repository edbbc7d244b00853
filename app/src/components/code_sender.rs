//! Sent codes (email, text message): where the code went, and *Send a new code* after a countdown.
use crate::components::error_view;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::types::CodeSent;
use leptos::prelude::*;

/// Seconds before another code may be asked for, counted against the browser's clock from the moment
/// the server's answer arrived (so the button never comes back before the server allows it).
#[derive(Clone, Copy)]
pub struct Countdown {
    secs: RwSignal<i64>,
    deadline_ms: StoredValue<f64>,
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

impl Countdown {
    /// A countdown at zero, ticking in the browser.
    pub fn new() -> Countdown {
        let c = Countdown {
            secs: RwSignal::new(0),
            deadline_ms: StoredValue::new(0.0),
        };
        Effect::new(move |_| {
            let _ = set_interval_with_handle(
                move || {
                    let left = ((c.deadline_ms.get_value() - now_ms()) / 1000.0)
                        .ceil()
                        .max(0.0) as i64;
                    if c.secs.get_untracked() != left {
                        c.secs.set(left);
                    }
                },
                std::time::Duration::from_millis(250),
            );
        });
        c
    }

    pub fn start(&self, secs: i64) {
        self.deadline_ms
            .set_value(now_ms() + (secs.max(0) as f64) * 1000.0);
        self.secs.set(secs.max(0));
    }

    pub fn get(&self) -> i64 {
        self.secs.get()
    }
}

impl Default for Countdown {
    fn default() -> Self {
        Countdown::new()
    }
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
    countdown: Countdown,
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
                    {i1.text_count("otp.sent_to", sent.valid_minutes, &[("destination", &sent.destination)])}
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
