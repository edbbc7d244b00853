//! The password policy: one implementation, run in the browser while typing and on the server on submit.
//! (The server adds one rule the browser cannot run cheaply: the common-passwords list.)
use serde::{Deserialize, Serialize};

pub const MIN_LENGTH: usize = 8;
/// Long passphrases are welcome; the cap only bounds hashing work.
pub const MAX_LENGTH: usize = 256;
/// Punctuation people are told about; any other non-alphanumeric character counts as special too.
pub const SPECIALS_SHOWN: &str = "~!@#$%^&*_-+=`|(){}[]:;'\"<>,.?/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    MinLength,
    Digit,
    Special,
    Uppercase,
    MaxLength,
    NoUsername,
    NoEmailName,
    /// Server-side only: not among the 10,000 most common passwords.
    NotCommon,
}

impl Rule {
    /// The rules the checklist shows while typing, in order.
    pub const CHECKLIST: [Rule; 4] = [Rule::MinLength, Rule::Digit, Rule::Special, Rule::Uppercase];

    /// The catalogue key of the rule as the checklist shows it.
    pub fn describe_key(self) -> &'static str {
        match self {
            Rule::MinLength => "rule.MinLength.describe",
            Rule::Digit => "rule.Digit.describe",
            Rule::Special => "rule.Special.describe",
            Rule::Uppercase => "rule.Uppercase.describe",
            Rule::MaxLength => "rule.MaxLength.describe",
            Rule::NoUsername => "rule.NoUsername.describe",
            Rule::NoEmailName => "rule.NoEmailName.describe",
            Rule::NotCommon => "rule.NotCommon.describe",
        }
    }

    /// The catalogue key of what to say when the rule is not met.
    pub fn failure_key(self) -> &'static str {
        match self {
            Rule::MinLength => "rule.MinLength.failure",
            Rule::Digit => "rule.Digit.failure",
            Rule::Special => "rule.Special.failure",
            Rule::Uppercase => "rule.Uppercase.failure",
            Rule::MaxLength => "rule.MaxLength.failure",
            Rule::NoUsername => "rule.NoUsername.failure",
            Rule::NoEmailName => "rule.NoEmailName.failure",
            Rule::NotCommon => "rule.NotCommon.failure",
        }
    }
}

/// Who the password is for: it may not contain their names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordOwner {
    pub username: String,
    pub email: String,
}

/// Each rule the browser and the server both check, with whether `password` meets it.
pub fn evaluate(password: &str, owner: &PasswordOwner) -> Vec<(Rule, bool)> {
    let length = password.chars().count();
    let lower = password.to_lowercase();
    let contains_name = |name: &str| {
        let name = name.trim().to_lowercase();
        name.chars().count() >= 3 && lower.contains(&name)
    };
    let email_name = owner.email.split('@').next().unwrap_or("");
    vec![
        (Rule::MinLength, length >= MIN_LENGTH),
        (Rule::Digit, password.chars().any(|c| c.is_ascii_digit())),
        (
            Rule::Special,
            password.chars().any(|c| !c.is_alphanumeric()),
        ),
        (
            Rule::Uppercase,
            password.chars().any(|c| c.is_ascii_uppercase()),
        ),
        (Rule::MaxLength, length <= MAX_LENGTH),
        (Rule::NoUsername, !contains_name(&owner.username)),
        (Rule::NoEmailName, !contains_name(email_name)),
    ]
}

/// The rules `password` breaks, in checklist order (empty: acceptable to the shared rules).
pub fn violations(password: &str, owner: &PasswordOwner) -> Vec<Rule> {
    evaluate(password, owner)
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(rule, _)| rule)
        .collect()
}

/// Usernames: 3 to 64 characters, letters, digits, dot, dash and underscore, starting with a letter or digit.
/// (The messages are for the command line; the pages say `invalid.Username` from the catalogue.)
pub fn validate_username(username: &str) -> Result<(), String> {
    let u = username.trim();
    let len = u.chars().count();
    if !(3..=64).contains(&len) {
        return Err("A username has 3 to 64 characters.".into());
    }
    if !u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        return Err("A username starts with a letter or a digit.".into());
    }
    if !u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err("A username uses only letters, digits, dot, dash and underscore.".into());
    }
    Ok(())
}

/// Email addresses: one `@`, a non-empty name and a domain, no spaces, at most 254 characters.
pub fn validate_email(email: &str) -> Result<(), String> {
    let e = email.trim();
    let valid = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((name, domain))
            if !name.is_empty() && !domain.is_empty() && !domain.contains('@')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(())
    } else {
        Err(format!("'{e}' is not an email address."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> PasswordOwner {
        PasswordOwner {
            username: "alice".into(),
            email: "asmith@example.com".into(),
        }
    }

    #[test]
    fn a_password_meeting_every_rule_passes() {
        assert!(violations("Tr0ub4dor&3x", &owner()).is_empty());
    }

    #[test]
    fn each_rule_is_checked_on_its_own() {
        let o = owner();
        assert_eq!(violations("Sh0rt!", &o), vec![Rule::MinLength]);
        assert_eq!(violations("NoDigits!here", &o), vec![Rule::Digit]);
        assert_eq!(violations("NoSpecial123", &o), vec![Rule::Special]);
        assert_eq!(violations("lowercase1!only", &o), vec![Rule::Uppercase]);
        assert_eq!(
            violations(&format!("A1!{}", "x".repeat(254)), &o),
            vec![Rule::MaxLength]
        );
        assert_eq!(violations("Xalice-99!", &o), vec![Rule::NoUsername]);
        assert_eq!(violations("ASMITH#7xyz", &o), vec![Rule::NoEmailName]);
    }

    #[test]
    fn exactly_eight_characters_is_enough_and_length_counts_characters() {
        assert!(violations("Abcdef1!", &owner()).is_empty());
        // Seven characters, but more than eight bytes.
        assert_eq!(violations("Xbcdé1!", &owner()), vec![Rule::MinLength]);
    }

    #[test]
    fn every_listed_special_character_counts_and_so_do_others() {
        for c in SPECIALS_SHOWN.chars().chain(['€', ' ', '§']) {
            let p = format!("Abcdefg1{c}");
            assert!(
                !violations(&p, &owner()).contains(&Rule::Special),
                "{c:?} should count as special"
            );
        }
    }

    #[test]
    fn uppercase_means_english_a_to_z() {
        assert_eq!(violations("ábcdefg1!É", &owner()), vec![Rule::Uppercase]);
    }

    #[test]
    fn short_names_do_not_forbid_passwords() {
        let o = PasswordOwner {
            username: "al".into(),
            email: "al@example.com".into(),
        };
        assert!(violations("Xal-99!long", &o).is_empty());
    }

    #[test]
    fn usernames_and_emails_are_validated() {
        assert!(validate_username("alice_01").is_ok());
        assert!(validate_username("al").is_err());
        assert!(validate_username("_alice").is_err());
        assert!(validate_username("alice smith").is_err());
        assert!(validate_email("a@b.example").is_ok());
        assert!(validate_email("a@@b").is_err());
        assert!(validate_email("no-at-sign").is_err());
        assert!(validate_email("a b@c.d").is_err());
        assert!(validate_email("@c.d").is_err());
    }
}

/// A phone number in E.164 form (`+` and 8 to 15 digits, no leading zero), the only way in being
/// `parse`: spaces, dots, dashes and parentheses as people type them are removed, and a leading `00`
/// reads as `+`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Option<PhoneNumber> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        let digits = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"))?;
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        ok.then(|| PhoneNumber(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod phone_tests {
    use super::PhoneNumber;

    #[test]
    fn phone_numbers_are_read_as_people_type_them() {
        assert_eq!(
            PhoneNumber::parse("+33 6 12 34 56 78").map(|p| p.as_str().to_string()),
            Some("+33612345678".into())
        );
        assert_eq!(
            PhoneNumber::parse("0044 (20) 7946-0958").map(|p| p.as_str().to_string()),
            Some("+442079460958".into())
        );
        assert_eq!(
            PhoneNumber::parse("06 12 34 56 78"),
            None,
            "no country code"
        );
        assert_eq!(PhoneNumber::parse("+0612345678"), None);
        assert_eq!(PhoneNumber::parse("+1234"), None);
        assert_eq!(PhoneNumber::parse("+3361234567890123"), None, "too long");
        assert_eq!(PhoneNumber::parse("+33abc"), None);
    }

    #[test]
    fn numbers_are_shown_masked() {
        assert_eq!(crate::format::mask_phone("+33612345678"), "+33 •••• 78");
    }
}
