use crate::policy::{evaluate, PasswordOwner, Rule};
use leptos::prelude::*;

/// Ticks each password rule while the person types. The server runs the same `evaluate` on submit.
#[component]
pub fn PasswordChecklist(password: RwSignal<String>, owner: PasswordOwner) -> impl IntoView {
    let results = move || evaluate(&password.get(), &owner);
    view! {
        <ul id="password-rules" class="checklist" aria-live="polite">
            {move || {
                let typed = !password.get().is_empty();
                results()
                    .into_iter()
                    // Always show the four main rules; the others only once they are broken.
                    .filter(|(rule, ok)| Rule::CHECKLIST.contains(rule) || (typed && !ok))
                    .map(|(rule, ok)| {
                        view! {
                            <li class:met=ok data-rule=format!("{rule:?}") data-met=ok.to_string()>
                                <span class="tick" aria-hidden="true">{if ok { "✓" } else { "•" }}</span>
                                {rule.describe()}
                                <span class="visually-hidden">{if ok { " (met)" } else { " (not met)" }}</span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
