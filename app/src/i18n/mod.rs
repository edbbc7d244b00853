//! Every user-visible string comes from the message catalogue (`app/locales/<language>.json`): pages,
//! components, errors, method names, password rules, and the emails the server sends.
//!
//! The server holds every language (`Catalogues`); a page carries the messages of the reader's language
//! (see `ui`), so the browser renders exactly what the server rendered, with no flash and with no
//! strings in the WebAssembly bundle.
pub mod catalogue;
#[cfg(test)]
mod prose_check;
pub mod ui;

pub use catalogue::{interpolate, plural_suffix, Messages};
pub use ui::{provide_i18n, t, t_count, t_with, use_i18n, I18n};

#[cfg(feature = "ssr")]
mod server {
    use super::catalogue::{Messages, SOURCES};
    use crate::types::Locale;
    use std::sync::{Arc, LazyLock};

    /// Every language's messages, parsed once.
    pub struct Catalogues {
        by_locale: Vec<(Locale, Arc<Messages>)>,
    }

    static CATALOGUES: LazyLock<Catalogues> = LazyLock::new(|| Catalogues {
        by_locale: SOURCES
            .iter()
            .map(|(locale, json)| {
                let messages = Messages::parse(json).unwrap_or_else(|e| {
                    // The catalogue test keeps this from ever shipping.
                    tracing::error!(%locale, error = %e, "a message catalogue is broken");
                    Messages::default()
                });
                (*locale, Arc::new(messages))
            })
            .collect(),
    });

    impl Catalogues {
        pub fn get() -> &'static Catalogues {
            &CATALOGUES
        }

        pub fn messages(&self, locale: Locale) -> Arc<Messages> {
            self.by_locale
                .iter()
                .find(|(l, _)| *l == locale)
                .or_else(|| self.by_locale.first())
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        }

        /// A message in `locale`, falling back to English, then to the key itself (visible, so a
        /// missing key is noticed rather than blank).
        pub fn text(&self, locale: Locale, key: &str) -> String {
            let english = self.messages(Locale::En);
            self.messages(locale)
                .get(key)
                .or_else(|| english.get(key))
                .unwrap_or(key)
                .to_string()
        }
    }

    /// A message with its arguments, in `locale` (emails and other server-side texts).
    pub fn tr(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        super::interpolate(&Catalogues::get().text(locale, key), args)
    }

    /// The plural form of `key` for `count` (`key_one` / `key_other`), with `{{ count }}` filled in.
    pub fn tr_count(locale: Locale, key: &str, count: i64, args: &[(&str, &str)]) -> String {
        let full = format!("{key}{}", super::plural_suffix(locale, count));
        let count_text = count.to_string();
        let mut all: Vec<(&str, &str)> = args.to_vec();
        all.push(("count", &count_text));
        super::interpolate(&Catalogues::get().text(locale, &full), &all)
    }
}

#[cfg(feature = "ssr")]
pub use server::{tr, tr_count, Catalogues};
