//! Password expiry warnings: a banner and an email 14, 7 and 1 days before the password expires.
use sqlx::Row;

use crate::db::Db;
use crate::mail::{self, Message};
use crate::signin::Lifecycle;

/// Warnings go out when this many days (or fewer) are left: one email per threshold.
pub const WARNING_DAYS: [i64; 3] = [14, 7, 1];
const DAY: i64 = 86_400;

/// Whole days until `expires_at`, rounded up (0 once it has passed).
pub fn days_left(expires_at: i64, now: i64) -> i64 {
    ((expires_at - now).max(0) + DAY - 1) / DAY
}

/// The warning threshold `days` falls under, if any: 10 days left → 14, 5 → 7, 1 → 1.
pub fn threshold(days: i64) -> Option<i64> {
    WARNING_DAYS.iter().rev().copied().find(|t| days <= *t)
}

/// Days until the password expires, once within the warning period (the banner).
pub fn banner_days(
    password_changed_at: i64,
    temporary: bool,
    now: i64,
    rules: &Lifecycle,
) -> Option<i64> {
    if temporary {
        return None;
    }
    let days = days_left(password_changed_at + rules.password_max_age_secs, now);
    (days <= WARNING_DAYS[0]).then_some(days)
}

/// Emails every user whose password enters a new warning threshold. Answers how many were warned.
pub async fn send_warnings(
    db: &Db,
    rules: &Lifecycle,
    public_url: &url::Url,
    now: i64,
) -> Result<usize, sqlx::Error> {
    // Passwords that expire within the first threshold and have not expired yet.
    let rows = sqlx::query(
        "SELECT id, username, email, password_changed_at, expiry_warned_days FROM users \
         WHERE password_hash IS NOT NULL AND password_temporary = 0 AND disabled = 0 \
         AND password_changed_at <= $1 AND password_changed_at > $2",
    )
    .bind(now + WARNING_DAYS[0] * DAY - rules.password_max_age_secs)
    .bind(now - rules.password_max_age_secs)
    .fetch_all(&db.pool)
    .await?;
    let mut warned = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let changed_at: i64 = row.try_get("password_changed_at")?;
        let already: Option<i64> = row.try_get("expiry_warned_days")?;
        let expires_at = changed_at + rules.password_max_age_secs;
        let days = days_left(expires_at, now);
        let Some(threshold) = threshold(days) else {
            continue;
        };
        if already.is_some_and(|a| a <= threshold) {
            continue;
        }
        let username: String = row.try_get("username")?;
        let email: String = row.try_get("email")?;
        let message = Message::PasswordExpiring {
            username,
            days,
            expires_at,
            change_link: format!(
                "{}/account/password",
                public_url.as_str().trim_end_matches('/')
            ),
        };
        mail::enqueue(db, &email, &message, now).await?;
        crate::users::set_expiry_warned(db, id, threshold).await?;
        warned += 1;
    }
    Ok(warned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn days_round_up_and_stop_at_zero() {
        assert_eq!(days_left(NOW + 1, NOW), 1);
        assert_eq!(days_left(NOW + DAY, NOW), 1);
        assert_eq!(days_left(NOW + DAY + 1, NOW), 2);
        assert_eq!(days_left(NOW - 5, NOW), 0);
    }

    #[test]
    fn thresholds_are_fourteen_seven_and_one() {
        assert_eq!(threshold(15), None);
        assert_eq!(threshold(14), Some(14));
        assert_eq!(threshold(8), Some(14));
        assert_eq!(threshold(7), Some(7));
        assert_eq!(threshold(2), Some(7));
        assert_eq!(threshold(1), Some(1));
        assert_eq!(threshold(0), Some(1));
    }

    #[test]
    fn the_banner_shows_in_the_last_fourteen_days() {
        let rules = Lifecycle::default();
        let changed = NOW - 90 * DAY;
        assert_eq!(banner_days(changed + 15 * DAY, false, NOW, &rules), None);
        assert_eq!(
            banner_days(changed + 14 * DAY, false, NOW, &rules),
            Some(14)
        );
        assert_eq!(banner_days(changed + DAY, false, NOW, &rules), Some(1));
        assert_eq!(
            banner_days(changed + DAY, true, NOW, &rules),
            None,
            "temporary passwords have no banner"
        );
    }
}
