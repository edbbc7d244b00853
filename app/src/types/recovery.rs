//! Recovery when every sign-in method is lost: the owner's request, as the back office sees it.
use serde::{Deserialize, Serialize};

/// The longest text a recovery request may carry.
pub const RECOVERY_STATEMENT_MAX: usize = 2000;
/// The longest verification method or reference an administrator may record.
pub const VERIFICATION_FIELD_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecoveryStatus {
    /// Waiting for an administrator.
    Open,
    /// Approved: takes effect at `effective_at` unless the owner cancels it.
    Approved,
    Cancelled,
    Rejected,
    /// Every method was removed.
    Completed,
}

impl RecoveryStatus {
    pub fn as_db(self) -> &'static str {
        match self {
            RecoveryStatus::Open => "open",
            RecoveryStatus::Approved => "approved",
            RecoveryStatus::Cancelled => "cancelled",
            RecoveryStatus::Rejected => "rejected",
            RecoveryStatus::Completed => "completed",
        }
    }

    pub fn from_db(text: &str) -> Option<RecoveryStatus> {
        [
            RecoveryStatus::Open,
            RecoveryStatus::Approved,
            RecoveryStatus::Cancelled,
            RecoveryStatus::Rejected,
            RecoveryStatus::Completed,
        ]
        .into_iter()
        .find(|s| s.as_db() == text)
    }
}

/// One request, as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// What the owner said about the account.
    pub statement: String,
    pub created_at: i64,
    pub ip: String,
    pub browser: String,
    pub status: RecoveryStatus,
    pub verification_method: Option<String>,
    pub verification_reference: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub effective_at: Option<i64>,
}
