//! One small interface per area. The server implements each in one file of `server/src/services/`;
//! the server function, the trait method and the implementation share one name.
use super::RequestInfo;
use crate::error::AppError;
use crate::policy::PasswordOwner;
use crate::types::{
    AccountDetails, AdminUserDetail, AuditPage, ChallengeInfo, CodeSent, CreatedUser,
    EmailChangeLink, Enrolled, EnrollmentOptions, LinkInfo, LinkKind, Locale, MailView, Method,
    PayoutView, PhoneSetup, RecoveryView, Role, SecurityOverview, SessionState, SessionSummary,
    SignInStep, TotpSetup, UserPage,
};
use async_trait::async_trait;

/// The password step, the session behind a request, and signing out.
#[async_trait]
pub trait SignInService: Send + Sync + 'static {
    /// The password step. On success a new session (new token, partial or full) replaces any old one.
    async fn sign_in(
        &self,
        req: &RequestInfo,
        identifier: &str,
        password: &str,
    ) -> Result<SignInStep, AppError>;

    /// The visitor's session (a partial one learns only its next step).
    async fn session_state(&self, req: &RequestInfo) -> Result<SessionState, AppError>;

    /// Ends the current session, partial or full (also "cancel and sign in again").
    async fn sign_out(&self, req: &RequestInfo) -> Result<(), AppError>;
}

/// The second step of signing in: what it offers, sending codes, and judging answers.
#[async_trait]
pub trait SecondStepService: Send + Sync + 'static {
    /// What the second step offers. Needs a session at that step.
    async fn challenge(&self, req: &RequestInfo) -> Result<ChallengeInfo, AppError>;

    /// Sends (or sends again) a code by email or text message for this sign-in attempt.
    async fn send_code(&self, req: &RequestInfo, method: Method) -> Result<CodeSent, AppError>;

    /// Judges a code from `method`. With `trust`, the browser is remembered (a cookie).
    async fn verify_second_factor(
        &self,
        req: &RequestInfo,
        method: Method,
        code: &str,
        trust: bool,
    ) -> Result<SignInStep, AppError>;
}

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

/// The signed-in user's own sessions and devices.
#[async_trait]
pub trait SessionsService: Send + Sync + 'static {
    async fn list_sessions(&self, req: &RequestInfo) -> Result<Vec<SessionSummary>, AppError>;

    /// Ends one of the user's other sessions.
    async fn revoke_session(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;

    /// Ends every other session of the user (after confirming the password).
    async fn revoke_other_sessions(
        &self,
        req: &RequestInfo,
        password: &str,
    ) -> Result<u64, AppError>;
}

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

/// Recovery when every sign-in method is lost (the owner's side).
#[async_trait]
pub trait RecoveryService: Send + Sync + 'static {
    /// From the second step (the password is proven, nothing else is skipped): asks the administrators
    /// for help, with what the owner can say about the account.
    async fn request_recovery(&self, req: &RequestInfo, statement: &str) -> Result<(), AppError>;

    /// Cancels an approved recovery with the link its email carried (once, before it takes effect).
    async fn cancel_recovery(&self, req: &RequestInfo, token: &str) -> Result<(), AppError>;
}

/// The owner's own audit log.
#[async_trait]
pub trait ActivityService: Send + Sync + 'static {
    /// What happened on the signed-in user's account, newest first, a page at a time.
    async fn my_activity(&self, req: &RequestInfo, page: u32) -> Result<AuditPage, AppError>;
}

/// Language and time zone.
#[async_trait]
pub trait PreferencesService: Send + Sync + 'static {
    /// Keeps the language in a cookie, and in the profile when signed in.
    async fn set_locale(&self, req: &RequestInfo, locale: Locale) -> Result<(), AppError>;

    /// Keeps the browser's time zone (IANA name) in a cookie, and in the profile when signed in.
    async fn set_time_zone(&self, req: &RequestInfo, time_zone: &str) -> Result<(), AppError>;
}

/// Developer tools.
#[async_trait]
pub trait DeveloperService: Send + Sync + 'static {
    /// Every recent email, for the developer mailbox; `NotFound` unless it is enabled.
    async fn dev_mailbox(&self, req: &RequestInfo) -> Result<Vec<MailView>, AppError>;
}
