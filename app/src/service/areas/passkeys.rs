use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::{Enrolled, SignInStep};
use async_trait::async_trait;

/// Passkeys and security keys (WebAuthn). Options go to the browser as JSON (binary in base64url) and
/// its answers come back as JSON; answers to the second step and to "confirm it's you" travel through
/// `verify_second_factor` and `confirm_identity` with the method `Passkey`.
#[async_trait]
pub trait PasskeyService: Send + Sync + 'static {
    /// Starts adding a passkey or security key (after a recent identity confirmation, or at the
    /// mandatory-enrolment stage): the options for `navigator.credentials.create`.
    async fn begin_passkey_registration(&self, req: &RequestInfo) -> Result<String, AppError>;

    /// Finishes adding one with the browser's answer; `label` is its nickname.
    async fn finish_passkey_registration(
        &self,
        req: &RequestInfo,
        credential: &str,
        label: &str,
    ) -> Result<Enrolled, AppError>;

    /// Options for an assertion by the user's own keys: the second step, or confirming identity.
    async fn begin_passkey_assertion(&self, req: &RequestInfo) -> Result<String, AppError>;

    /// Options for signing in without a password (any discoverable passkey of this site); with
    /// `conditional`, for the browser's autofill. Binds the ceremony to this browser (a cookie).
    async fn begin_passkey_sign_in(
        &self,
        req: &RequestInfo,
        conditional: bool,
    ) -> Result<String, AppError>;

    /// Signs in with a passkey that verified its user: both factors at once. The account's rules
    /// still apply (locked, disabled, expired password, mandatory enrolment).
    async fn finish_passkey_sign_in(
        &self,
        req: &RequestInfo,
        credential: &str,
    ) -> Result<SignInStep, AppError>;
}
