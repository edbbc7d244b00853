//! Emailed links, the developer mailbox, and the account's own details.
use serde::{Deserialize, Serialize};

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
    /// The text part; empty once the message was sent (sent bodies are not kept).
    pub body: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}
