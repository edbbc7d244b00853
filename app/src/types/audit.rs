//! The audit log as people read it: their own activity, and everyone's in the back office.
use serde::{Deserialize, Serialize};

/// Entries per page of the audit log.
pub const AUDIT_PER_PAGE: u32 = 50;

/// One recorded event. `event` is its stable name (`sign_in.completed`); pages show its description
/// from the catalogue (`event_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub event: String,
    /// Who acted (None: the system, the command line or an anonymous visitor).
    pub actor: Option<String>,
    /// Whose account it concerns.
    pub subject: Option<String>,
    pub ip: String,
    pub browser: String,
    /// What the event recorded (JSON; never a secret).
    pub detail: String,
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    /// From 0.
    pub page: u32,
    pub per_page: u32,
    /// Every event name, for the filter.
    pub events: Vec<String>,
}

impl AuditPage {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per).unwrap_or(u32::MAX)
    }
}

/// The catalogue key describing an event: `sign_in.completed` → `audit.event_sign_in_completed`.
pub fn event_key(event: &str) -> String {
    format!("audit.event_{}", event.replace('.', "_"))
}
