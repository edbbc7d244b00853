//! The user guide: every section in the reader's language, from the catalogue (`guide.<section>.*`).
//! Open to everyone, signed in or not (lost login details are in it). `/guide/<section>` shows one
//! section — the "?" of each page opens the one about it.
use crate::components::LanguagePicker;
use crate::i18n::use_i18n;
use crate::routes;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The sections, in reading order (their ids are their catalogue keys and their addresses).
pub const SECTIONS: [&str; 8] = [
    "signing-in",
    "two-step",
    "backup-codes",
    "lost-device",
    "code-incorrect",
    "new-device",
    "lost-login",
    "account",
];

#[component]
pub fn GuidePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let only = move || {
        params
            .read()
            .get("section")
            .filter(|s| SECTIONS.contains(&s.as_str()))
    };
    let contents = {
        let i18n = i18n.clone();
        move || {
            let current = only();
            SECTIONS
                .iter()
                .map(|s| {
                    let here = current.as_deref() == Some(*s);
                    view! {
                        <li>
                            <a
                                href=routes::with_param(routes::GUIDE_SECTION, s)
                                aria-current=here.then_some("page")
                            >
                                {i18n.text(&format!("guide.{s}.title"))}
                            </a>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let sections = {
        let i18n = i18n.clone();
        move || {
            let current = only();
            SECTIONS
                .iter()
                .filter(|s| current.as_deref().is_none_or(|c| c == **s))
                .map(|s| {
                    let body = i18n.text(&format!("guide.{s}.body"));
                    view! {
                        <section class="card guide-section" id=*s aria-labelledby=format!("{s}-title")>
                            <h2 id=format!("{s}-title")>{i18n.text(&format!("guide.{s}.title"))}</h2>
                            {body
                                .split("\n\n")
                                .map(|p| view! { <p>{p.to_string()}</p> })
                                .collect_view()}
                        </section>
                    }
                })
                .collect_view()
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href=routes::HOME>{i18n.text("app.name")}</a>
            <LanguagePicker />
        </header>
        <main class="page guide">
            <h1>{i18n.text("title.guide")}</h1>
            <p class="lead">{i18n.text("guide.lead")}</p>
            <nav class="card" aria-labelledby="guide-contents">
                <h2 id="guide-contents">{i18n.text("guide.contents")}</h2>
                <ul>{contents}</ul>
                {move || only().map(|_| view! { <p><a href=routes::GUIDE>{use_i18n().text("guide.all_sections")}</a></p> })}
            </nav>
            {sections}
        </main>
    }
}
