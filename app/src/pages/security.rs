//! Security & sign-in settings: second factors, backup codes, trusted browsers.
use crate::api::{
    get_security_overview, ConfirmPassword, RegenerateBackupCodes, RemoveFactor,
    RevokeTrustedBrowser, SetDefaultFactor,
};
use crate::components::{error_view, BackupCodesPanel, SignedIn, TopBar, TotpSetupFlow};
use crate::format::utc_minute;
use crate::types::{Enrolled, FactorKind, SecurityOverview, Viewer};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Security viewer /> }.into_any()) /> }
}

#[component]
fn Security(viewer: Viewer) -> impl IntoView {
    let confirm = ServerAction::<ConfirmPassword>::new();
    let remove = ServerAction::<RemoveFactor>::new();
    let regenerate = ServerAction::<RegenerateBackupCodes>::new();
    let revoke = ServerAction::<RevokeTrustedBrowser>::new();
    let default = ServerAction::<SetDefaultFactor>::new();
    // Backup codes to show once (after the first factor, or a new set).
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    let enrolled_version = RwSignal::new(0u32);
    let overview = Resource::new(
        move || {
            (
                confirm.version().get(),
                remove.version().get(),
                regenerate.version().get(),
                revoke.version().get(),
                default.version().get(),
                enrolled_version.get(),
            )
        },
        |_| get_security_overview(),
    );
    Effect::new(move |_| {
        if let Some(Ok(codes)) = regenerate.value().get() {
            fresh_codes.set(Some(codes));
        }
    });
    let on_enrolled = Callback::new(move |enrolled: Enrolled| {
        if !enrolled.backup_codes.is_empty() {
            fresh_codes.set(Some(enrolled.backup_codes));
        }
        enrolled_version.update(|v| *v += 1);
    });
    let errors = move || {
        [
            remove.value().get().and_then(|r| r.err()),
            regenerate.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            default.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(error_view)
    };
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>"Security and sign-in"</h1>
            <p class="lead">
                "A second step at sign-in keeps your account safe even if someone learns your password."
            </p>
            {move || {
                fresh_codes
                    .get()
                    .map(|codes| {
                        view! {
                            <BackupCodesPanel codes on_saved=Callback::new(move |_| fresh_codes.set(None)) />
                        }
                    })
            }}
            {errors}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => {
                            view! { <Overview o confirm remove regenerate revoke default on_enrolled /> }.into_any()
                        }
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Overview(
    o: SecurityOverview,
    confirm: ServerAction<ConfirmPassword>,
    remove: ServerAction<RemoveFactor>,
    regenerate: ServerAction<RegenerateBackupCodes>,
    revoke: ServerAction<RevokeTrustedBrowser>,
    default: ServerAction<SetDefaultFactor>,
    on_enrolled: Callback<Enrolled>,
) -> impl IntoView {
    let confirmed = o.password_confirmed_secs_left > 0;
    let has_factor = !o.factors.is_empty();
    let confirm_error = move || confirm.value().get().and_then(|r| r.err()).map(error_view);
    let several = o.factors.len() > 1;
    let default_kind = o.default_factor;
    view! {
        <section class="card" aria-labelledby="methods-title">
            <h2 id="methods-title">"Two-step verification"</h2>
            {o
                .mfa_required
                .then(|| {
                    view! {
                        <p class="notice">"Your administrator requires two-step verification for your account."</p>
                    }
                })}
            {if has_factor {
                view! {
                    <p class="status-on" data-testid="mfa-status">"On"</p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="status-off" data-testid="mfa-status">"Off: only your password protects your account."</p>
                }
                    .into_any()
            }}
            <ul class="factors">
                {o
                    .factors
                    .into_iter()
                    .map(|f| {
                        let is_default = default_kind == Some(f.kind);
                        view! {
                            <li class="factor" data-kind=f.kind.as_db()>
                                <div>
                                    <strong>{f.label.clone()}</strong>
                                    {(f.label != f.kind.name())
                                        .then(|| view! { <span class="muted">" · " {f.kind.name()}</span> })}
                                    {(is_default && several).then(|| view! { <span class="badge">"Default"</span> })}
                                    <p class="muted small">
                                        "Added " {utc_minute(f.created_at)}
                                        {f.last_used_at.map(|t| format!(" · last used {}", utc_minute(t)))}
                                    </p>
                                </div>
                                <div class="row">
                                    {(several && !is_default)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=default>
                                                    <input type="hidden" name="kind" value=format!("{:?}", f.kind) />
                                                    <button type="submit" class="secondary">"Make default"</button>
                                                </ActionForm>
                                            }
                                        })}
                                    <ActionForm action=remove>
                                        <input type="hidden" name="factor_id" value=f.id.to_string() />
                                        <button type="submit" class="link-button" disabled=!confirmed>
                                            "Remove"
                                        </button>
                                    </ActionForm>
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {if confirmed {
                view! {
                    <div class="add-factor">
                        <h3>"Add a method"</h3>
                        {o
                            .available_methods
                            .iter()
                            .map(|kind| match kind {
                                FactorKind::Totp => view! { <TotpSetupFlow on_enrolled /> }.into_any(),
                                other => view! { <p>{other.name()}</p> }.into_any(),
                            })
                            .collect_view()}
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=confirm attr:class="stack confirm-password">
                        <p>"To add or remove a method, confirm your password first."</p>
                        <label for="confirm-password">"Password"</label>
                        <input
                            id="confirm-password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                        />
                        {confirm_error}
                        <button type="submit" class="primary" disabled=confirm.pending()>
                            "Confirm password"
                        </button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </section>
        {has_factor
            .then(|| {
                view! {
                    <section class="card" aria-labelledby="codes-heading">
                        <h2 id="codes-heading">"Backup codes"</h2>
                        <p data-testid="codes-remaining">
                            {o.backup_codes_remaining} " of 10 backup codes left."
                            {(o.backup_codes_remaining <= 2).then_some(" Create a new set before you run out.")}
                        </p>
                        <ActionForm action=regenerate>
                            <button type="submit" class="secondary" disabled=!confirmed>
                                "Create new backup codes"
                            </button>
                        </ActionForm>
                        {(!confirmed).then(|| view! { <p class="muted small">"Confirm your password above first."</p> })}
                    </section>
                }
            })}
        <section class="card" aria-labelledby="browsers-heading">
            <h2 id="browsers-heading">"Trusted browsers"</h2>
            <p>"Browsers where you chose “Don't ask again”: they skip the second step until you remove them."</p>
            {if o.trusted_browsers.is_empty() {
                view! { <p class="muted" data-testid="no-trusted-browsers">"None."</p> }.into_any()
            } else {
                view! {
                    <table class="sessions" data-testid="trusted-browsers">
                        <thead>
                            <tr>
                                <th scope="col">"Browser"</th>
                                <th scope="col">"Address"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col">
                                    <span class="visually-hidden">"Action"</span>
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {o
                                .trusted_browsers
                                .into_iter()
                                .map(|b| {
                                    view! {
                                        <tr data-current=b.current.to_string()>
                                            <td>
                                                {b.browser.clone()}
                                                {b.current.then(|| view! { <span class="badge">"This browser"</span> })}
                                            </td>
                                            <td>{b.ip.clone()}</td>
                                            <td>{utc_minute(b.last_used_at)}</td>
                                            <td>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=b.id.clone() />
                                                    <button type="submit" class="link-button">"Remove"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}
