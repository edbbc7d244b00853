//! A test that no sentence a person reads is written in a page or component: every text comes from the
//! catalogue. It reads the sources of `src/pages` and `src/components` and flags string literals that
//! look like words for people (a space between letters, or a capitalised word), unless they are the
//! value of an attribute that is not for people (`class`, `id`, `type`, …).

/// Attributes whose values are for the machine.
const MACHINE_ATTRIBUTES: &[&str] = &[
    "class",
    "attr:class",
    "type",
    "id",
    "name",
    "for",
    "autocomplete",
    "inputmode",
    "role",
    "rel",
    "download",
    "aria-live",
    "aria-hidden",
    "autocapitalize",
    "spellcheck",
    "pattern",
    "maxlength",
    "href",
    "method",
    "value",
    "data-testid",
    "data-rule",
    "data-kind",
    "content",
    "charset",
];

/// The string literals of a Rust source, with what precedes each on its line.
fn literals(source: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let bytes: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == '/' && bytes.get(i + 1) == Some(&'/') {
                break;
            }
            if bytes[i] == '\'' && bytes.get(i + 2) == Some(&'\'') {
                i += 3;
                continue;
            }
            if bytes[i] == '"' {
                let start = i;
                let mut j = i + 1;
                let mut text = String::new();
                while j < bytes.len() && bytes[j] != '"' {
                    if bytes[j] == '\\' {
                        j += 1;
                    }
                    if let Some(c) = bytes.get(j) {
                        text.push(*c);
                    }
                    j += 1;
                }
                let before: String = bytes[..start].iter().collect();
                out.push((n + 1, text, before));
                i = j + 1;
                continue;
            }
            i += 1;
        }
    }
    out
}

/// Whether a literal reads like words for a person.
fn is_prose(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let words_with_space = chars
        .windows(3)
        .any(|w| w[0].is_alphabetic() && w[1] == ' ' && w[2].is_alphabetic());
    let capitalised = chars.first().is_some_and(|c| c.is_uppercase())
        && chars.get(1).is_some_and(|c| c.is_lowercase());
    let catalogue_key = !text.contains(' ')
        && text.contains('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    (words_with_space || capitalised) && !catalogue_key
}

fn is_machine_attribute(before: &str) -> bool {
    let before = before.trim_end();
    let Some(before) = before.strip_suffix('=') else {
        return false;
    };
    let name = before
        .rsplit(|c: char| c.is_whitespace() || c == '<' || c == '(')
        .next()
        .unwrap_or("");
    MACHINE_ATTRIBUTES.contains(&name) || name.starts_with("data-")
}

/// Literals in `source` that should come from the catalogue: (line, text).
pub fn prose_in(source: &str) -> Vec<(usize, String)> {
    literals(source)
        .into_iter()
        .filter(|(_, text, before)| is_prose(text) && !is_machine_attribute(before))
        .map(|(n, text, _)| (n, text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_check_finds_prose_and_lets_the_rest_through() {
        let source = r#"
            view! { <p class="lead notice">"Sign in"</p> <button type="submit">{t("login.submit")}</button> }
            let x = "Verify";
            let ok = format!("{m:?}");
            // "A comment is fine"
            <input id="code" autocomplete="one-time-code" />
            <a download="portcullis-backup-codes.txt">
        "#;
        let found: Vec<String> = prose_in(source).into_iter().map(|(_, t)| t).collect();
        assert_eq!(found, vec!["Sign in".to_string(), "Verify".to_string()]);
    }

    /// Every catalogue key the code names exists (plural ones with both forms), in the app and in the
    /// server.
    #[test]
    fn every_key_the_code_names_is_in_the_catalogue() {
        let english =
            crate::i18n::catalogue::Messages::parse(crate::i18n::catalogue::SOURCES[0].1).unwrap();
        let sections: std::collections::BTreeSet<&str> = english
            .0
            .keys()
            .filter_map(|k| k.split('.').next())
            .collect();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&manifest.join("src"), &mut files);
        rust_files(&manifest.join("../server/src"), &mut files);
        let mut problems = Vec::new();
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (line, text, before) in literals(&source) {
                let looks_like_key = text.contains('.')
                    && text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && text.split('.').next().is_some_and(|s| sections.contains(s))
                    && !text.ends_with('.');
                // A tracing span's name (`instrument(name = "area.operation")`) is not a key.
                let span_name = before.trim_end().ends_with("name =");
                if !looks_like_key || span_name {
                    continue;
                }
                let plural = ["t_count(", "text_count(", "tr_count("]
                    .iter()
                    .any(|f| before.trim_end().ends_with(f));
                let present = if plural {
                    english.get(&format!("{text}_one")).is_some()
                        && english.get(&format!("{text}_other")).is_some()
                } else {
                    english.get(&text).is_some()
                };
                if !present {
                    problems.push(format!("{}:{line}: {text}", file.display()));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "keys missing from en.json:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn pages_and_components_take_every_text_from_the_catalogue() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&root.join("pages"), &mut files);
        rust_files(&root.join("components"), &mut files);
        assert!(files.len() > 10, "the sources were not found");
        let mut problems = Vec::new();
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (line, text) in prose_in(&source) {
                problems.push(format!("{}:{line}: {text:?}", file.display()));
            }
        }
        assert!(
            problems.is_empty(),
            "text outside the catalogue:\n{}",
            problems.join("\n")
        );
    }
}
