use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{AccountDetails, EmailChangeLink, PayoutView};
use async_trait::async_trait;

/// Account and payout details (authorized users and administrators only; payout details also need a
/// full authentication within the last five minutes).
#[async_trait]
pub trait ProfileService: Send + Sync + 'static {
    async fn account_details(&self, req: &RequestInfo) -> Result<AccountDetails, AppError>;

    /// The name shown in the menu and in emails.
    async fn set_display_name(&self, req: &RequestInfo, name: &str) -> Result<(), AppError>;

    /// Payout details, masked.
    async fn payout_details(&self, req: &RequestInfo) -> Result<PayoutView, AppError>;

    /// Replaces the payout details (IBAN checked by its check digits, BIC by its shape); the owner
    /// is emailed and the change audited.
    async fn set_payout_details(
        &self,
        req: &RequestInfo,
        holder: &str,
        iban: &str,
        bic: &str,
    ) -> Result<PayoutView, AppError>;

    /// Asks to change the account's email address (a full authentication within the last five
    /// minutes): a confirmation link goes to the new address, a notice to the current one. Answers the
    /// same whether another account uses the new address or not (that address is then told so instead
    /// of receiving a link).
    async fn request_email_change(
        &self,
        req: &RequestInfo,
        new_email: &str,
    ) -> Result<(), AppError>;

    /// The account and new address behind a still-valid confirmation link; spends nothing.
    async fn inspect_email_change(
        &self,
        req: &RequestInfo,
        token: &str,
    ) -> Result<EmailChangeLink, AppError>;

    /// Spends a confirmation link (once, no sign-in needed: the link proves the new address) and
    /// makes its address the account's; the previous address is told.
    async fn confirm_email_change(&self, req: &RequestInfo, token: &str) -> Result<(), AppError>;
}
