//! The second step of signing in.
use crate::api::{challenge, SendCode, SignOut, VerifySecondFactor};
use crate::components::errors::drift_minutes;
use crate::components::passkey::{assert_own_key, failure_view, PasskeyFailure, PasskeyHostNotice};
use crate::components::{error_view, navigate_hard, AtStep, CodeStatus, Countdown};
use crate::i18n::{t, t_count, t_with, use_i18n};
use crate::routes;
use crate::types::{ChallengeInfo, Method, SignInStep, Stage};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn VerifyPage() -> impl IntoView {
    view! {
        <AtStep
            at=|stage| stage == Stage::SecondFactor
            page=Arc::new(|_| view! { <Challenge /> }.into_any())
        />
    }
}

/// Ends the half-finished sign-in and starts again on a clean sign-in page.
#[component]
pub fn CancelSignIn(#[prop(into)] label: String) -> impl IntoView {
    let cancel = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if cancel.value().get().is_some() {
            navigate_hard(routes::LOGIN);
        }
    });
    view! {
        <ActionForm action=cancel attr:class="inline">
            <button type="submit" class="link-button neutral">{label}</button>
        </ActionForm>
    }
}

#[component]
fn Challenge() -> impl IntoView {
    let info = Resource::new(|| (), |_| challenge());
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="verify-title">
                <h1 id="verify-title">{t("title.verify")}</h1>
                <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! { <ChallengeForm info /> }.into_any(),
                            Err(e) => error_view(e),
                        }
                    })}
                </Suspense>
                <div class="aside">
                    <p><a href=routes::RECOVERY data-testid="lost-every-method">{t("recovery.link")}</a></p>
                    <CancelSignIn label=t("verify.cancel") />
                </div>
            </section>
        </main>
    }
}

/// A sign-in finished after re-synchronising with a device clock that is off: say so before going on.
#[component]
fn ClockNotice(step: SignInStep, steps: i64) -> impl IntoView {
    let minutes = drift_minutes(steps).to_string();
    let key = if steps > 0 {
        "verify.clock_fixed_ahead"
    } else {
        "verify.clock_fixed_behind"
    };
    let next = step.next.clone();
    view! {
        <p class="notice" role="status" data-testid="clock-notice">{t_with(key, &[("minutes", &minutes)])}</p>
        <button type="button" class="primary" on:click=move |_| navigate_hard(&next)>{t("app.continue")}</button>
    }
}

/// What is asked for: one of the user's methods, or a backup code. A sign-in that needed the device's
/// clock re-synchronised says so before going on.
#[component]
fn ChallengeForm(info: ChallengeInfo) -> impl IntoView {
    let action = ServerAction::<VerifySecondFactor>::new();
    let drift = RwSignal::new(None::<(SignInStep, i64)>);
    Effect::new(move |_| {
        if let Some(Ok(step)) = action.value().get() {
            match step.clock_drift_steps {
                Some(steps) if steps != 0 => drift.set(Some((step, steps))),
                _ => navigate_hard(&step.next),
            }
        }
    });
    move || match drift.get() {
        Some((step, steps)) => view! { <ClockNotice step steps /> }.into_any(),
        None => view! { <Answer info=info.clone() action /> }.into_any(),
    }
}

/// The second step with a passkey or security key: the browser's dialog, then the same judgement as
/// any code (`verify_second_factor`).
#[component]
fn PasskeyAnswer(action: ServerAction<VerifySecondFactor>, trust_days: i64) -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<PasskeyFailure>);
    let trust = RwSignal::new(false);
    let pending = action.pending();
    let start = move |_| {
        assert_own_key(busy, failure, move |answer| {
            action.dispatch(VerifySecondFactor {
                method: Method::Passkey,
                code: answer,
                trust: trust.get_untracked(),
            });
        })
    };
    view! {
        <div class="stack">
            <PasskeyHostNotice />
            <label class="checkbox" for="trust-passkey">
                <input
                    id="trust-passkey"
                    type="checkbox"
                    prop:checked=trust
                    on:change=move |ev| trust.set(event_target_checked(&ev))
                />
                {t_count("verify.trust", trust_days, &[])}
            </label>
            {move || failure_view(failure.get())}
            {move || action.value().get().and_then(|r| r.err()).map(error_view)}
            <button
                type="button"
                class="primary"
                data-testid="use-passkey"
                disabled=move || busy.get() || pending.get()
                on:click=start
            >
                {move || if busy.get() || pending.get() { t("passkey.waiting") } else { t("passkey.use") }}
            </button>
        </div>
    }
}

#[component]
fn Answer(info: ChallengeInfo, action: ServerAction<VerifySecondFactor>) -> impl IntoView {
    let i18n = use_i18n();
    let first = info.methods.first().copied().unwrap_or(Method::BackupCode);
    let method = RwSignal::new(first);
    let choosing = RwSignal::new(false);
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    let methods = StoredValue::new(info.methods.clone());
    let backup_left = info.backup_codes_remaining;
    // Sent codes: one send per method when it comes on screen, then *Send a new code* after the
    // countdown the server gives.
    let send = ServerAction::<SendCode>::new();
    let countdown = Countdown::new();
    let requested = RwSignal::new(Vec::<Method>::new());
    let results = RwSignal::new(Vec::<(
        Method,
        Result<crate::types::CodeSent, crate::error::AppError>,
    )>::new());
    let destinations = StoredValue::new(info.destinations.clone());
    Effect::new(move |_| {
        let m = method.get();
        if m.is_sent() && !requested.get_untracked().contains(&m) {
            requested.update(|r| r.push(m));
            send.dispatch(SendCode { method: m });
        }
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            let m = match &result {
                Ok(sent) => sent.method,
                Err(_) => method.get_untracked(),
            };
            countdown.start(match &result {
                Ok(sent) => sent.resend_after_secs,
                Err(crate::error::AppError::ResendTooSoon { seconds }) => *seconds,
                Err(_) => 0,
            });
            results.update(|all| {
                all.retain(|(k, _)| *k != m);
                all.push((m, result));
            });
        }
    });
    let last_send = Signal::derive(move || {
        let m = method.get();
        results
            .get()
            .into_iter()
            .find(|(k, _)| *k == m)
            .map(|(_, r)| r)
    });
    let known_destination = Signal::derive(move || {
        let m = method.get();
        destinations
            .get_value()
            .into_iter()
            .find(|(k, _)| *k == m)
            .map(|(_, d)| d)
    });
    let send_pending = send.pending();
    let on_send = Callback::new(move |_| {
        send.dispatch(SendCode {
            method: method.get_untracked(),
        });
    });
    let prompt = {
        let i18n = i18n.clone();
        move || i18n.text(method.get().prompt_key())
    };
    let code_label = {
        let i18n = i18n.clone();
        move || {
            i18n.text(if method.get() == Method::BackupCode {
                "verify.backup_code"
            } else {
                "verify.code"
            })
        }
    };
    let (submit, submitting) = (t("verify.submit"), t("verify.submitting"));
    let pending = action.pending();
    let other_ways = move || {
        // Every method but the one on screen.
        let i18n = i18n.clone();
        methods
            .get_value()
            .into_iter()
            .filter(|m| *m != method.get())
            .map(|m| {
                view! {
                    <li>
                        <button
                            type="button"
                            class="link-button neutral"
                            data-method=m.as_db()
                            on:click=move |_| {
                                method.set(m);
                                choosing.set(false);
                            }
                        >
                            {i18n.text(m.name_key())}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let trust_days = info.trust_days;
    view! {
        <p class="lead" data-testid="method-prompt" data-method=move || method.get().as_db()>{prompt}</p>
        {move || (method.get() == Method::Passkey).then(|| view! { <PasskeyAnswer action trust_days /> })}
        <Show when=move || method.get().is_sent()>
            <CodeStatus last=last_send destination=known_destination countdown pending=send_pending on_send />
        </Show>
        <div hidden=move || method.get() == Method::Passkey>
        <ActionForm action attr:class="stack">
            <input type="hidden" name="method" value=move || format!("{:?}", method.get()) />
            <label for="code">{code_label}</label>
            <input
                id="code"
                name="code"
                autocomplete="one-time-code"
                autocapitalize="none"
                spellcheck="false"
                inputmode=move || if method.get() == Method::BackupCode { "text" } else { "numeric" }
                required
            />
            <p class="muted small" hidden=move || !method.get().is_sent()>{t("otp.paste_hint")}</p>
            <label class="checkbox" for="trust">
                <input id="trust" name="trust" type="checkbox" value="true" />
                {t_count("verify.trust", info.trust_days, &[])}
            </label>
            {error}
            <button type="submit" class="primary" disabled=pending>
                {move || if pending.get() { submitting.clone() } else { submit.clone() }}
            </button>
        </ActionForm>
        </div>
        <div class="other-ways">
            <button
                type="button"
                class="link-button neutral"
                aria-expanded=move || choosing.get().to_string()
                on:click=move |_| choosing.update(|c| *c = !*c)
            >
                {t("verify.other_ways")}
            </button>
            <div hidden=move || !choosing.get()>
                <ul class="ways">
                    {other_ways}
                    <li hidden=move || method.get() == Method::BackupCode>
                        <button
                            type="button"
                            class="link-button neutral"
                            disabled=backup_left == 0
                            on:click=move |_| {
                                method.set(Method::BackupCode);
                                choosing.set(false);
                            }
                        >
                            {t_count("verify.use_backup_code", backup_left, &[])}
                        </button>
                    </li>
                </ul>
                <p class="muted small">{t("verify.lost_everything")}</p>
            </div>
        </div>
    }
}
