//! TOTP (RFC 6238): 160-bit secrets, 30-second steps, SHA-1, 6 digits, ±1 step accepted. Replays are
//! refused by the caller with the matched step (see `factors::record_totp_use`); a code that matches
//! further away (up to ±10 steps) tells how far the device's clock is off.
use qrcode::render::svg;
use qrcode::QrCode;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::crypto::{constant_time_eq, fill_random};

pub const STEP_SECS: i64 = 30;
pub const DIGITS: usize = 6;
/// Steps either side of now that are accepted (network and typing delay).
pub const ACCEPTED_SKEW: i64 = 1;
/// Steps either side searched to diagnose a clock that is off.
pub const DRIFT_WINDOW: i64 = 10;
pub const ISSUER: &str = "Portcullis";

/// A fresh 160-bit secret from the operating system's CSPRNG.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    fill_random(&mut secret);
    secret
}

fn totp(secret: &[u8], digits: usize, account: &str) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits as u8)
        .with_skew(0)
        .with_step_duration(STEP_SECS as u64)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', "_"))
        .build_noncompliant()
}

/// The code for time step `step` (with `digits` digits; 6 for users, 8 for the RFC's test vectors).
pub fn code_for_step(secret: &[u8], step: i64, digits: usize) -> String {
    totp(secret, digits, "")
        .generate((step.max(0) * STEP_SECS) as u64)
        .to_string()
}

/// The setup key as people type it: base32 in groups of four.
pub fn setup_key(secret: &[u8]) -> String {
    let b32 = Secret::from(secret.to_vec()).to_base32();
    b32.trim_end_matches('=')
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `otpauth://totp/Portcullis:alice?secret=…&issuer=Portcullis&algorithm=SHA1&digits=6&period=30`
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    totp(secret, DIGITS, account).to_url().unwrap_or_default()
}

/// The otpauth URI as a QR code, an SVG document.
pub fn qr_svg(uri: &str) -> String {
    match QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .dark_color(svg::Color("#111111"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// What a submitted code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid for `step` (within ±1 of now) and newer than the last accepted step.
    Accepted {
        step: i64,
    },
    /// Valid, but for a step already used (or older than the last accepted one).
    Replayed,
    /// Matches `offset` steps away from now (beyond ±1): the device's clock is off.
    Drift {
        offset: i64,
    },
    Wrong,
    /// Not six digits.
    Malformed,
}

/// Digits only, spaces and dashes ignored.
pub fn normalize(code: &str) -> Option<String> {
    let digits: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

pub fn verify(secret: &[u8], code: &str, now: i64, last_used_step: Option<i64>) -> Verdict {
    let Some(code) = normalize(code) else {
        return Verdict::Malformed;
    };
    let current = now.div_euclid(STEP_SECS);
    let matches = |offset: i64| {
        constant_time_eq(
            code_for_step(secret, current + offset, DIGITS).as_bytes(),
            code.as_bytes(),
        )
    };
    for offset in [0, -1, 1] {
        if matches(offset) {
            let step = current + offset;
            return if last_used_step.is_some_and(|last| step <= last) {
                Verdict::Replayed
            } else {
                Verdict::Accepted { step }
            };
        }
    }
    (2..=DRIFT_WINDOW)
        .flat_map(|d| [d, -d])
        .find(|offset| matches(*offset))
        .map(|offset| Verdict::Drift { offset })
        .unwrap_or(Verdict::Wrong)
}

/// What to tell someone whose code matched `offset` steps away.
pub fn drift_advice(offset: i64) -> String {
    let minutes = ((offset.abs() * STEP_SECS) as f64 / 60.0).round().max(1.0) as i64;
    let amount = if minutes == 1 {
        "1 minute".to_string()
    } else {
        format!("{minutes} minutes")
    };
    let (when, direction) = if offset > 0 {
        (format!("only in about {amount}"), "ahead")
    } else {
        (format!("about {amount} ago"), "behind")
    };
    format!(
        "That code would be valid {when}: the clock of your authenticator device seems to be about {amount} \
         {direction}. Turn on “Set time automatically” in the device's date and time settings, check its \
         time zone, then enter a new code."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                code_for_step(RFC_SECRET, time / STEP_SECS, 8),
                expected,
                "T = {time}"
            );
        }
    }

    #[test]
    fn the_current_and_neighbouring_steps_are_accepted() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        for offset in [-1, 0, 1] {
            let code = code_for_step(RFC_SECRET, step + offset, DIGITS);
            assert_eq!(
                verify(RFC_SECRET, &code, now, None),
                Verdict::Accepted {
                    step: step + offset
                }
            );
        }
        let spaced = code_for_step(RFC_SECRET, step, DIGITS);
        assert_eq!(
            verify(
                RFC_SECRET,
                &format!("{} {}", &spaced[..3], &spaced[3..]),
                now,
                None
            ),
            Verdict::Accepted { step }
        );
    }

    #[test]
    fn a_used_step_and_older_ones_are_refused() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        let code = code_for_step(RFC_SECRET, step, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &code, now, Some(step)),
            Verdict::Replayed
        );
        let older = code_for_step(RFC_SECRET, step - 1, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &older, now, Some(step)),
            Verdict::Replayed
        );
        let newer = code_for_step(RFC_SECRET, step + 1, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &newer, now, Some(step)),
            Verdict::Accepted { step: step + 1 }
        );
    }

    #[test]
    fn codes_two_to_ten_steps_away_diagnose_the_clock() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        let ahead = code_for_step(RFC_SECRET, step + 4, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &ahead, now, None),
            Verdict::Drift { offset: 4 }
        );
        let behind = code_for_step(RFC_SECRET, step - 10, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &behind, now, None),
            Verdict::Drift { offset: -10 }
        );
        let far = code_for_step(RFC_SECRET, step + 11, DIGITS);
        assert_eq!(verify(RFC_SECRET, &far, now, None), Verdict::Wrong);
        assert!(
            drift_advice(4).contains("about 2 minutes ahead"),
            "{}",
            drift_advice(4)
        );
        assert!(
            drift_advice(-10).contains("about 5 minutes behind"),
            "{}",
            drift_advice(-10)
        );
        assert!(drift_advice(2).contains("about 1 minute ahead"));
    }

    #[test]
    fn only_six_digits_are_a_code() {
        assert_eq!(verify(RFC_SECRET, "12345", 0, None), Verdict::Malformed);
        assert_eq!(verify(RFC_SECRET, "12345a", 0, None), Verdict::Malformed);
        assert_eq!(normalize(" 123-456 "), Some("123456".into()));
    }

    #[test]
    fn setup_key_and_uri_carry_the_secret() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20, "160 bits");
        let key = setup_key(&secret);
        assert_eq!(
            key.split(' ').count(),
            8,
            "32 base32 characters in groups of four: {key}"
        );
        let uri = otpauth_uri(&secret, "alice");
        assert!(uri.starts_with("otpauth://totp/Portcullis:alice?"), "{uri}");
        assert!(
            uri.contains(&format!("secret={}", key.replace(' ', ""))),
            "{uri}"
        );
        assert!(uri.contains("issuer=Portcullis"));
        assert!(qr_svg(&uri).contains("<svg"));
    }
}
