//! Payout details: the IBAN (ISO 13616, checked with its ISO 7064 mod-97 check digits) and the BIC
//! (ISO 9362), parsed once into types that can only hold valid values, and masked for display. Both
//! sides use these rules: the page before sending, the server before storing.
use serde::{Deserialize, Serialize};

/// A valid IBAN, without spaces, in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iban(String);

impl Iban {
    pub fn parse(text: &str) -> Option<Iban> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = compact.as_bytes();
        if !(15..=34).contains(&bytes.len())
            || !bytes[..2].iter().all(u8::is_ascii_uppercase)
            || !bytes[2..4].iter().all(u8::is_ascii_digit)
            || !bytes.iter().all(u8::is_ascii_alphanumeric)
        {
            return None;
        }
        // Move the country and check digits to the end, letters become 10..35, the whole is 1 mod 97.
        let rearranged = compact[4..].chars().chain(compact[..4].chars());
        let mut remainder: u32 = 0;
        for c in rearranged {
            let value = c.to_digit(36)?;
            let digits = if value >= 10 { 100 } else { 10 };
            remainder = (remainder * digits + value) % 97;
        }
        (remainder == 1).then_some(Iban(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In groups of four, as printed on bank statements.
    pub fn grouped(&self) -> String {
        group(&self.0)
    }

    /// Only the country and the last four characters: `FR•• •••• … 0189`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let masked: String = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 2 || i >= n - 4 { c } else { '•' })
            .collect();
        group(&masked)
    }
}

fn group(text: &str) -> String {
    text.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A well-formed BIC: 4 letters (bank), 2 letters (country), 2 letters or digits (place), and
/// optionally 3 letters or digits (branch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bic(String);

impl Bic {
    pub fn parse(text: &str) -> Option<Bic> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = compact.as_bytes();
        let shape = (b.len() == 8 || b.len() == 11)
            && b[..6].iter().all(u8::is_ascii_uppercase)
            && b[6..].iter().all(u8::is_ascii_alphanumeric);
        shape.then_some(Bic(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bank and country stay readable; the rest is hidden.
    pub fn masked(&self) -> String {
        format!("{}{}", &self.0[..6], "•".repeat(self.0.len() - 6))
    }
}

/// The holder's name, masked: the first letter of each word.
pub fn mask_holder(holder: &str) -> String {
    holder
        .split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => format!("{first}{}", "•".repeat(chars.count())),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        for good in [
            "FR14 2004 1010 0505 0001 3M02 606",
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "es91 2100 0418 4502 0005 1332",
        ] {
            assert!(Iban::parse(good).is_some(), "{good}");
        }
        for bad in [
            "DE89 3704 0044 0532 0130 01",
            "FR14",
            "XX00 0000 0000 0000",
            "DE89-3704-0044-0532-0130-0!",
        ] {
            assert!(Iban::parse(bad).is_none(), "{bad}");
        }
        let iban = Iban::parse("de89 3704 0044 0532 0130 00").unwrap();
        assert_eq!(iban.as_str(), "DE89370400440532013000");
        assert_eq!(iban.grouped(), "DE89 3704 0044 0532 0130 00");
        assert_eq!(iban.masked(), "DE•• •••• •••• •••• ••30 00");
    }

    #[test]
    fn bics_have_their_shape() {
        assert_eq!(Bic::parse("deutdeff").unwrap().as_str(), "DEUTDEFF");
        assert!(Bic::parse("DEUTDEFF500").is_some());
        assert!(Bic::parse("DEUT1EFF").is_none());
        assert!(Bic::parse("DEUTDEF").is_none());
        assert_eq!(Bic::parse("BNPAFRPPXXX").unwrap().masked(), "BNPAFR•••••");
        assert_eq!(mask_holder("Ada Lovelace"), "A•• L•••••••");
    }
}
