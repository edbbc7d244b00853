//! The developer portal: the HTTP API behind the app, from `crate::api::docs` (checked against the
//! server functions themselves), and the OpenAPI document the server serves.
use crate::api::docs::{self, Endpoint};
use crate::i18n::{t, use_i18n};
use crate::routes;
use leptos::prelude::*;

/// Where the server serves the OpenAPI document.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

const STATUSES: [&str; 7] = ["401", "403", "404", "409", "422", "429", "503"];

#[component]
pub fn DevelopersPage() -> impl IntoView {
    let i18n = use_i18n();
    let endpoints = docs::all();
    let mut areas: Vec<&'static str> = endpoints.iter().map(|e| e.area).collect();
    areas.dedup();
    view! {
        <header class="topbar">
            <a class="brand" href=routes::HOME>{t("app.name")}</a>
        </header>
        <main class="page developers">
            <h1>{t("title.developers")}</h1>
            <p class="lead">{t("developers.lead")}</p>
            <p>
                <a href=OPENAPI_PATH data-testid="openapi-link">{t("developers.openapi")}</a>
            </p>
            <section class="card" aria-labelledby="conventions-title">
                <h2 id="conventions-title">{t("developers.conventions_title")}</h2>
                <p>{t("developers.conventions")}</p>
                <h3>{t("developers.errors_title")}</h3>
                <dl class="facts">
                    {STATUSES.iter().map(|s| view! {
                        <dt><code>{s.to_string()}</code></dt>
                        <dd>{i18n.text(&format!("developers.status_{s}"))}</dd>
                    }).collect_view()}
                </dl>
            </section>
            {areas.into_iter().map(|area| {
                let list: Vec<Endpoint> = endpoints.iter().filter(|e| e.area == area).cloned().collect();
                view! {
                    <section class="card" aria-labelledby=format!("area-{area}")>
                        <h2 id=format!("area-{area}")><code>{area}</code></h2>
                        {list.into_iter().map(|e| view! { <EndpointView e /> }).collect_view()}
                    </section>
                }
            }).collect_view()}
        </main>
    }
}

#[component]
fn EndpointView(e: Endpoint) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <article class="endpoint" id=e.name data-path=e.path>
            <h3><code>{docs::METHOD} " " {e.path}</code></h3>
            <p class="muted small">{t("developers.access")} " " {i18n.text(e.access.key())}</p>
            {if e.fields.is_empty() {
                view! { <p class="small">{t("developers.no_fields")}</p> }.into_any()
            } else {
                view! {
                    <table class="sessions">
                        <thead>
                            <tr>
                                <th scope="col">{t("developers.col_field")}</th>
                                <th scope="col">{t("developers.col_type")}</th>
                                <th scope="col">{t("developers.col_required")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {e.fields.iter().map(|f| {
                                let required = f.required();
                                view! {
                                    <tr>
                                        <td><code>{f.name}</code></td>
                                        <td><code>{f.rust_type}</code></td>
                                        <td>{if required { t("developers.required_yes") } else { t("developers.required_no") }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p class="small">{t("developers.returns")} " " <code>{e.returns}</code></p>
        </article>
    }
}
