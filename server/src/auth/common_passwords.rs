//! The 10,000 most common passwords, compiled into the server (see data/README.md for their source).
use std::collections::HashSet;
use std::sync::LazyLock;

static LIST: &str = include_str!("../../data/common-passwords.txt");

static SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| LIST.lines().filter(|l| !l.is_empty()).collect());

/// Whether `password`, ignoring case, is on the list.
pub fn is_common(password: &str) -> bool {
    SET.contains(password.to_lowercase().as_str())
}

pub fn len() -> usize {
    SET.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_ten_thousand_entries() {
        assert_eq!(len(), 10_000);
    }

    #[test]
    fn common_passwords_are_found_whatever_their_case() {
        for p in ["123456", "password", "P@ssw0rd", "Password1", "QWERTY"] {
            assert!(is_common(p), "{p}");
        }
        assert!(!is_common("Correct-Horse-Battery-42"));
    }
}
