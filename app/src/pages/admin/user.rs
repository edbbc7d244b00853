//! One account in the back office: how it stands, and what an administrator may do to it. Never a
//! password or a secret, except a temporary password the administrator has just issued (shown once).
use super::users::{LastSignIn, UserStatus};
use super::{admin_only, role_key};
use crate::api::{
    admin_user, AdminEndSessions, AdminIssueTemporaryPassword, AdminRequireTwoFactor,
    AdminSetDisabled, AdminSetRole, AdminUnlock,
};
use crate::components::{error_view, LocalTime};
use crate::i18n::{t, t_count};
use crate::routes;
use crate::types::{AdminUserDetail, Role};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminUserPage() -> impl IntoView {
    admin_only(|| view! { <UserDetail /> }.into_any())
}

/// Every action of the page, so the account reloads after any of them.
#[derive(Clone, Copy)]
struct Actions {
    role: ServerAction<AdminSetRole>,
    disabled: ServerAction<AdminSetDisabled>,
    unlock: ServerAction<AdminUnlock>,
    temporary: ServerAction<AdminIssueTemporaryPassword>,
    end_sessions: ServerAction<AdminEndSessions>,
    mfa: ServerAction<AdminRequireTwoFactor>,
}

impl Actions {
    fn version(&self) -> usize {
        self.role.version().get()
            + self.disabled.version().get()
            + self.unlock.version().get()
            + self.temporary.version().get()
            + self.end_sessions.version().get()
            + self.mfa.version().get()
    }

    fn error(&self) -> Option<crate::error::AppError> {
        [
            self.role.value().get().and_then(|r| r.err()),
            self.disabled.value().get().and_then(|r| r.err()),
            self.unlock.value().get().and_then(|r| r.err()),
            self.temporary.value().get().and_then(|r| r.err()),
            self.end_sessions.value().get().and_then(|r| r.err()),
            self.mfa.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

#[component]
fn UserDetail() -> impl IntoView {
    let params = use_params_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let actions = Actions {
        role: ServerAction::new(),
        disabled: ServerAction::new(),
        unlock: ServerAction::new(),
        temporary: ServerAction::new(),
        end_sessions: ServerAction::new(),
        mfa: ServerAction::new(),
    };
    // Fetched by the browser (a local resource), as the users list is.
    let detail = LocalResource::new(move || {
        let username = username();
        actions.version();
        admin_user(username)
    });
    let notice = move || {
        if let Some(Ok(password)) = actions.temporary.value().get() {
            return Some(
                view! {
                    <div class="success" role="status">
                        <p>{t("admin.issued_temporary")}</p>
                        <p><code data-testid="temporary-password">{password}</code></p>
                    </div>
                }
                .into_any(),
            );
        }
        let text = match (
            actions.unlock.value().get(),
            actions.end_sessions.value().get(),
        ) {
            (Some(Ok(true)), _) => t("admin.unlocked"),
            (Some(Ok(false)), _) => t("admin.not_locked"),
            (_, Some(Ok(n))) => t_count("admin.ended_sessions", n as i64, &[]),
            _ => return None,
        };
        Some(view! { <p class="success" role="status">{text}</p> }.into_any())
    };
    // One message at a time (an error, or what the last action did), after the account's facts load.
    let message = move || actions.error().map(error_view).or_else(notice);
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                let result = detail.await;
                view! {
                    <p><a href=routes::ADMIN_USERS>{t("admin.back_to_users")}</a></p>
                    <div class="messages">{message}</div>
                    {match result {
                        Ok(d) => view! { <Account d actions /> }.into_any(),
                        Err(e) => error_view(e),
                    }}
                }
                    .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn Account(d: AdminUserDetail, actions: Actions) -> impl IntoView {
    let u = d.user.clone();
    let name = StoredValue::new(u.username.clone());
    // Copy: every form of the page carries the account's name.
    let hidden = move || view! { <input type="hidden" name="username" value=name.get_value() /> };
    let current_role = u.role;
    view! {
        <h1 data-testid="admin-user">{u.username.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>{t("admin.col_name")}</dt>
                <dd>{u.display_name.clone()}</dd>
                <dt>{t("admin.col_email")}</dt>
                <dd>{u.email.clone()}</dd>
                <dt>{t("admin.col_role")}</dt>
                <dd data-testid="user-role">{t(role_key(u.role))}</dd>
                <dt>{t("admin.col_status")}</dt>
                <dd data-testid="user-status"><UserStatus user=u.clone() /></dd>
                <dt>{t("admin.field_created")}</dt>
                <dd><LocalTime at=u.created_at /></dd>
                <dt>{t("admin.col_last_sign_in")}</dt>
                <dd><LastSignIn at=u.last_sign_in_at /></dd>
                <dt>{t("admin.field_sessions")}</dt>
                <dd data-testid="user-sessions">{d.sessions}</dd>
            </dl>
        </section>
        <section class="card stack" aria-labelledby="actions-title">
            <h2 id="actions-title">{t("admin.actions_title")}</h2>
            {d.own_account.then(|| view! { <p class="notice">{t("admin.own_account_note")}</p> })}
            {(!d.own_account).then(|| view! {
                <ActionForm action=actions.role attr:class="inline-form">
                    {hidden()}
                    <label for="user-role-select">{t("admin.field_role")}</label>
                    <select id="user-role-select" name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=format!("{r:?}") selected=r == current_role>{t(role_key(r))}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="secondary">{t("admin.role_submit")}</button>
                </ActionForm>
            })}
            {u.locked.then(|| view! {
                <ActionForm action=actions.unlock>
                    {hidden()}
                    <button type="submit" class="secondary">{t("admin.unlock")}</button>
                </ActionForm>
            })}
            <ActionForm action=actions.mfa>
                {hidden()}
                <input type="hidden" name="required" value=(!u.mfa_required).to_string() />
                <button type="submit" class="secondary">
                    {if u.mfa_required { t("admin.unrequire_mfa") } else { t("admin.require_mfa") }}
                </button>
            </ActionForm>
            {(!d.own_account).then(|| view! {
                <ActionForm action=actions.temporary>
                    {hidden()}
                    <button type="submit" class="secondary">{t("admin.issue_temporary")}</button>
                </ActionForm>
                <ActionForm action=actions.end_sessions>
                    {hidden()}
                    <button type="submit" class="secondary">{t("admin.end_sessions")}</button>
                </ActionForm>
                <ActionForm action=actions.disabled>
                    {hidden()}
                    <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                    <button type="submit" class="danger">
                        {if u.disabled { t("admin.enable") } else { t("admin.disable") }}
                    </button>
                </ActionForm>
            })}
        </section>
    }
}
