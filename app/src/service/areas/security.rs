use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{
    CodeSent, Enrolled, EnrollmentOptions, Method, PhoneSetup, SecurityOverview, TotpSetup,
};
use async_trait::async_trait;

/// Security & sign-in settings: second factors, backup codes, trusted browsers.
#[async_trait]
pub trait SecurityService: Send + Sync + 'static {
    async fn security_overview(&self, req: &RequestInfo) -> Result<SecurityOverview, AppError>;

    /// The methods the mandatory enrolment can set up (at that stage, or in a full session).
    async fn enrollment_options(&self, req: &RequestInfo) -> Result<EnrollmentOptions, AppError>;

    /// Confirms identity (password, and a second factor when the user has one), opening a short
    /// window for sensitive changes. Also allowed at the mandatory-enrolment stage (password only).
    async fn confirm_identity(
        &self,
        req: &RequestInfo,
        password: &str,
        method: Option<Method>,
        code: &str,
    ) -> Result<(), AppError>;

    /// Starts adding an authenticator app: a new secret, shown once, active after its first code.
    async fn begin_totp(&self, req: &RequestInfo) -> Result<TotpSetup, AppError>;

    /// Activates the authenticator app with a code from it.
    async fn confirm_totp(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError>;

    /// Starts adding a phone (E.164): a code is texted to it; the phone is active once confirmed.
    async fn begin_phone(&self, req: &RequestInfo, phone: &str) -> Result<PhoneSetup, AppError>;

    /// Texts a new code to the phone being added (after the countdown).
    async fn resend_phone_code(
        &self,
        req: &RequestInfo,
        factor_id: i64,
    ) -> Result<CodeSent, AppError>;

    /// Activates the phone with the code texted to it.
    async fn confirm_phone(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        code: &str,
        label: &str,
    ) -> Result<Enrolled, AppError>;

    /// Turns on email codes (only with a verified email address).
    async fn enable_email_codes(&self, req: &RequestInfo) -> Result<Enrolled, AppError>;

    async fn rename_factor(
        &self,
        req: &RequestInfo,
        factor_id: i64,
        label: &str,
    ) -> Result<(), AppError>;

    async fn remove_factor(&self, req: &RequestInfo, factor_id: i64) -> Result<(), AppError>;

    /// The method the second step opens on.
    async fn set_default_method(&self, req: &RequestInfo, method: Method) -> Result<(), AppError>;

    /// A new set of backup codes (the old set stops working). Shown once.
    async fn regenerate_backup_codes(&self, req: &RequestInfo) -> Result<Vec<String>, AppError>;

    async fn revoke_trusted_browser(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;
}
