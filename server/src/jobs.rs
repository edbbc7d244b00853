//! Background jobs: password expiry warnings (a banner and an email 14, 7 and 1 days before the
//! password expires) and the periodic clean-up.
use std::sync::Arc;
use std::time::Duration;

use crate::auth::flow::Lifecycle;
use crate::auth::{email_links, rate_limit, session, trusted_browser};
use crate::notify::{outbox, Message, Recipient};
use crate::services::Core;
use crate::users;

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

/// Emails every user whose password enters a new warning threshold. The threshold is claimed with one
/// conditional statement in the transaction that queues the email, so of several server instances
/// exactly one warns. Answers how many were warned.
pub async fn send_warnings(core: &Core) -> Result<usize, sqlx::Error> {
    let now = core.now();
    let rules = &core.settings.lifecycle;
    let mut conn = core.db.conn().await?;
    let candidates = users::expiring(
        &mut conn,
        rules.password_max_age_secs,
        WARNING_DAYS[0] * DAY,
        now,
    )
    .await?;
    drop(conn);
    let mut warned = 0;
    for user in candidates {
        let expires_at = user.password_changed_at + rules.password_max_age_secs;
        let days = days_left(expires_at, now);
        let Some(threshold) = threshold(days) else {
            continue;
        };
        if user.expiry_warned_days.is_some_and(|a| a <= threshold) {
            continue;
        }
        let mut tx = core.db.begin().await?;
        if !users::claim_expiry_warning(&mut tx, user.id, threshold, user.password_changed_at)
            .await?
        {
            continue;
        }
        let message = Message::PasswordExpiring {
            days,
            expires_at,
            change_link: core.link(app::routes::ACCOUNT_PASSWORD),
        };
        core.notifier
            .email(&mut tx, &Recipient::of(&user), &message, now)
            .await?;
        tx.commit().await?;
        warned += 1;
    }
    Ok(warned)
}

/// How long sent email and audit entries are kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub outbox_secs: i64,
    pub audit_secs: i64,
}

/// Removes what can no longer be used: ended sessions, spent links, old counters, expired trusted
/// browsers, sent email past its retention, audit entries past theirs.
pub async fn cleanup(core: &Core, retention: Retention) -> Result<(), sqlx::Error> {
    let now = core.now();
    let mut conn = core.db.conn().await?;
    session::purge_ended(&mut conn, &core.settings.sessions, now).await?;
    email_links::purge(&mut conn, now).await?;
    rate_limit::purge(&mut conn, now).await?;
    trusted_browser::purge(&mut conn, now).await?;
    crate::auth::devices::purge(&mut conn, now).await?;
    crate::auth::factor::passkey::ceremony::purge(&mut conn, now).await?;
    crate::auth::factor::otp::purge(&mut conn, now).await?;
    outbox::purge(&mut conn, now, retention.outbox_secs).await?;
    crate::audit::purge(&mut conn, now, retention.audit_secs).await?;
    Ok(())
}

/// Runs the periodic jobs until the process ends: expiry warnings every hour, clean-up every minute.
pub async fn run(core: Arc<Core>, retention: Retention) {
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    let mut ticks: u64 = 0;
    loop {
        minute.tick().await;
        if ticks.is_multiple_of(60) {
            match send_warnings(&core).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(users = n, "password expiry warnings queued"),
                Err(e) => tracing::warn!(error = %e, "could not send password expiry warnings"),
            }
        }
        if let Err(e) = cleanup(&core, retention).await {
            tracing::warn!(error = %e, "periodic clean-up failed");
        }
        match crate::services::devices::send_unfinished_alerts(&core).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(alerts = n, "unfinished sign-ins reported to their owners"),
            Err(e) => tracing::warn!(error = ?e, "could not report unfinished sign-ins"),
        }
        match crate::services::recovery::complete_due(&core).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(requests = n, "approved recoveries took effect"),
            Err(e) => tracing::warn!(error = ?e, "could not complete approved recoveries"),
        }
        ticks += 1;
    }
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
