use crate::error::AppError;
use crate::policy::PasswordOwner;
use crate::service::RequestInfo;
use crate::types::{LinkInfo, LinkKind, SignInStep};
use async_trait::async_trait;

/// Passwords and emailed links.
#[async_trait]
pub trait AccountService: Send + Sync + 'static {
    /// Sets a new password. Allowed in a full session and at the forced-change stage; ends every other
    /// session and answers where the browser goes next.
    async fn change_password(
        &self,
        req: &RequestInfo,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<SignInStep, AppError>;

    /// Whose password is being changed (for the live checklist): full sessions and the forced change.
    async fn password_owner(&self, req: &RequestInfo) -> Result<PasswordOwner, AppError>;

    /// Forgot password: emails a reset link when the details match an account. Answers the same, in
    /// body and time, whether they match or not.
    async fn request_password_reset(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
    ) -> Result<(), AppError>;

    /// Whose account a still-valid emailed link opens; spends nothing.
    async fn inspect_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
    ) -> Result<LinkInfo, AppError>;

    /// Spends a reset or invitation link to set a new password.
    async fn set_password_by_link(
        &self,
        req: &RequestInfo,
        kind: LinkKind,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError>;

    /// Spends an unlock link.
    async fn unlock_account(&self, req: &RequestInfo, token: &str) -> Result<(), AppError>;

    /// Spends a "This wasn't me" link: every session and trusted browser ends, the password stops
    /// working, and a password reset starts. Answers the token of that reset link (the page opens it).
    async fn report_not_me(&self, req: &RequestInfo, token: &str) -> Result<String, AppError>;
}
