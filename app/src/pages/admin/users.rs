//! The back office's list of users (search, pages) and the form that creates one.
use super::{admin_only, role_key};
use crate::api::{admin_users, AdminCreateUser};
use crate::components::{error_view, LocalTime};
use crate::i18n::{t, t_count, t_with};
use crate::routes;
use crate::types::{AdminUser, Role, UserPage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    admin_only(|| view! { <Users /> }.into_any())
}

#[component]
fn Users() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let create = ServerAction::<AdminCreateUser>::new();
    // Fetched by the browser (a local resource): the list is rendered where it is read, so a full page
    // load hydrates only the frame around it.
    let list = LocalResource::new(move || {
        let (search, page) = (search(), page());
        create.version().get();
        admin_users(search, page)
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">{t("app.loading")}</p> }>
            {move || Suspend::new(async move {
                let result = list.await;
                let searched = search();
                view! {
                    <h1>{t("admin.users_title")}</h1>
                    <form method="get" action=routes::ADMIN_USERS class="search-form" role="search">
                        <label for="user-search">{t("admin.search_label")}</label>
                        <input id="user-search" name="q" type="search" value=searched.clone() />
                        <button type="submit" class="secondary">{t("admin.search")}</button>
                    </form>
                    {match result {
                        Ok(page) => view! { <UserTable page search=searched /> }.into_any(),
                        Err(e) => error_view(e),
                    }}
                    <CreateUser create />
                }
                    .into_any()
            })}
        </Suspense>
    }
}

fn list_link(search: &str, page: u32) -> String {
    let q: String = url_escape(search);
    format!("{}?q={q}&page={page}", routes::ADMIN_USERS)
}

/// Percent-encodes a query value.
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The badges that say how an account stands.
#[component]
pub(crate) fn UserStatus(user: AdminUser) -> impl IntoView {
    let mut keys = Vec::new();
    if user.disabled {
        keys.push(("disabled", "admin.status_disabled"));
    }
    if user.locked {
        keys.push(("locked", "admin.status_locked"));
    }
    if user.temporary_password {
        keys.push(("temporary", "admin.status_temporary"));
    }
    if user.mfa_required {
        keys.push(("mfa-required", "admin.status_mfa_required"));
    }
    if keys.is_empty() {
        keys.push(("active", "admin.status_active"));
    }
    // Elements only (no text between them): the badges are spaced by the stylesheet.
    view! {
        <span class="badges">
            {keys
                .into_iter()
                .map(|(kind, key)| view! { <span class="badge" data-status=kind>{t(key)}</span> })
                .collect_view()}
        </span>
    }
}

/// When the account last signed in, or "never" (an element either way, for hydration).
#[component]
pub(crate) fn LastSignIn(at: Option<i64>) -> impl IntoView {
    match at {
        Some(at) => view! { <LocalTime at /> }.into_any(),
        None => view! { <span class="muted">{t("app.never")}</span> }.into_any(),
    }
}

#[component]
fn UserTable(page: UserPage, search: String) -> impl IntoView {
    let pages = page.pages().max(1);
    let current = page.page;
    let previous = (current > 0).then(|| list_link(&search, current - 1));
    let next = (current + 1 < pages).then(|| list_link(&search, current + 1));
    let empty = page.users.is_empty();
    view! {
        <p class="muted" data-testid="user-total">{t_count("admin.total", page.total, &[])}</p>
        {empty.then(|| view! { <p>{t("admin.no_users")}</p> })}
        <table class="sessions users" data-testid="users">
            <thead>
                <tr>
                    <th scope="col">{t("admin.col_username")}</th>
                    <th scope="col">{t("admin.col_name")}</th>
                    <th scope="col">{t("admin.col_email")}</th>
                    <th scope="col">{t("admin.col_role")}</th>
                    <th scope="col">{t("admin.col_status")}</th>
                    <th scope="col">{t("admin.col_last_sign_in")}</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .users
                    .into_iter()
                    .map(|u| {
                        let href = routes::with_param(routes::ADMIN_USERS, &url_escape(&u.username));
                        view! {
                            <tr data-username=u.username.clone()>
                                <td><a href=href>{u.username.clone()}</a></td>
                                <td>{u.display_name.clone()}</td>
                                <td>{u.email.clone()}</td>
                                <td>{t(role_key(u.role))}</td>
                                <td><UserStatus user=u.clone() /></td>
                                <td><LastSignIn at=u.last_sign_in_at /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=t("admin.pages_label")>
            {previous.map(|href| view! { <a href=href rel="prev">{t("admin.previous")}</a> })}
            " "
            <span>
                {t_with(
                    "admin.page_of",
                    &[("page", &(current + 1).to_string()), ("pages", &pages.to_string())],
                )}
            </span>
            " "
            {next.map(|href| view! { <a href=href rel="next">{t("admin.next")}</a> })}
        </nav>
    }
}

#[component]
fn CreateUser(create: ServerAction<AdminCreateUser>) -> impl IntoView {
    let outcome = move || match create.value().get() {
        Some(Ok(created)) => {
            let name = created.username.clone();
            Some(match created.temporary_password {
                Some(password) => view! {
                    <div class="success" role="status">
                        <p>{t_with("admin.created_temporary", &[("username", &name)])}</p>
                        <p><code data-testid="temporary-password">{password}</code></p>
                    </div>
                }
                .into_any(),
                None => view! {
                    <p class="success" role="status">
                        {t_with("admin.created_invitation", &[("username", &name)])}
                    </p>
                }
                .into_any(),
            })
        }
        Some(Err(e)) => Some(error_view(e)),
        None => None,
    };
    view! {
        <section class="card" aria-labelledby="create-user-title">
            <h2 id="create-user-title">{t("admin.create_title")}</h2>
            {outcome}
            <ActionForm action=create attr:class="stack narrow-form">
                <label for="new-username">{t("admin.field_username")}</label>
                <input id="new-username" name="username" autocomplete="off" autocapitalize="none" spellcheck="false" required />
                <label for="new-email">{t("admin.field_email")}</label>
                <input id="new-email" name="email" type="email" autocomplete="off" required />
                <label for="new-display-name">{t("admin.field_display_name")}</label>
                <input id="new-display-name" name="display_name" autocomplete="off" />
                <label for="new-role">{t("admin.field_role")}</label>
                <select id="new-role" name="role">
                    {Role::ALL
                        .into_iter()
                        .rev()
                        .map(|r| view! { <option value=format!("{r:?}")>{t(role_key(r))}</option> })
                        .collect_view()}
                </select>
                <label class="checkbox">
                    <input type="checkbox" name="mfa_required" value="true" />
                    {t("admin.field_mfa_required")}
                </label>
                <label class="checkbox">
                    <input type="checkbox" name="invite" value="true" />
                    {t("admin.field_invite")}
                </label>
                <button type="submit" class="primary" disabled=create.pending()>{t("admin.create_submit")}</button>
            </ActionForm>
        </section>
    }
}
