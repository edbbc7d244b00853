//! The back office: users, recovery requests, the audit log.
use super::Role;
use serde::{Deserialize, Serialize};

/// Users per page of the back office's list.
pub const USERS_PER_PAGE: u32 = 25;

/// One account as an administrator sees it: never a password, a hash or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// Locked by wrong passwords.
    pub locked: bool,
    /// Two-step verification is mandatory for this account.
    pub mfa_required: bool,
    /// The password is a temporary one, still to be replaced.
    pub temporary_password: bool,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

/// One page of the list of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<AdminUser>,
    /// Accounts matching the search, on every page.
    pub total: i64,
    /// From 0.
    pub page: u32,
    pub per_page: u32,
}

impl UserPage {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per).unwrap_or(u32::MAX)
    }
}

/// One account with what the back office shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserDetail {
    pub user: AdminUser,
    /// Live sessions (partial or full).
    pub sessions: i64,
    /// Whether this is the administrator looking at it (the page hides what they cannot do to it).
    pub own_account: bool,
}

/// A new account: its temporary password (shown once to the administrator, and emailed), or none
/// when an invitation was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub username: String,
    pub temporary_password: Option<String>,
}
