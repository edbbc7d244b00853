//! TOTP (RFC 6238): 160-bit secrets, 30-second steps, SHA-1, 6 digits, ±1 step accepted. Replays are
//! refused with the matched step (`factor::record_totp_use`). A code that matches further away (up to
//! ±10 steps) is simply wrong; only when the next code agrees on the same offset is the device's clock
//! taken to be off, and the codes accepted there (re-synchronisation, RFC 6238 §6). At enrolment the
//! person has just been shown the secret, so an offset can be named at once.
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

/// What a submitted code turned out to be, against a device clock believed `drift` steps off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid for `step` (within ±1 of now + drift) and newer than the last accepted step.
    Accepted { step: i64 },
    /// Valid for `step`, `drift` steps from now, and the previous wrong code matched the same offset:
    /// two consecutive codes agree, so the device's clock is off by `drift` (RFC 6238 §6).
    Resynchronised { step: i64, drift: i64 },
    /// Valid, but for a step already used (or older than the last accepted one).
    Replayed,
    /// Wrong. `near` is the (offset from now, step) it matched within ±10 steps, if any: remembered
    /// silently, never told to the sender (a wrong code must not say when it would be valid).
    Wrong { near: Option<(i64, i64)> },
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

/// What is known about a factor's use so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    pub last_used_step: Option<i64>,
    /// The clock offset learnt by an earlier re-synchronisation.
    pub drift: i64,
    /// The (offset, step) the previous wrong code matched.
    pub pending: Option<(i64, i64)>,
}

/// Judges `code` at `now`. Every code within ±10 steps is computed whatever the answer, so the time it
/// takes says nothing either.
pub fn verify(secret: &[u8], code: &str, now: i64, history: History) -> Verdict {
    let Some(code) = normalize(code) else {
        return Verdict::Malformed;
    };
    let current = now.div_euclid(STEP_SECS);
    let center = current + history.drift;
    // Each offset from the centre, matched or not (constant work).
    let matches: Vec<(i64, bool)> = (-DRIFT_WINDOW..=DRIFT_WINDOW)
        .map(|d| {
            let ok = constant_time_eq(
                code_for_step(secret, center + d, DIGITS).as_bytes(),
                code.as_bytes(),
            );
            (d, ok)
        })
        .collect();
    let matched = |d: i64| matches.iter().any(|(o, ok)| *o == d && *ok);
    for d in [0, -1, 1] {
        if matched(d) {
            let step = center + d;
            return if history.last_used_step.is_some_and(|last| step <= last) {
                Verdict::Replayed
            } else {
                Verdict::Accepted { step }
            };
        }
    }
    let near = (2..=DRIFT_WINDOW)
        .flat_map(|d| [d, -d])
        .find(|d| matched(*d))
        .map(|d| (center + d - current, center + d));
    if let (Some((offset, step)), Some((pending_offset, pending_step))) = (near, history.pending) {
        // The second of two consecutive codes on one offset (give or take a step), and a later code
        // than the first: the device's clock is off, consistently.
        let consistent = (offset - pending_offset).abs() <= 1
            && step > pending_step
            && step - pending_step <= 20;
        let fresh = history.last_used_step.is_none_or(|last| step > last);
        if consistent && fresh {
            return Verdict::Resynchronised {
                step,
                drift: offset,
            };
        }
    }
    Verdict::Wrong { near }
}

/// Whole minutes for a number of steps (at least one), for the message about a clock that is off.
pub fn drift_minutes(steps: i64) -> i64 {
    ((steps.abs() * STEP_SECS) as f64 / 60.0).round().max(1.0) as i64
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

    fn fresh() -> History {
        History::default()
    }

    #[test]
    fn the_current_and_neighbouring_steps_are_accepted() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        for offset in [-1, 0, 1] {
            let code = code_for_step(RFC_SECRET, step + offset, DIGITS);
            assert_eq!(
                verify(RFC_SECRET, &code, now, fresh()),
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
                fresh()
            ),
            Verdict::Accepted { step }
        );
    }

    #[test]
    fn a_used_step_and_older_ones_are_refused() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        let used = History {
            last_used_step: Some(step),
            ..History::default()
        };
        let code = code_for_step(RFC_SECRET, step, DIGITS);
        assert_eq!(verify(RFC_SECRET, &code, now, used), Verdict::Replayed);
        let older = code_for_step(RFC_SECRET, step - 1, DIGITS);
        assert_eq!(verify(RFC_SECRET, &older, now, used), Verdict::Replayed);
        let newer = code_for_step(RFC_SECRET, step + 1, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &newer, now, used),
            Verdict::Accepted { step: step + 1 }
        );
    }

    #[test]
    fn a_drifted_code_is_just_wrong_until_a_second_one_agrees() {
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        let ahead = code_for_step(RFC_SECRET, step + 4, DIGITS);
        let first = verify(RFC_SECRET, &ahead, now, fresh());
        assert_eq!(
            first,
            Verdict::Wrong {
                near: Some((4, step + 4))
            }
        );
        // The device's next code, 30 seconds later, on the same offset: re-synchronised.
        let later = now + 30;
        let next = code_for_step(RFC_SECRET, step + 5, DIGITS);
        let history = History {
            pending: Some((4, step + 4)),
            ..History::default()
        };
        assert_eq!(
            verify(RFC_SECRET, &next, later, history),
            Verdict::Resynchronised {
                step: step + 5,
                drift: 4
            }
        );
        // The same drifted code twice is not two codes.
        assert_eq!(
            verify(RFC_SECRET, &ahead, now, history),
            Verdict::Wrong {
                near: Some((4, step + 4))
            }
        );
        // Another offset does not agree.
        let elsewhere = code_for_step(RFC_SECRET, step - 7, DIGITS);
        assert!(matches!(
            verify(RFC_SECRET, &elsewhere, later, history),
            Verdict::Wrong { .. }
        ));
        // Once learnt, the offset is where codes are expected.
        let learnt = History {
            drift: 4,
            last_used_step: Some(step + 5),
            ..History::default()
        };
        let third = code_for_step(RFC_SECRET, step + 6, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &third, later + 30, learnt),
            Verdict::Accepted { step: step + 6 }
        );
        let far = code_for_step(RFC_SECRET, step + 11, DIGITS);
        assert_eq!(
            verify(RFC_SECRET, &far, now, fresh()),
            Verdict::Wrong { near: None }
        );
        assert_eq!(drift_minutes(4), 2);
        assert_eq!(drift_minutes(-10), 5);
        assert_eq!(drift_minutes(2), 1);
    }

    #[test]
    fn only_six_digits_are_a_code() {
        assert_eq!(verify(RFC_SECRET, "12345", 0, fresh()), Verdict::Malformed);
        assert_eq!(verify(RFC_SECRET, "12345a", 0, fresh()), Verdict::Malformed);
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
