//! Second factors, the second step, and the security settings.
use serde::{Deserialize, Serialize};

/// The kinds of enrolled second factor.
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

    /// The catalogue key of the method's name.
    pub fn name_key(self) -> &'static str {
        Method::Factor(self).name_key()
    }
}

/// A way to pass the second step: one of the enrolled factors, or a backup code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    Totp,
    Passkey,
    Sms,
    Email,
    BackupCode,
}

impl Method {
    #[allow(non_snake_case)]
    pub const fn Factor(kind: FactorKind) -> Method {
        match kind {
            FactorKind::Totp => Method::Totp,
            FactorKind::Passkey => Method::Passkey,
            FactorKind::Sms => Method::Sms,
            FactorKind::Email => Method::Email,
        }
    }

    pub fn factor(self) -> Option<FactorKind> {
        match self {
            Method::Totp => Some(FactorKind::Totp),
            Method::Passkey => Some(FactorKind::Passkey),
            Method::Sms => Some(FactorKind::Sms),
            Method::Email => Some(FactorKind::Email),
            Method::BackupCode => None,
        }
    }

    pub fn as_db(self) -> &'static str {
        match self {
            Method::BackupCode => "backup_code",
            other => other
                .factor()
                .map(FactorKind::as_db)
                .unwrap_or("backup_code"),
        }
    }

    /// Catalogue keys: the method's name and what the second-step page asks for.
    pub fn name_key(self) -> &'static str {
        match self {
            Method::Totp => "method.totp.name",
            Method::Passkey => "method.passkey.name",
            Method::Sms => "method.sms.name",
            Method::Email => "method.email.name",
            Method::BackupCode => "method.backup_code.name",
        }
    }

    pub fn prompt_key(self) -> &'static str {
        match self {
            Method::Totp => "method.totp.prompt",
            Method::Passkey => "method.passkey.prompt",
            Method::Sms => "method.sms.prompt",
            Method::Email => "method.email.prompt",
            Method::BackupCode => "method.backup_code.prompt",
        }
    }

    /// Methods answered by typing a code (passkeys answer with the authenticator).
    pub fn takes_code(self) -> bool {
        self != Method::Passkey
    }

    /// Methods whose code the server sends (and can send again).
    pub fn is_sent(self) -> bool {
        matches!(self, Method::Sms | Method::Email)
    }
}

/// What kind of authenticator holds a passkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasskeyKind {
    /// Backed up to the person's account (iCloud Keychain, Google Password Manager…).
    Synced,
    /// Bound to this device's platform authenticator (fingerprint, face, PIN).
    ThisDevice,
    /// A hardware security key.
    SecurityKey,
}

/// One enrolled second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorView {
    pub id: i64,
    pub kind: FactorKind,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Passkeys: which kind of authenticator, and whether it can sign in without a password.
    pub passkey: Option<PasskeyKind>,
    pub passwordless: bool,
    /// SMS and email codes: where the code goes, masked (`+33 •• •• •• 42`, `a•••@example.com`).
    pub destination: Option<String>,
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

/// What the mandatory enrolment offers (a session at that stage cannot read the security overview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentOptions {
    /// The kinds this server can enrol now, as in `SecurityOverview::available_methods`.
    pub available_methods: Vec<FactorKind>,
    pub email_masked: String,
    pub email_verified: bool,
}

/// Everything the security & sign-in settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityOverview {
    pub factors: Vec<FactorView>,
    pub default_method: Option<Method>,
    /// The kinds this server can enrol now (SMS only when a provider is configured).
    pub available_methods: Vec<FactorKind>,
    pub backup_codes_remaining: i64,
    pub trusted_browsers: Vec<TrustedBrowserView>,
    pub mfa_required: bool,
    /// Seconds left in which factor changes need no new confirmation of identity.
    pub reauthenticated_secs_left: i64,
    /// Whether confirming identity needs a second factor too (the user has one).
    pub reauth_needs_second_factor: bool,
    /// The methods that can confirm identity (the user's, default first).
    pub reauth_methods: Vec<Method>,
    /// The account's email, masked, and whether it is verified (email codes need that).
    pub email_masked: String,
    pub email_verified: bool,
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
    /// The user's methods, default first (backup codes last, when any remain).
    pub methods: Vec<Method>,
    pub backup_codes_remaining: i64,
    /// How long "don't ask again on this browser" lasts.
    pub trust_days: i64,
    /// Where sent codes go, masked, per method (SMS, email).
    pub destinations: Vec<(Method, String)>,
}

/// A code that was just sent (email or text message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    pub method: Method,
    /// Where it went, masked.
    pub destination: String,
    /// Minutes the code stays valid.
    pub valid_minutes: i64,
    /// Seconds before another code may be sent.
    pub resend_after_secs: i64,
}

/// A phone being added: the code sent to it, waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSetup {
    pub factor_id: i64,
    pub sent: CodeSent,
}
