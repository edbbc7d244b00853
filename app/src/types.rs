//! Types shared by the browser and the server: what server functions take and return.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a user may do. `Authorized` users also see account and payout details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Authorized,
    User,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Authorized, Role::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Authorized => "authorized",
            Role::User => "user",
        }
    }

    /// Admins are authorized for everything an authorized user sees.
    pub fn sees_account_details(self) -> bool {
        matches!(self, Role::Admin | Role::Authorized)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown role '{s}': expected admin, authorized or user"))
    }
}

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

/// Where a session stands in the sign-in state machine. Only `Full` may use the account; every other
/// stage is a *partial* session that can do nothing but its next step. The server alone moves a session
/// from one stage to the next.
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
            Stage::PasswordChange(_) => "/login/change-password",
            Stage::SecondFactor => "/login/verify",
            Stage::Enrollment => "/login/enroll",
            Stage::Full => "/",
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

/// The signed-in person as the pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub stage: Stage,
    /// Seconds of inactivity after which the server ends the session.
    pub idle_timeout_secs: u64,
    /// Days until the password must be changed, once that is 14 days or fewer.
    pub password_expires_in_days: Option<i64>,
    /// Days left to set up two-factor authentication, when it is mandatory and in its grace period.
    pub two_factor_grace_days: Option<i64>,
}

/// What the page should show about the visitor's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    Anonymous,
    /// The browser carried a session that has ended (inactivity or absolute cap).
    Expired,
    Active(Viewer),
}

/// The answer to a correct password: where the browser goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInStep {
    pub stage: Stage,
    pub next: String,
}

/// One of the user's sessions, for the sessions & devices list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// An opaque public identifier (never the token).
    pub id: String,
    pub current: bool,
    pub browser: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// What an emailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// Forgot password: choose a new one.
    Reset,
    /// Invitation: choose the first one.
    Invite,
    /// Unlock an account locked by wrong passwords.
    Unlock,
}

/// Whose account an emailed link opens (the holder of the link read it in that account's email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub username: String,
    pub email: String,
}

/// One message of the developer mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub id: i64,
    pub at: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The kinds of second factor. Every kind shares the challenge, the settings page and the tables; the
/// server says which it offers (`SecurityOverview::available_methods`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FactorKind {
    Totp,
    Passkey,
    Sms,
    Email,
}

impl FactorKind {
    pub const ALL: [FactorKind; 4] = [
        FactorKind::Totp,
        FactorKind::Passkey,
        FactorKind::Sms,
        FactorKind::Email,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            FactorKind::Totp => "totp",
            FactorKind::Passkey => "passkey",
            FactorKind::Sms => "sms",
            FactorKind::Email => "email",
        }
    }

    pub fn from_db(s: &str) -> Option<FactorKind> {
        FactorKind::ALL.into_iter().find(|k| k.as_db() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            FactorKind::Totp => "Authenticator app",
            FactorKind::Passkey => "Passkey, fingerprint or security key",
            FactorKind::Sms => "Text message (SMS)",
            FactorKind::Email => "Email code",
        }
    }

    /// What the challenge page asks for.
    pub fn prompt(self) -> &'static str {
        match self {
            FactorKind::Totp => "Enter the 6-digit code from your authenticator app.",
            FactorKind::Passkey => "Use your passkey, fingerprint or security key.",
            FactorKind::Sms => "Enter the code we sent to your phone.",
            FactorKind::Email => "Enter the code we sent to your email address.",
        }
    }
}

/// One enrolled second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorView {
    pub id: i64,
    pub kind: FactorKind,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A browser where the second step is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedBrowserView {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub current: bool,
}

/// Everything the security & sign-in settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityOverview {
    pub factors: Vec<FactorView>,
    pub default_factor: Option<FactorKind>,
    /// The kinds this server can enrol now.
    pub available_methods: Vec<FactorKind>,
    pub backup_codes_remaining: i64,
    pub trusted_browsers: Vec<TrustedBrowserView>,
    pub mfa_required: bool,
    /// Seconds left in which factor changes need no new password confirmation.
    pub password_confirmed_secs_left: i64,
}

/// A TOTP secret waiting for its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetup {
    pub factor_id: i64,
    /// Base32 in groups of four, for typing into the app.
    pub setup_key: String,
    pub otpauth_uri: String,
    /// The otpauth URI as a QR code (an SVG document made by the server).
    pub qr_svg: String,
}

/// A factor just enrolled: the backup codes when it was the first one (shown once), and where to go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub backup_codes: Vec<String>,
    pub next: String,
}

/// What the second-step page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeInfo {
    /// The user's methods, default first.
    pub methods: Vec<FactorKind>,
    pub backup_codes_remaining: i64,
    /// How long "don't ask again on this browser" lasts.
    pub trust_days: i64,
}
