//! The sign-in state machine. A correct password (or later a passkey) creates a session in the stage
//! this module decides; each completed step asks it again. Nothing else moves a session forward.
//!
//! Order of the steps, and why:
//! 1. Second factor, if one is enrolled: prove possession before anything may change on the account
//!    (a stolen password alone must not be able to set a new password).
//! 2. Password change, if the password is temporary, expired, or the account was dormant.
//! 3. Two-factor enrolment, if it is mandatory for the user and none is enrolled (unless in grace).
//! 4. Full.
use app::types::{PasswordChangeReason, Stage};

/// What the state machine needs to know about the account at the moment of signing in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFacts {
    pub password_change: Option<PasswordChangeReason>,
    pub has_second_factor: bool,
    pub mfa_required: bool,
    pub in_mfa_grace: bool,
}

/// The steps already completed in this sign-in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub second_factor_done: bool,
    pub password_changed: bool,
    pub enrolled: bool,
}

pub fn next_stage(facts: &AccountFacts, done: Progress) -> Stage {
    if facts.has_second_factor && !done.second_factor_done {
        return Stage::SecondFactor;
    }
    if let Some(reason) = facts.password_change {
        if !done.password_changed {
            return Stage::PasswordChange(reason);
        }
    }
    if facts.mfa_required && !facts.has_second_factor && !facts.in_mfa_grace && !done.enrolled {
        return Stage::Enrollment;
    }
    Stage::Full
}

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

/// Why the password must change now, if it must. `last_sign_in_at` is the previous sign-in (before this one).
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
    fn a_plain_account_is_signed_in_at_once() {
        assert_eq!(
            next_stage(&AccountFacts::default(), Progress::default()),
            Stage::Full
        );
    }

    #[test]
    fn the_second_factor_comes_before_a_password_change() {
        let facts = AccountFacts {
            password_change: Some(Expired),
            has_second_factor: true,
            ..Default::default()
        };
        let mut done = Progress::default();
        assert_eq!(next_stage(&facts, done), Stage::SecondFactor);
        done.second_factor_done = true;
        assert_eq!(next_stage(&facts, done), Stage::PasswordChange(Expired));
        done.password_changed = true;
        assert_eq!(next_stage(&facts, done), Stage::Full);
    }

    #[test]
    fn mandatory_two_factor_without_a_factor_forces_enrolment_after_the_password_change() {
        let facts = AccountFacts {
            password_change: Some(Temporary),
            mfa_required: true,
            ..Default::default()
        };
        let mut done = Progress::default();
        assert_eq!(next_stage(&facts, done), Stage::PasswordChange(Temporary));
        done.password_changed = true;
        assert_eq!(next_stage(&facts, done), Stage::Enrollment);
        done.enrolled = true;
        assert_eq!(next_stage(&facts, done), Stage::Full);
    }

    #[test]
    fn a_grace_period_defers_mandatory_enrolment() {
        let facts = AccountFacts {
            mfa_required: true,
            in_mfa_grace: true,
            ..Default::default()
        };
        assert_eq!(next_stage(&facts, Progress::default()), Stage::Full);
    }

    #[test]
    fn mandatory_two_factor_with_a_factor_asks_for_it() {
        let facts = AccountFacts {
            mfa_required: true,
            has_second_factor: true,
            ..Default::default()
        };
        assert_eq!(next_stage(&facts, Progress::default()), Stage::SecondFactor);
        assert_eq!(
            next_stage(
                &facts,
                Progress {
                    second_factor_done: true,
                    ..Default::default()
                }
            ),
            Stage::Full
        );
    }

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
