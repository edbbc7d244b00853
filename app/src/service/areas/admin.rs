use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{AdminUserDetail, AuditPage, CreatedUser, RecoveryView, Role, UserPage};
use async_trait::async_trait;

/// The back office. Every method refuses anyone but an administrator in a full session whose last full
/// authentication is recent (`REAUTH_WINDOW_SECS`); none shows or sets another user's secrets.
#[async_trait]
pub trait AdminService: Send + Sync + 'static {
    /// Users whose username, email or name contains `search`, a page at a time.
    async fn admin_users(
        &self,
        req: &RequestInfo,
        search: &str,
        page: u32,
    ) -> Result<UserPage, AppError>;

    async fn admin_user(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<AdminUserDetail, AppError>;

    /// Creates an account with a temporary password (shown once, and emailed) or an invitation email.
    #[allow(clippy::too_many_arguments)]
    async fn admin_create_user(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
        display_name: &str,
        role: Role,
        invite: bool,
        mfa_required: bool,
    ) -> Result<CreatedUser, AppError>;

    /// Changes another account's role.
    async fn admin_set_role(
        &self,
        req: &RequestInfo,
        username: &str,
        role: Role,
    ) -> Result<(), AppError>;

    /// Disables another account (its sessions end) or enables it again.
    async fn admin_set_disabled(
        &self,
        req: &RequestInfo,
        username: &str,
        disabled: bool,
    ) -> Result<(), AppError>;

    /// Unlocks an account locked by wrong passwords; false if it was not locked.
    async fn admin_unlock(&self, req: &RequestInfo, username: &str) -> Result<bool, AppError>;

    /// A new temporary password for another account (shown once, and emailed); its sessions end.
    async fn admin_issue_temporary_password(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<String, AppError>;

    /// Ends every session of another account; answers how many.
    async fn admin_end_sessions(&self, req: &RequestInfo, username: &str) -> Result<u64, AppError>;

    /// Makes two-step verification mandatory for an account, or not.
    async fn admin_require_two_factor(
        &self,
        req: &RequestInfo,
        username: &str,
        required: bool,
    ) -> Result<(), AppError>;

    /// The audit log, newest first: one event (or all), one account's events as actor or subject (or
    /// all), a page at a time.
    async fn admin_audit(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
        page: u32,
    ) -> Result<AuditPage, AppError>;

    /// Recovery requests: open and approved ones first (oldest first), then the latest closed ones.
    async fn admin_recovery_requests(
        &self,
        req: &RequestInfo,
    ) -> Result<Vec<RecoveryView>, AppError>;

    /// Records how the owner's identity was verified (the administrator's own process: a method and a
    /// reference such as a ticket number or a document check). Needed before an approval.
    async fn admin_record_verification(
        &self,
        req: &RequestInfo,
        id: i64,
        method: &str,
        reference: &str,
    ) -> Result<(), AppError>;

    /// Approves a verified request: the owner is emailed a cancel link, and every method goes after
    /// the waiting period. Answers when it takes effect.
    async fn admin_approve_recovery(&self, req: &RequestInfo, id: i64) -> Result<i64, AppError>;

    async fn admin_reject_recovery(&self, req: &RequestInfo, id: i64) -> Result<(), AppError>;

    /// The same entries (every page) as CSV, headers in the administrator's language. The export is
    /// itself recorded.
    async fn admin_audit_csv(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
    ) -> Result<String, AppError>;
}
