//! The message catalogue: one JSON file per language under `app/locales/`, nested objects of strings.
//! Keys are the dotted paths (`email.password_reset.subject`); `{{ name }}` marks an argument; a key
//! with `_one` / `_other` variants is chosen by a count (`{{ count }}`).
//!
//! English is complete by definition; a test fails when another language lacks a key or has one
//! English does not, or when a translation drops or invents an argument.
use crate::types::Locale;
use std::collections::BTreeMap;

/// The raw files, compiled in.
pub const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../../locales/en.json")),
    (Locale::Fr, include_str!("../../locales/fr.json")),
    (Locale::Es, include_str!("../../locales/es.json")),
];

/// One language's messages, flattened to dotted keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messages(pub BTreeMap<String, String>);

impl Messages {
    /// Parses one catalogue file.
    pub fn parse(json: &str) -> Result<Messages, String> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("not valid JSON: {e}"))?;
        let mut out = BTreeMap::new();
        flatten("", &value, &mut out)?;
        Ok(Messages(out))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

fn flatten(
    prefix: &str,
    value: &serde_json::Value,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
            Ok(())
        }
        other => Err(format!("{prefix}: expected text, found {other}")),
    }
}

/// Which plural form a count takes in a language (English and Spanish: one for 1; French: one for 0
/// and 1).
pub fn plural_suffix(locale: Locale, count: i64) -> &'static str {
    let one = match locale {
        Locale::Fr => count == 0 || count == 1,
        Locale::En | Locale::Es => count == 1,
    };
    if one {
        "_one"
    } else {
        "_other"
    }
}

/// Replaces each `{{ name }}` with its argument (arguments not in the text are ignored; a placeholder
/// without an argument is left visible, so a mistake shows instead of silently vanishing).
pub fn interpolate(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The argument names a text uses.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    names.sort();
    names.dedup();
    names
}

/// What is wrong with a translation compared with English.
pub fn differences(english: &Messages, other: &Messages) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, text) in &english.0 {
        match other.0.get(key) {
            None => problems.push(format!("missing: {key}")),
            Some(t) if placeholders(t) != placeholders(text) => problems.push(format!(
                "arguments differ in {key}: {:?} instead of {:?}",
                placeholders(t),
                placeholders(text)
            )),
            Some(t) if t.trim().is_empty() => problems.push(format!("empty: {key}")),
            _ => {}
        }
    }
    for key in other.0.keys() {
        if !english.0.contains_key(key) {
            problems.push(format!("not in English: {key}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_put_in_place() {
        assert_eq!(
            interpolate("Hello {{ name }}, {{name}}!", &[("name", "Ana")]),
            "Hello Ana, Ana!"
        );
        assert_eq!(
            interpolate("{{ missing }} stays", &[]),
            "{{ missing }} stays"
        );
        assert_eq!(interpolate("no braces", &[("x", "y")]), "no braces");
        assert_eq!(interpolate("open {{ end", &[]), "open {{ end");
        assert_eq!(placeholders("{{ b }} {{a}} {{ b }}"), vec!["a", "b"]);
    }

    #[test]
    fn plural_forms_follow_each_language() {
        assert_eq!(plural_suffix(Locale::En, 0), "_other");
        assert_eq!(plural_suffix(Locale::Fr, 0), "_one");
        assert_eq!(plural_suffix(Locale::Es, 1), "_one");
        assert_eq!(plural_suffix(Locale::Es, 2), "_other");
    }

    /// The catalogue is complete: every language has every English key, with the same arguments.
    #[test]
    fn every_language_has_every_key() {
        let english = Messages::parse(SOURCES[0].1).expect("en.json");
        assert!(english.0.len() > 100, "the English catalogue looks empty");
        let mut problems = Vec::new();
        for (locale, source) in &SOURCES[1..] {
            let other = Messages::parse(source).unwrap_or_else(|e| panic!("{locale}.json: {e}"));
            problems.extend(
                differences(&english, &other)
                    .into_iter()
                    .map(|p| format!("{locale}: {p}")),
            );
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    #[test]
    fn a_missing_key_is_found() {
        let en = Messages::parse(r#"{"a": {"b": "x {{ n }}", "c": "y"}}"#).unwrap();
        let fr = Messages::parse(r#"{"a": {"b": "x {{ m }}"}, "d": "z"}"#).unwrap();
        let found = differences(&en, &fr);
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
