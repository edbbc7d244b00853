//! The second step of signing in, and the mandatory enrolment.
use crate::api::{challenge, VerifySecondFactor};
use crate::components::{error_view, navigate_hard, BackupCodesPanel, SignedIn, TotpSetupFlow};
use crate::types::{ChallengeInfo, Enrolled, FactorKind, Stage};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn VerifyPage() -> impl IntoView {
    view! {
        <SignedIn
            step=Stage::SecondFactor
            page=Arc::new(|_| view! { <Challenge /> }.into_any())
        />
    }
}

#[component]
fn Challenge() -> impl IntoView {
    let info = Resource::new(|| (), |_| challenge());
    view! {
        <main class="auth">
            <section class="card narrow" aria-labelledby="verify-title">
                <h1 id="verify-title">"Two-step verification"</h1>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! { <ChallengeForm info /> }.into_any(),
                            Err(e) => error_view(e),
                        }
                    })}
                </Suspense>
                <p class="aside">
                    <a href="/login">"Cancel and sign in again"</a>
                </p>
            </section>
        </main>
    }
}

/// What is asked for: one of the user's methods, or a backup code (None).
#[component]
fn ChallengeForm(info: ChallengeInfo) -> impl IntoView {
    let action = ServerAction::<VerifySecondFactor>::new();
    let first = info.methods.first().copied();
    let method = RwSignal::new(first);
    let choosing = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(step)) = action.value().get() {
            navigate_hard(&step.next);
        }
    });
    let error = move || action.value().get().and_then(|r| r.err()).map(error_view);
    let methods = StoredValue::new(info.methods.clone());
    let backup_left = info.backup_codes_remaining;
    let trust_days = info.trust_days;
    view! {
        <p class="lead">
            {move || match method.get() {
                Some(kind) => kind.prompt(),
                None => "Enter one of your backup codes. Each code works once.",
            }}
        </p>
        <ActionForm action attr:class="stack">
            {move || method.get().map(|kind| view! { <input type="hidden" name="kind" value=format!("{kind:?}") /> })}
            <label for="code">
                {move || if method.get().is_some() { "Verification code" } else { "Backup code" }}
            </label>
            <input
                id="code"
                name="code"
                autocomplete="one-time-code"
                autocapitalize="none"
                spellcheck="false"
                inputmode=move || if method.get().is_some() { "numeric" } else { "text" }
                required
            />
            <label class="checkbox" for="trust">
                <input id="trust" name="trust" type="checkbox" value="true" />
                {format!("Don't ask again on this browser for {trust_days} days")}
            </label>
            {error}
            <button type="submit" class="primary" disabled=action.pending()>
                "Verify"
            </button>
        </ActionForm>
        <div class="other-ways">
            <button type="button" class="link-button neutral" on:click=move |_| choosing.update(|c| *c = !*c)>
                "Try another way"
            </button>
            <Show when=move || choosing.get()>
                <ul class="ways">
                    {move || {
                        // Every method but the one on screen.
                        methods
                            .get_value()
                            .into_iter()
                            .filter(|kind| Some(*kind) != method.get())
                            .map(|kind| {
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="link-button neutral"
                                            on:click=move |_| {
                                                method.set(Some(kind));
                                                choosing.set(false);
                                            }
                                        >
                                            {kind.name()}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                    <li hidden=move || method.get().is_none()>
                        <button
                            type="button"
                            class="link-button neutral"
                            disabled=backup_left == 0
                            on:click=move |_| {
                                method.set(None);
                                choosing.set(false);
                            }
                        >
                            {format!("Use a backup code ({backup_left} left)")}
                        </button>
                    </li>
                </ul>
                <p class="muted small">
                    "Lost access to all of them? Your administrator can reset two-step verification after checking who you are."
                </p>
            </Show>
        </div>
    }
}

/// Mandatory two-step verification: set it up before anything else.
#[component]
pub fn EnrollPage() -> impl IntoView {
    view! {
        <SignedIn
            step=Stage::Enrollment
            page=Arc::new(|_| view! { <Enroll /> }.into_any())
        />
    }
}

#[component]
fn Enroll() -> impl IntoView {
    let enrolled = RwSignal::new(None::<Enrolled>);
    let on_enrolled = Callback::new(move |e: Enrolled| {
        if e.backup_codes.is_empty() {
            navigate_hard(&e.next);
        } else {
            enrolled.set(Some(e));
        }
    });
    view! {
        <main class="auth">
            <section class="card" aria-labelledby="enroll-title">
                <h1 id="enroll-title">"Set up two-step verification"</h1>
                <Show
                    when=move || enrolled.get().is_none()
                    fallback=move || {
                        let e = enrolled.get().unwrap_or(Enrolled { backup_codes: vec![], next: "/".into() });
                        let next = e.next.clone();
                        view! {
                            <p class="success" role="status">"Two-step verification is on."</p>
                            <BackupCodesPanel
                                codes=e.backup_codes
                                on_saved=Callback::new(move |_| navigate_hard(&next))
                            />
                        }
                    }
                >
                    <p class="notice">
                        "Your administrator requires two-step verification for your account. Set it up now to continue."
                    </p>
                    <p>{FactorKind::Totp.name()}</p>
                    <TotpSetupFlow on_enrolled />
                </Show>
            </section>
        </main>
    }
}
