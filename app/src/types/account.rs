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
    /// "This wasn't me" in a new-device email.
    NotMe,
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

/// Payout details as the page shows them: masked (the full values never reach the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutView {
    /// None until the user enters them.
    pub details: Option<MaskedPayout>,
    /// Seconds left of the confirmation of identity that opened them.
    pub reauthenticated_secs_left: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedPayout {
    pub holder: String,
    pub iban: String,
    pub bic: String,
    pub updated_at: i64,
}

/// A still-valid link that confirms a new email address: whose account, and the address it sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChangeLink {
    pub username: String,
    pub new_email: String,
}

/// The account's own details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    /// The confirmed phone number for text messages, masked.
    pub phone: Option<String>,
}
