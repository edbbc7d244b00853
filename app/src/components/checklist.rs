use crate::i18n::use_i18n;
use crate::policy::{evaluate, PasswordOwner, Rule};
use leptos::prelude::*;

/// Ticks each password rule while the person types. The server runs the same `evaluate` on submit.
#[component]
pub fn PasswordChecklist(
    password: RwSignal<String>,
    #[prop(into)] owner: Signal<PasswordOwner>,
) -> impl IntoView {
    let i18n = use_i18n();
    let results = move || evaluate(&password.get(), &owner.get());
    view! {
        <ul id="password-rules" class="checklist" aria-live="polite">
            {move || {
                let typed = !password.get().is_empty();
                let i18n = i18n.clone();
                results()
                    .into_iter()
                    // Always show the four main rules; the others only once they are broken.
                    .filter(|(rule, ok)| Rule::CHECKLIST.contains(rule) || (typed && !ok))
                    .map(|(rule, ok)| {
                        view! {
                            <li class:met=ok data-rule=format!("{rule:?}") data-met=ok.to_string()>
                                <span class="tick" aria-hidden="true">{if ok { "✓" } else { "•" }}</span>
                                {i18n.text(rule.describe_key())}
                                <span class="visually-hidden">
                                    {i18n.text(if ok { "rules.met" } else { "rules.not_met" })}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
