//! Sessions and the sign-in stages.
use super::{Locale, Role};
use crate::routes;
use serde::{Deserialize, Serialize};

/// Why the password must be changed before anything else works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordChangeReason {
    /// Set by an administrator or an invitation: must be replaced at first sign-in.
    Temporary,
    /// Older than the password lifetime (90 days by default).
    Expired,
    /// No sign-in for longer than the dormancy period (30 days by default).
    Dormant,
}

/// Where a session stands in the sign-in flow. Only `Full` may use the account; every other stage is a
/// *partial* session that can do nothing but its next step. The server alone moves a session on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// The password must be changed (temporary, expired, dormant account).
    PasswordChange(PasswordChangeReason),
    /// A second factor is enrolled and must be presented.
    SecondFactor,
    /// Two-factor authentication is mandatory for this user and none is enrolled yet.
    Enrollment,
    /// Signed in.
    Full,
}

impl Stage {
    /// The page that serves this stage.
    pub fn path(self) -> &'static str {
        match self {
            Stage::PasswordChange(_) => routes::CHANGE_PASSWORD_NOW,
            Stage::SecondFactor => routes::VERIFY,
            Stage::Enrollment => routes::ENROLL,
            Stage::Full => routes::HOME,
        }
    }

    pub fn is_full(self) -> bool {
        matches!(self, Stage::Full)
    }

    /// The stable text stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Stage::PasswordChange(PasswordChangeReason::Temporary) => "password_change:temporary",
            Stage::PasswordChange(PasswordChangeReason::Expired) => "password_change:expired",
            Stage::PasswordChange(PasswordChangeReason::Dormant) => "password_change:dormant",
            Stage::SecondFactor => "second_factor",
            Stage::Enrollment => "enrollment",
            Stage::Full => "full",
        }
    }

    pub fn from_db(s: &str) -> Option<Stage> {
        Some(match s {
            "password_change:temporary" => Stage::PasswordChange(PasswordChangeReason::Temporary),
            "password_change:expired" => Stage::PasswordChange(PasswordChangeReason::Expired),
            "password_change:dormant" => Stage::PasswordChange(PasswordChangeReason::Dormant),
            "second_factor" => Stage::SecondFactor,
            "enrollment" => Stage::Enrollment,
            "full" => Stage::Full,
            _ => return None,
        })
    }
}

/// The signed-in person as the pages see them (only ever for a full session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub stage: Stage,
    pub locale: Locale,
    /// Seconds of inactivity after which the server ends the session.
    pub idle_timeout_secs: u64,
    /// Days until the password must be changed, once that is 14 days or fewer.
    pub password_expires_in_days: Option<i64>,
    /// Days left to set up two-factor authentication, when it is mandatory and in its grace period.
    pub two_factor_grace_days: Option<i64>,
}

/// What the page should show about the visitor's session. A partial session learns only its next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    Anonymous,
    /// The browser carried a session that has ended (inactivity or absolute cap).
    Expired,
    /// A sign-in still owes a step: only which one.
    Partial(Stage),
    Active(Viewer),
}

/// The answer to a completed step: where the browser goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInStep {
    pub stage: Stage,
    pub next: String,
    /// Set when a code was accepted after re-synchronising with a device clock that is off by this
    /// many 30-second steps (positive: ahead), so the person can fix their device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_drift_steps: Option<i64>,
}

impl SignInStep {
    pub fn to(stage: Stage) -> SignInStep {
        SignInStep {
            stage,
            next: stage.path().to_string(),
            clock_drift_steps: None,
        }
    }
}

/// One of the user's sessions, for the sessions & devices list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// An opaque public identifier (never the token).
    pub id: String,
    pub current: bool,
    pub browser: String,
    pub os: String,
    pub ip: String,
    /// Approximate location (city, country) when the server has a location database.
    pub location: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}
