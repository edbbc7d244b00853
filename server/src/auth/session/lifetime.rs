//! How long sessions live: inactivity, the absolute cap, and the shorter lives of half-finished
//! sign-ins.
use app::types::Stage;
use std::time::Duration;

use super::SessionRow;

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Without activity for this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, active or not.
    pub absolute: Duration,
    /// A session that owes the second step or a password change ends this long after sign-in.
    pub partial: Duration,
    /// A session at the mandatory enrolment ends this long after sign-in (setting up an authenticator
    /// app can take a while: no inactivity limit applies at that stage).
    pub enrollment: Duration,
}

impl SessionPolicy {
    /// How stale the recorded activity may be: a fifteenth of the inactivity limit, at most a minute.
    pub fn touch_interval_secs(&self) -> i64 {
        (self.idle.as_secs() as i64 / 15).min(60)
    }
}

/// Whether a session may still be used at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live,
    /// No activity for longer than the inactivity timeout.
    Idle,
    /// Past the absolute cap, active or not.
    PastCap,
    /// A partial session (a sign-in step still owed) older than its short lifetime.
    PartialTimedOut,
}

pub fn liveness(row: &SessionRow, now: i64, policy: &SessionPolicy) -> Liveness {
    let age = now - row.created_at;
    if now >= row.expires_at {
        Liveness::PastCap
    } else if row.stage == Stage::Enrollment {
        if age >= policy.enrollment.as_secs() as i64 {
            Liveness::PartialTimedOut
        } else {
            Liveness::Live
        }
    } else if !row.stage.is_full() && age >= policy.partial.as_secs() as i64 {
        Liveness::PartialTimedOut
    } else if now - row.last_seen_at >= policy.idle.as_secs() as i64 {
        Liveness::Idle
    } else {
        Liveness::Live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    fn policy() -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(15 * 60),
            absolute: Duration::from_secs(12 * 3600),
            partial: Duration::from_secs(10 * 60),
            enrollment: Duration::from_secs(3600),
        }
    }

    fn row(stage: Stage) -> SessionRow {
        SessionRow {
            id: 1,
            public_id: "p".into(),
            user_id: 1,
            stage,
            created_at: T0,
            last_seen_at: T0,
            expires_at: T0 + 12 * 3600,
            reauthenticated_at: T0,
            ip: String::new(),
            user_agent: String::new(),
            device_hash: String::new(),
        }
    }

    #[test]
    fn a_session_ends_after_fifteen_idle_minutes() {
        let s = row(Stage::Full);
        assert_eq!(liveness(&s, T0 + 15 * 60 - 1, &policy()), Liveness::Live);
        assert_eq!(liveness(&s, T0 + 15 * 60, &policy()), Liveness::Idle);
    }

    #[test]
    fn activity_keeps_a_session_alive_until_the_absolute_cap() {
        let mut s = row(Stage::Full);
        s.last_seen_at = T0 + 12 * 3600 - 60;
        assert_eq!(liveness(&s, T0 + 12 * 3600 - 1, &policy()), Liveness::Live);
        assert_eq!(liveness(&s, T0 + 12 * 3600, &policy()), Liveness::PastCap);
    }

    #[test]
    fn a_partial_session_lasts_ten_minutes_however_active() {
        let mut s = row(Stage::SecondFactor);
        s.last_seen_at = T0 + 9 * 60;
        assert_eq!(liveness(&s, T0 + 10 * 60 - 1, &policy()), Liveness::Live);
        assert_eq!(
            liveness(&s, T0 + 10 * 60, &policy()),
            Liveness::PartialTimedOut
        );
    }

    #[test]
    fn the_mandatory_enrolment_may_take_its_time() {
        let s = row(Stage::Enrollment);
        assert_eq!(liveness(&s, T0 + 20 * 60, &policy()), Liveness::Live);
        assert_eq!(
            liveness(&s, T0 + 3600, &policy()),
            Liveness::PartialTimedOut
        );
    }

    #[test]
    fn activity_is_recorded_at_most_once_a_minute() {
        assert_eq!(policy().touch_interval_secs(), 60);
        let short = SessionPolicy {
            idle: Duration::from_secs(3),
            ..policy()
        };
        assert_eq!(
            short.touch_interval_secs(),
            0,
            "a 3-second limit records every request"
        );
    }
}
