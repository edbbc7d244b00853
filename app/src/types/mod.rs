//! Types shared by the browser and the server: what server functions take and return.
mod account;
mod admin;
mod audit;
mod recovery;
mod security;
mod session;

pub use account::*;
pub use admin::*;
pub use audit::*;
pub use recovery::*;
pub use security::*;
pub use session::*;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The languages of the interface, the emails and the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    En,
    Fr,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Fr, Locale::Es];

    /// The BCP 47 tag (`<html lang>`, the cookie, the database).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Es => "es",
        }
    }

    /// The language's name in itself (the language menu shows each in its own words).
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Es => "Español",
        }
    }

    /// `fr`, `fr-CA`, `FR_ca` → French; anything else → None.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The best of our languages for an `Accept-Language` header (by quality, then order).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Locale::from_tag(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && i < bi),
                };
                if better {
                    best = Some((q, i, locale));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Locale {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::from_tag(s).ok_or(())
    }
}

/// What a user may do. `Authorized` users also see account and payout details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Authorized,
    User,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Authorized, Role::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Authorized => "authorized",
            Role::User => "user",
        }
    }

    /// Account and payout details: authorized users (and administrators).
    pub fn sees_account_details(self) -> bool {
        matches!(self, Role::Admin | Role::Authorized)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown role '{s}': expected admin, authorized or user"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_come_from_tags_and_accept_language() {
        assert_eq!(Locale::from_tag("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("ES_mx"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("de"), None);
        assert_eq!(
            Locale::from_accept_language("de-DE,de;q=0.9,es;q=0.8,en;q=0.7"),
            Some(Locale::Es)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=0.5, en;q=0.5"),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0, fr;q=0.1"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::from_accept_language("zh"), None);
    }

    #[test]
    fn roles_parse_in_any_case() {
        assert_eq!("ADMIN".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Authorized.sees_account_details());
        assert!(!Role::User.sees_account_details());
    }
}
