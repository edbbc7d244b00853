//! Security & sign-in settings: second factors, backup codes, trusted browsers.
use crate::api::{
    security_overview, ConfirmIdentity, RegenerateBackupCodes, RemoveFactor, RenameFactor,
    RevokeTrustedBrowser, SendCode, SetDefaultMethod,
};
use crate::components::passkey::{assert_own_key, failure_view, PasskeyFailure};
use crate::components::{
    error_view, BackupCodesPanel, CodeStatus, Countdown, EmailCodesSetup, LocalTime, PasskeySetup,
    PhoneSetupFlow, SignedIn, TopBar, TotpSetupFlow,
};
use crate::error::AppError;
use crate::i18n::{t, t_with, use_i18n};
use crate::types::{
    Enrolled, FactorKind, FactorView, Method, PasskeyKind, SecurityOverview, Viewer,
};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! { <SignedIn page=Arc::new(|viewer| view! { <Security viewer /> }.into_any()) /> }
}

#[component]
fn Security(viewer: Viewer) -> impl IntoView {
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let remove = ServerAction::<RemoveFactor>::new();
    let regenerate = ServerAction::<RegenerateBackupCodes>::new();
    let revoke = ServerAction::<RevokeTrustedBrowser>::new();
    let default = ServerAction::<SetDefaultMethod>::new();
    let rename = ServerAction::<RenameFactor>::new();
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
                rename.version().get(),
                enrolled_version.get(),
            )
        },
        |_| security_overview(),
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
            rename.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(error_view)
    };
    view! {
        <TopBar viewer />
        <main class="page">
            <h1>{t("title.security")}</h1>
            <p class="lead">{t("security.lead")}</p>
            {move || {
                fresh_codes
                    .get()
                    .map(|codes| {
                        view! { <BackupCodesPanel codes on_saved=Callback::new(move |_| fresh_codes.set(None)) /> }
                    })
            }}
            {errors}
            <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <Overview o confirm remove regenerate revoke default rename on_enrolled /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// What kind of key a passkey is, and whether it signs in without a password.
#[component]
fn PasskeyDetails(f: FactorView) -> impl IntoView {
    f.passkey.map(|kind| {
        let key = match kind {
            PasskeyKind::Synced => "passkey.kind_synced",
            PasskeyKind::ThisDevice => "passkey.kind_this_device",
            PasskeyKind::SecurityKey => "passkey.kind_security_key",
        };
        let passwordless = if f.passwordless {
            "passkey.passwordless_yes"
        } else {
            "passkey.passwordless_no"
        };
        view! {
            <p class="muted small" data-testid="passkey-kind" data-passwordless=f.passwordless.to_string()>
                {t(key)} " · " {t(passwordless)}
            </p>
        }
    })
}

/// Confirming identity with a passkey: the password typed above, then the browser's dialog.
#[component]
fn ConfirmWithPasskey(
    confirm: ServerAction<ConfirmIdentity>,
    password: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<PasskeyFailure>);
    let start = move |_| {
        let typed = password
            .get_untracked()
            .map(|i| i.value())
            .unwrap_or_default();
        assert_own_key(busy, failure, move |answer| {
            confirm.dispatch(ConfirmIdentity {
                password: typed,
                method: Some(Method::Passkey),
                code: answer,
            });
        });
    };
    view! {
        {move || failure_view(failure.get())}
        <button type="button" class="secondary" data-testid="confirm-with-passkey" disabled=move || busy.get() on:click=start>
            {t("passkey.confirm_with")}
        </button>
    }
}

/// Confirm it's you: the password, and a second step when the account has one.
#[component]
pub(crate) fn ConfirmIdentityForm(
    o: SecurityOverview,
    confirm: ServerAction<ConfirmIdentity>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || confirm.value().get().and_then(|r| r.err()).map(error_view);
    let methods: Vec<Method> = o
        .reauth_methods
        .iter()
        .copied()
        .chain(
            (o.reauth_needs_second_factor && o.backup_codes_remaining > 0)
                .then_some(Method::BackupCode),
        )
        .collect();
    let password = NodeRef::<leptos::html::Input>::new();
    let with_passkey = o.reauth_needs_second_factor && o.reauth_methods.contains(&Method::Passkey);
    let with_code = methods.iter().any(|m| m.takes_code());
    // A sent-code method sends its code on request (bound to this session).
    let code_methods: Vec<Method> = methods.iter().copied().filter(|m| m.takes_code()).collect();
    let selected = RwSignal::new(code_methods.first().copied().unwrap_or(Method::BackupCode));
    let choices = StoredValue::new(code_methods);
    let send = ServerAction::<SendCode>::new();
    let countdown = Countdown::new();
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            countdown.start(match result {
                Ok(sent) => sent.resend_after_secs,
                Err(AppError::ResendTooSoon { seconds }) => seconds,
                Err(_) => 0,
            });
        }
    });
    let last_send = Signal::derive(move || send.value().get());
    let on_send = Callback::new(move |_| {
        send.dispatch(SendCode {
            method: selected.get_untracked(),
        });
    });
    let lead = if o.reauth_needs_second_factor {
        t("security.confirm_lead_with_factor")
    } else {
        t("security.confirm_lead")
    };
    view! {
        <ActionForm action=confirm attr:class="stack confirm-identity">
            <h3>{t("security.confirm_title")}</h3>
            <p>{lead}</p>
            <label for="confirm-password">{t("security.confirm_password")}</label>
            <input id="confirm-password" name="password" type="password" autocomplete="current-password" node_ref=password required />
            {with_passkey.then(|| view! { <ConfirmWithPasskey confirm password /> })}
            {(o.reauth_needs_second_factor && with_code).then(|| view! {
                <label for="confirm-method">{t("security.confirm_method")}</label>
                <select
                    id="confirm-method"
                    name="method"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(m) = choices.get_value().into_iter().find(|m| format!("{m:?}") == value) {
                            selected.set(m);
                        }
                    }
                >
                    {choices.get_value().into_iter().map(|m| view! {
                        <option value=format!("{m:?}")>{i18n.text(m.name_key())}</option>
                    }).collect_view()}
                </select>
                <Show when=move || selected.get().is_sent()>
                    <CodeStatus last=last_send destination=Signal::derive(|| None::<String>) countdown pending=send.pending() on_send />
                </Show>
                <label for="confirm-code">{t("security.confirm_code")}</label>
                <input id="confirm-code" name="code" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required />
            })}
            {error}
            {(!o.reauth_needs_second_factor || with_code).then(|| view! {
                <button type="submit" class="primary" disabled=confirm.pending()>{t("security.confirm_submit")}</button>
            })}
        </ActionForm>
    }
}

#[component]
fn Overview(
    o: SecurityOverview,
    confirm: ServerAction<ConfirmIdentity>,
    remove: ServerAction<RemoveFactor>,
    regenerate: ServerAction<RegenerateBackupCodes>,
    revoke: ServerAction<RevokeTrustedBrowser>,
    default: ServerAction<SetDefaultMethod>,
    rename: ServerAction<RenameFactor>,
    on_enrolled: Callback<Enrolled>,
) -> impl IntoView {
    let i18n = use_i18n();
    let confirmed = o.reauthenticated_secs_left > 0;
    let has_factor = !o.factors.is_empty();
    let several = o.factors.len() > 1;
    let default_method = o.default_method;
    let confirm_form = (!confirmed).then(|| view! { <ConfirmIdentityForm o=o.clone() confirm /> });
    view! {
        <section class="card" aria-labelledby="methods-title">
            <h2 id="methods-title">{t("security.two_step")}</h2>
            {o.mfa_required.then(|| view! { <p class="notice">{t("security.required")}</p> })}
            {if has_factor {
                view! { <p class="status-on" data-testid="mfa-status">{t("security.status_on")}</p> }.into_any()
            } else {
                view! { <p class="status-off" data-testid="mfa-status">{t("security.status_off")}</p> }.into_any()
            }}
            <ul class="factors">
                {o.factors.into_iter().map(|f| {
                    let method = Method::Factor(f.kind);
                    let is_default = default_method == Some(method);
                    let kind_name = i18n.text(f.kind.name_key());
                    view! {
                        <li class="factor" data-kind=f.kind.as_db()>
                            <div>
                                <strong>{f.label.clone()}</strong>
                                {(f.label != kind_name).then(|| view! { <span class="muted">" · " {kind_name.clone()}</span> })}
                                {f.destination.clone().map(|d| view! { <span class="muted destination">" · " {d}</span> })}
                                {(is_default && several).then(|| view! { <span class="badge">{t("security.default")}</span> })}
                                <PasskeyDetails f=f.clone() />
                                <p class="muted small">
                                    {t("security.added")} " " <LocalTime at=f.created_at />
                                    {f.last_used_at.map(|at| view! { " · " {t("security.last_used")} " " <LocalTime at /> })}
                                </p>
                            </div>
                            <div class="row">
                                <details class="rename">
                                    <summary>{t("security.rename")}</summary>
                                    <ActionForm action=rename attr:class="inline">
                                        <input type="hidden" name="factor_id" value=f.id.to_string() />
                                        <label for=format!("rename-{}", f.id)>{t("security.new_name")}</label>
                                        <input id=format!("rename-{}", f.id) name="label" maxlength="60" value=f.label.clone() required />
                                        <button type="submit" class="secondary">{t("app.save")}</button>
                                    </ActionForm>
                                </details>
                                {(several && !is_default).then(|| view! {
                                    <ActionForm action=default>
                                        <input type="hidden" name="method" value=format!("{method:?}") />
                                        <button type="submit" class="secondary">{t("security.make_default")}</button>
                                    </ActionForm>
                                })}
                                <ActionForm action=remove>
                                    <input type="hidden" name="factor_id" value=f.id.to_string() />
                                    <button type="submit" class="link-button" disabled=!confirmed>{t("security.remove")}</button>
                                </ActionForm>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {if confirmed {
                view! {
                    <div class="add-factor">
                        <h3>{t("security.add_method")}</h3>
                        {o.available_methods.iter().map(|kind| {
                            let setup = match kind {
                                FactorKind::Totp => view! { <TotpSetupFlow on_enrolled /> }.into_any(),
                                FactorKind::Passkey => view! { <PasskeySetup on_enrolled /> }.into_any(),
                                FactorKind::Sms => view! { <PhoneSetupFlow on_enrolled /> }.into_any(),
                                FactorKind::Email => view! {
                                    <EmailCodesSetup address=o.email_masked.clone() verified=o.email_verified on_enrolled />
                                }.into_any(),
                            };
                            view! {
                                <div class="method-setup" data-kind=kind.as_db()>
                                    // The email-code setup names itself.
                                    {(*kind != FactorKind::Email).then(|| view! { <h4>{i18n.text(kind.name_key())}</h4> })}
                                    {setup}
                                </div>
                            }
                        }).collect_view()}
                    </div>
                }.into_any()
            } else {
                confirm_form.into_any()
            }}
        </section>
        {has_factor.then(|| view! {
            <section class="card" aria-labelledby="codes-heading">
                <h2 id="codes-heading">{t("security.backup_title")}</h2>
                <p data-testid="codes-remaining">
                    {t_with("security.backup_left", &[("count", &o.backup_codes_remaining.to_string())])}
                    {(o.backup_codes_remaining <= 2).then(|| format!(" {}", t("security.backup_low")))}
                </p>
                <ActionForm action=regenerate>
                    <button type="submit" class="secondary" disabled=!confirmed>{t("security.backup_regenerate")}</button>
                </ActionForm>
                {(!confirmed).then(|| view! { <p class="muted small">{t("security.backup_confirm_first")}</p> })}
            </section>
        })}
        <section class="card" aria-labelledby="browsers-heading">
            <h2 id="browsers-heading">{t("security.browsers_title")}</h2>
            <p>{t("security.browsers_lead")}</p>
            {if o.trusted_browsers.is_empty() {
                view! { <p class="muted" data-testid="no-trusted-browsers">{t("security.browsers_none")}</p> }.into_any()
            } else {
                view! {
                    <table class="sessions" data-testid="trusted-browsers">
                        <thead>
                            <tr>
                                <th scope="col">{t("security.col_browser")}</th>
                                <th scope="col">{t("security.col_address")}</th>
                                <th scope="col">{t("security.col_last_used")}</th>
                                <th scope="col"><span class="visually-hidden">{t("security.col_action")}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {o.trusted_browsers.into_iter().map(|b| view! {
                                <tr data-current=b.current.to_string()>
                                    <td>
                                        {b.browser.clone()}
                                        {b.current.then(|| view! { <span class="badge">{t("app.this_browser")}</span> })}
                                    </td>
                                    <td>{b.ip.clone()}</td>
                                    <td><LocalTime at=b.last_used_at /></td>
                                    <td>
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=b.id.clone() />
                                            <button type="submit" class="link-button">{t("security.remove")}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
