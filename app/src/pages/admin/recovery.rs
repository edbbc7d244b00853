//! Recovery requests in the back office: what the owner said, how their identity was verified (recorded
//! by the administrator before an approval), approve or reject.
use super::admin_only;
use crate::api::{
    admin_recovery_requests, AdminApproveRecovery, AdminRecordVerification, AdminRejectRecovery,
};
use crate::components::{error_view, LocalTime};
use crate::i18n::t;
use crate::types::{RecoveryStatus, RecoveryView, VERIFICATION_FIELD_MAX};
use leptos::prelude::*;

#[component]
pub fn AdminRecoveryPage() -> impl IntoView {
    admin_only(|| view! { <Requests /> }.into_any())
}

#[derive(Clone, Copy)]
struct Actions {
    verify: ServerAction<AdminRecordVerification>,
    approve: ServerAction<AdminApproveRecovery>,
    reject: ServerAction<AdminRejectRecovery>,
}

fn status_key(status: RecoveryStatus) -> &'static str {
    match status {
        RecoveryStatus::Open => "recovery.status_open",
        RecoveryStatus::Approved => "recovery.status_approved",
        RecoveryStatus::Cancelled => "recovery.status_cancelled",
        RecoveryStatus::Rejected => "recovery.status_rejected",
        RecoveryStatus::Completed => "recovery.status_completed",
    }
}

#[component]
fn Requests() -> impl IntoView {
    let actions = Actions {
        verify: ServerAction::new(),
        approve: ServerAction::new(),
        reject: ServerAction::new(),
    };
    // Fetched by the browser (a local resource), as the users list is.
    let list = LocalResource::new(move || {
        actions.verify.version().get();
        actions.approve.version().get();
        actions.reject.version().get();
        admin_recovery_requests()
    });
    let error = move || {
        [
            actions.verify.value().get().and_then(|r| r.err()),
            actions.approve.value().get().and_then(|r| r.err()),
            actions.reject.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(error_view)
    };
    view! {
        <h1>{t("recovery.admin_title")}</h1>
        <p class="lead">{t("recovery.admin_lead")}</p>
        {error}
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p>{t("recovery.none")}</p> }.into_any(),
                    Ok(list) => list
                        .into_iter()
                        .map(|r| view! { <Request r actions /> })
                        .collect_view()
                        .into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Request(r: RecoveryView, actions: Actions) -> impl IntoView {
    let id = r.id.to_string();
    let open = r.status == RecoveryStatus::Open;
    let verified = r.verified_at.is_some();
    let (id2, id3) = (id.clone(), id.clone());
    view! {
        <section class="card" data-testid="recovery-request" data-username=r.username.clone() data-status=r.status.as_db()>
            <h2>{r.username.clone()} " · " {t(status_key(r.status))}</h2>
            <dl class="facts">
                <dt>{t("admin.col_name")}</dt>
                <dd>{r.display_name.clone()}</dd>
                <dt>{t("admin.col_email")}</dt>
                <dd>{r.email.clone()}</dd>
                <dt>{t("recovery.asked_at")}</dt>
                <dd><LocalTime at=r.created_at /></dd>
                <dt>{t("audit.col_address")}</dt>
                <dd>{r.ip.clone()} " · " {r.browser.clone()}</dd>
                <dt>{t("recovery.statement")}</dt>
                <dd class="statement">{r.statement.clone()}</dd>
                {r.verification_method.clone().map(|m| view! {
                    <dt>{t("recovery.verification")}</dt>
                    <dd data-testid="verification">
                        {m} " · " {r.verification_reference.clone().unwrap_or_default()} " · "
                        {r.verified_by.clone().unwrap_or_default()}
                    </dd>
                })}
                {r.effective_at.map(|at| view! {
                    <dt>{t("recovery.effective_at")}</dt>
                    <dd><LocalTime at /></dd>
                })}
            </dl>
            {open.then(|| view! {
                <ActionForm action=actions.verify attr:class="stack narrow-form">
                    <input type="hidden" name="id" value=id.clone() />
                    <label for=format!("method-{id}")>{t("recovery.method_label")}</label>
                    <input id=format!("method-{id}") name="method" maxlength=VERIFICATION_FIELD_MAX.to_string() required />
                    <label for=format!("reference-{id}")>{t("recovery.reference_label")}</label>
                    <input id=format!("reference-{id}") name="reference" maxlength=VERIFICATION_FIELD_MAX.to_string() required />
                    <button type="submit" class="secondary">{t("recovery.record")}</button>
                </ActionForm>
                <div class="actions">
                    <ActionForm action=actions.approve attr:class="inline">
                        <input type="hidden" name="id" value=id2.clone() />
                        <button type="submit" class="primary" disabled=!verified>{t("recovery.approve")}</button>
                    </ActionForm>
                    " "
                    <ActionForm action=actions.reject attr:class="inline">
                        <input type="hidden" name="id" value=id3.clone() />
                        <button type="submit" class="danger">{t("recovery.reject")}</button>
                    </ActionForm>
                </div>
            })}
        </section>
    }
}
