//! The account rules the flow decides on: how long passwords last, and when two-step verification is
//! mandatory.
use app::types::PasswordChangeReason;

use crate::users::User;

/// Password-age rules.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle {
    pub password_max_age_secs: i64,
    pub dormancy_secs: i64,
    pub temporary_lifetime_secs: i64,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle::from(&crate::config::SiteArgs::default())
    }
}

impl From<&crate::config::SiteArgs> for Lifecycle {
    fn from(site: &crate::config::SiteArgs) -> Self {
        Lifecycle {
            password_max_age_secs: site.password_max_age.as_secs() as i64,
            dormancy_secs: site.dormancy_period.as_secs() as i64,
            temporary_lifetime_secs: site.temporary_password_lifetime.as_secs() as i64,
        }
    }
}

/// Mandatory two-factor authentication for everyone, and the grace period to set it up.
#[derive(Debug, Clone, Copy, Default)]
pub struct MfaPolicy {
    pub required_for_all: bool,
    pub grace_secs: Option<i64>,
}

impl MfaPolicy {
    /// Whether two-factor authentication is mandatory for the user (their flag, or for everyone).
    pub fn required_for(&self, user: &User) -> bool {
        user.mfa_required || self.required_for_all
    }
}

/// Why the password must change now, if it must. `last_sign_in_at` is the previous completed sign-in.
pub fn password_change_reason(
    temporary: bool,
    password_changed_at: i64,
    last_sign_in_at: Option<i64>,
    now: i64,
    rules: &Lifecycle,
) -> Option<PasswordChangeReason> {
    if temporary {
        Some(PasswordChangeReason::Temporary)
    } else if now - password_changed_at >= rules.password_max_age_secs {
        Some(PasswordChangeReason::Expired)
    } else if last_sign_in_at.is_some_and(|last| now - last >= rules.dormancy_secs) {
        Some(PasswordChangeReason::Dormant)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordChangeReason::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn password_change_reasons_follow_the_clock() {
        let rules = Lifecycle::default();
        assert_eq!(
            password_change_reason(true, NOW, None, NOW, &rules),
            Some(Temporary)
        );
        assert_eq!(
            password_change_reason(false, NOW - 90 * DAY + 1, Some(NOW - DAY), NOW, &rules),
            None
        );
        assert_eq!(
            password_change_reason(false, NOW - 90 * DAY, Some(NOW - DAY), NOW, &rules),
            Some(Expired)
        );
        assert_eq!(
            password_change_reason(false, NOW - DAY, Some(NOW - 30 * DAY + 1), NOW, &rules),
            None
        );
        assert_eq!(
            password_change_reason(false, NOW - DAY, Some(NOW - 30 * DAY), NOW, &rules),
            Some(Dormant)
        );
        // Never signed in: not dormant (a new account's first sign-in).
        assert_eq!(
            password_change_reason(false, NOW - DAY, None, NOW, &rules),
            None
        );
    }
}
