//! The catalogue in pages and components. The server renders with the reader's language and writes
//! that language's interface messages into the page (`MessagesScript`, a JSON data block, not a
//! script that runs); the browser reads them back when it hydrates. So the WebAssembly bundle carries
//! no strings, and what the browser renders is what the server rendered.
use super::catalogue::{interpolate, plural_suffix, Messages};
use crate::types::Locale;
use leptos::prelude::*;
use std::sync::Arc;

/// The id of the data block that carries the messages.
pub const MESSAGES_ELEMENT_ID: &str = "portcullis-messages";

/// The reader's language and its messages (the interface part of the catalogue).
#[derive(Clone, Debug)]
pub struct I18n {
    pub locale: Locale,
    messages: Arc<Messages>,
}

impl I18n {
    pub fn new(locale: Locale, messages: Arc<Messages>) -> I18n {
        I18n { locale, messages }
    }

    /// The message for `key` (the key itself when missing, so it shows instead of a blank).
    pub fn text(&self, key: &str) -> String {
        self.messages
            .get(key)
            .map(str::to_string)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn text_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        interpolate(&self.text(key), args)
    }

    pub fn text_count(&self, key: &str, count: i64, args: &[(&str, &str)]) -> String {
        let full = format!("{key}{}", plural_suffix(self.locale, count));
        let count_text = count.to_string();
        let mut all: Vec<(&str, &str)> = args.to_vec();
        all.push(("count", &count_text));
        interpolate(&self.text(&full), &all)
    }

    /// The messages as the page carries them. `<` only occurs inside JSON strings, where `\u003c` means
    /// the same: the data block can then never be closed or commented out early.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.messages.0)
            .unwrap_or_else(|_| "{}".into())
            .replace('<', "\\u003c")
    }
}

/// Keys that never reach the browser: the emails are rendered on the server only.
fn for_pages(key: &str) -> bool {
    !key.starts_with("email.")
}

/// Provides the language and messages for this render: on the server from the request, in the browser
/// from the page's data block.
pub fn provide_i18n() -> I18n {
    let i18n = load();
    provide_context(i18n.clone());
    i18n
}

#[cfg(feature = "ssr")]
fn load() -> I18n {
    let locale = use_context::<http::request::Parts>()
        .map(|parts| crate::service::RequestInfo::from_parts(&parts).locale)
        .unwrap_or_default();
    let all = super::Catalogues::get().messages(locale);
    let english = super::Catalogues::get().messages(Locale::En);
    // The reader's language, with English for anything missing, interface keys only.
    let mut map = english.0.clone();
    map.extend(all.0.iter().map(|(k, v)| (k.clone(), v.clone())));
    map.retain(|k, _| for_pages(k));
    I18n::new(locale, Arc::new(Messages(map)))
}

#[cfg(not(feature = "ssr"))]
fn load() -> I18n {
    let _ = for_pages;
    #[cfg(feature = "hydrate")]
    {
        let document = web_sys::window().and_then(|w| w.document());
        let locale = document
            .as_ref()
            .and_then(|d| d.document_element())
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|tag| Locale::from_tag(&tag))
            .unwrap_or_default();
        let messages = document
            .and_then(|d| d.get_element_by_id(MESSAGES_ELEMENT_ID))
            .and_then(|e| e.text_content())
            .and_then(|json| serde_json::from_str(&json).ok())
            .map(Messages)
            .unwrap_or_default();
        I18n::new(locale, Arc::new(messages))
    }
    #[cfg(not(feature = "hydrate"))]
    I18n::new(Locale::En, Arc::new(Messages::default()))
}

/// The language and messages of this page.
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(provide_i18n)
}

/// A message of the catalogue.
pub fn t(key: &str) -> String {
    use_i18n().text(key)
}

/// A message with its arguments.
pub fn t_with(key: &str, args: &[(&str, &str)]) -> String {
    use_i18n().text_with(key, args)
}

/// A message in the plural form for `count`.
pub fn t_count(key: &str, count: i64, args: &[(&str, &str)]) -> String {
    use_i18n().text_count(key, count, args)
}

/// The data block the browser reads its messages from (server-rendered into the document head).
#[component]
pub fn MessagesScript() -> impl IntoView {
    let json = use_i18n().to_json();
    view! { <script id=MESSAGES_ELEMENT_ID type="application/json" inner_html=json></script> }
}
