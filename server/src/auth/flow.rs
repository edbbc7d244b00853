//! The sign-in flow as one explicit type: stage × event → stage, and what each stage may do.
//!
//! A correct password (or a passkey) starts a session in the stage `start` decides; each completed step
//! is an event that `advance` turns into the next stage. Nothing else moves a session forward. The
//! facts the flow decides on are gathered in one place (`Facts::gather`; `Facts::given` when the
//! sign-in's claim already counted the second factors).
//!
//! Order of the steps, and why:
//! 1. Second factor, if one is enrolled: prove possession before anything may change on the account
//!    (a stolen password alone must not be able to set a new password).
//! 2. Password change, if the password is temporary, expired, or the account was dormant.
//! 3. Two-factor enrolment, if it is mandatory for the user and none is enrolled (unless in grace).
//! 4. Full.
use app::types::{PasswordChangeReason, Stage};

pub use super::lifecycle::{password_change_reason, Lifecycle, MfaPolicy};
use crate::db::Conn;
use crate::users::User;

/// What the flow needs to know about the account at the moment of a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub password_change: Option<PasswordChangeReason>,
    pub has_second_factor: bool,
    pub mfa_required: bool,
    pub in_mfa_grace: bool,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The password was right. `trusted_browser`: this browser skips the second step.
    PasswordVerified { trusted_browser: bool },
    /// A passkey with user verification: possession and inherence, both factors at once.
    PasskeyVerified,
    /// A second factor (app code, passkey, SMS or email code, backup code) was accepted.
    SecondFactorVerified,
    /// The required new password was set.
    PasswordChanged,
    /// The mandatory first factor was enrolled.
    FactorEnrolled,
}

/// The steps done in this sign-in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Progress {
    second_factor: bool,
    password_changed: bool,
    enrolled: bool,
}

/// What a session at some stage may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Answer the second step (codes, passkey, sending a code, asking for recovery).
    AnswerSecondFactor,
    /// Set a new password (forced, or from the menu).
    ChangePassword,
    /// Learn whose password is being changed (for the checklist).
    ReadOwner,
    /// Enrol a second factor.
    Enrol,
    /// Confirm identity for a sensitive change.
    ConfirmIdentity,
    /// Everything an account can do once signed in.
    UseAccount,
    SignOut,
}

/// An event the current stage does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event:?} is not possible at {stage:?}")]
pub struct NotNow {
    pub stage: Stage,
    pub event: Event,
}

/// Whether a session at `stage` may do `what`.
pub fn allows(stage: Stage, what: Capability) -> bool {
    use Capability::*;
    match stage {
        Stage::SecondFactor => matches!(what, AnswerSecondFactor | SignOut),
        Stage::PasswordChange(_) => matches!(what, ChangePassword | ReadOwner | SignOut),
        Stage::Enrollment => matches!(what, Enrol | ConfirmIdentity | ReadOwner | SignOut),
        Stage::Full => what != AnswerSecondFactor,
    }
}

/// The first stage of a new session.
pub fn start(facts: &Facts, event: Event) -> Result<Stage, NotNow> {
    let progress = match event {
        Event::PasswordVerified { trusted_browser } => Progress {
            second_factor: trusted_browser && facts.has_second_factor,
            ..Progress::default()
        },
        Event::PasskeyVerified => Progress {
            second_factor: true,
            ..Progress::default()
        },
        other => {
            return Err(NotNow {
                stage: Stage::SecondFactor,
                event: other,
            })
        }
    };
    Ok(decide(facts, progress))
}

/// The stage after `event` happened at `stage`. The steps a stage implies are done; the facts are the
/// account's as they are now.
pub fn advance(stage: Stage, facts: &Facts, event: Event) -> Result<Stage, NotNow> {
    let not_now = Err(NotNow { stage, event });
    let progress = match (stage, event) {
        (Stage::SecondFactor, Event::SecondFactorVerified | Event::PasskeyVerified) => Progress {
            second_factor: true,
            ..Progress::default()
        },
        (Stage::PasswordChange(_), Event::PasswordChanged) => Progress {
            second_factor: true,
            password_changed: true,
            enrolled: false,
        },
        (Stage::Enrollment, Event::FactorEnrolled) => Progress {
            second_factor: true,
            password_changed: true,
            enrolled: true,
        },
        _ => return not_now,
    };
    Ok(decide(facts, progress))
}

fn decide(facts: &Facts, done: Progress) -> Stage {
    if facts.has_second_factor && !done.second_factor {
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

impl Facts {
    /// Everything the flow decides on, read once. The first time a mandatory policy with a grace period
    /// meets this user without a factor, the countdown starts (recorded once, whoever gets there first).
    pub async fn gather(
        conn: &mut Conn,
        user: &User,
        rules: &Lifecycle,
        mfa: &MfaPolicy,
        now: i64,
    ) -> Result<Facts, sqlx::Error> {
        let has_second_factor = crate::auth::factor::has_confirmed(conn, user.id).await?;
        Facts::given(conn, user, has_second_factor, rules, mfa, now).await
    }

    /// The same, with whether the account has a confirmed second factor already read (in the statement
    /// that claimed a sign-in attempt, say).
    pub async fn given(
        conn: &mut Conn,
        user: &User,
        has_second_factor: bool,
        rules: &Lifecycle,
        mfa: &MfaPolicy,
        now: i64,
    ) -> Result<Facts, sqlx::Error> {
        let mfa_required = mfa.required_for(user);
        let mut grace_until = user.mfa_grace_until;
        if mfa_required && !has_second_factor && grace_until.is_none() {
            if let Some(grace) = mfa.grace_secs {
                grace_until =
                    Some(crate::users::start_mfa_grace(conn, user.id, now + grace).await?);
            }
        }
        Ok(Facts {
            password_change: password_change_reason(
                user.password_temporary,
                user.password_changed_at,
                user.last_sign_in_at,
                now,
                rules,
            ),
            has_second_factor,
            mfa_required,
            in_mfa_grace: grace_until.is_some_and(|until| now < until),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordChangeReason::*;

    fn facts(
        change: Option<PasswordChangeReason>,
        factor: bool,
        required: bool,
        grace: bool,
    ) -> Facts {
        Facts {
            password_change: change,
            has_second_factor: factor,
            mfa_required: required,
            in_mfa_grace: grace,
        }
    }

    const PASSWORD: Event = Event::PasswordVerified {
        trusted_browser: false,
    };
    const TRUSTED: Event = Event::PasswordVerified {
        trusted_browser: true,
    };

    /// The whole table: (facts, the event that starts the session, then each event in turn) and the
    /// stages the flow goes through.
    #[test]
    fn the_table_of_transitions() {
        use Event::*;
        use Stage::*;
        let cases: Vec<(Facts, Event, Vec<Event>, Vec<Stage>)> = vec![
            // A plain account is signed in at once, by password or by passkey.
            (
                facts(None, false, false, false),
                PASSWORD,
                vec![],
                vec![Full],
            ),
            (
                facts(None, false, false, false),
                PasskeyVerified,
                vec![],
                vec![Full],
            ),
            // A second factor is asked; a trusted browser or a passkey skips it.
            (
                facts(None, true, false, false),
                PASSWORD,
                vec![SecondFactorVerified],
                vec![SecondFactor, Full],
            ),
            (facts(None, true, false, false), TRUSTED, vec![], vec![Full]),
            (
                facts(None, true, false, false),
                PasskeyVerified,
                vec![],
                vec![Full],
            ),
            // A trusted-browser cookie means nothing without a factor to skip.
            (
                facts(None, false, true, false),
                TRUSTED,
                vec![FactorEnrolled],
                vec![Enrollment, Full],
            ),
            // The second factor comes before a password change.
            (
                facts(Some(Expired), true, false, false),
                PASSWORD,
                vec![SecondFactorVerified, PasswordChanged],
                vec![SecondFactor, PasswordChange(Expired), Full],
            ),
            // A passkey sign-in still changes an expired password.
            (
                facts(Some(Expired), true, false, false),
                PasskeyVerified,
                vec![PasswordChanged],
                vec![PasswordChange(Expired), Full],
            ),
            // Mandatory 2FA without a factor: enrolment after the password change.
            (
                facts(Some(Temporary), false, true, false),
                PASSWORD,
                vec![PasswordChanged, FactorEnrolled],
                vec![PasswordChange(Temporary), Enrollment, Full],
            ),
            // A grace period defers the enrolment.
            (facts(None, false, true, true), PASSWORD, vec![], vec![Full]),
            // Mandatory with a factor: just the second step.
            (
                facts(None, true, true, false),
                PASSWORD,
                vec![SecondFactorVerified],
                vec![SecondFactor, Full],
            ),
            // A dormant account with a factor.
            (
                facts(Some(Dormant), true, false, false),
                PASSWORD,
                vec![SecondFactorVerified, PasswordChanged],
                vec![SecondFactor, PasswordChange(Dormant), Full],
            ),
        ];
        for (f, first, events, stages) in cases {
            let mut stage = start(&f, first).unwrap();
            let mut seen = vec![stage];
            for e in &events {
                stage = advance(stage, &f, *e).unwrap();
                seen.push(stage);
            }
            assert_eq!(seen, stages, "{f:?} starting with {first:?}");
        }
    }

    #[test]
    fn a_stage_refuses_events_that_are_not_its_own() {
        let f = facts(Some(Expired), true, true, false);
        for (stage, event) in [
            (Stage::Full, Event::SecondFactorVerified),
            (Stage::Full, Event::PasswordChanged),
            (Stage::SecondFactor, Event::PasswordChanged),
            (Stage::SecondFactor, Event::FactorEnrolled),
            (Stage::PasswordChange(Expired), Event::SecondFactorVerified),
            (Stage::Enrollment, Event::PasswordChanged),
            (Stage::Enrollment, Event::SecondFactorVerified),
        ] {
            assert_eq!(advance(stage, &f, event), Err(NotNow { stage, event }));
        }
        assert!(start(&f, Event::SecondFactorVerified).is_err());
    }

    #[test]
    fn what_each_stage_may_do() {
        use Capability::*;
        let all = [
            AnswerSecondFactor,
            ChangePassword,
            ReadOwner,
            Enrol,
            ConfirmIdentity,
            UseAccount,
            SignOut,
        ];
        let table = [
            (Stage::SecondFactor, vec![AnswerSecondFactor, SignOut]),
            (
                Stage::PasswordChange(Temporary),
                vec![ChangePassword, ReadOwner, SignOut],
            ),
            (
                Stage::Enrollment,
                vec![ReadOwner, Enrol, ConfirmIdentity, SignOut],
            ),
            (
                Stage::Full,
                vec![
                    ChangePassword,
                    ReadOwner,
                    Enrol,
                    ConfirmIdentity,
                    UseAccount,
                    SignOut,
                ],
            ),
        ];
        for (stage, allowed) in table {
            for what in all {
                assert_eq!(
                    allows(stage, what),
                    allowed.contains(&what),
                    "{stage:?} {what:?}"
                );
            }
        }
    }
}
