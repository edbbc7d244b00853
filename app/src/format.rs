//! Small display helpers shared by pages and the server.

/// `2026-11-22 03:41 UTC` from seconds since the Unix epoch.
pub fn utc_minute(unix_secs: i64) -> String {
    let (y, m, d, hh, mm, _) = civil(unix_secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

/// `2026-11-22T03:41:05Z`, for `<time datetime>`.
pub fn iso_utc(unix_secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(unix_secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

fn civil(unix_secs: i64) -> (i64, u32, u32, i64, i64, i64) {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether a text looks like an IANA time-zone name (`Europe/Paris`, `UTC`, `America/Argentina/Salta`);
/// the server also checks that it knows it.
pub fn plausible_time_zone(tz: &str) -> bool {
    !tz.is_empty()
        && tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && !tz.starts_with('/')
        && !tz.contains("..")
}

/// `a•••@example.com`: enough for the owner to recognise the address, not enough to learn it.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((name, domain)) => {
            let first: String = name.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// `+33 ••• ••• •42`: the first two digits after `+` (usually the country) and the last two.
pub fn mask_phone(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 6 {
        return "•••".into();
    }
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    format!("+{head} •••• {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(1_795_318_860), "2026-11-22 03:41 UTC");
        assert_eq!(iso_utc(1_795_318_865), "2026-11-22T03:41:05Z");
    }

    #[test]
    fn time_zone_names_are_checked_for_shape() {
        assert!(plausible_time_zone("Europe/Paris"));
        assert!(plausible_time_zone("Etc/GMT+3"));
        assert!(!plausible_time_zone("../etc/passwd"));
        assert!(!plausible_time_zone("Europe/Paris; rm"));
        assert!(!plausible_time_zone(""));
    }
}
