//! The HTTP API behind the app, described from the code: every server function's path comes from the
//! function itself (`ServerFn::PATH`), and the compiler checks that the fields and the result written
//! here are the function's own (a destructuring without `..`, and a type equality) — so this description
//! cannot drift from the code. A server test checks that every registered function is described. The
//! developer portal renders it, and the server serves it as an OpenAPI 3.1 document at
//! `/api/openapi.json`.
use leptos::server_fn::ServerFn;
use serde_json::{json, Map, Value};

/// Every server function is called with this HTTP method.
pub const METHOD: &str = "POST";

/// Who may call a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (no session needed).
    Anyone,
    /// A half-finished sign-in at the step the function serves, or a full session.
    SignInStep,
    /// A full session.
    SignedIn,
    /// A full session with a full authentication in the last five minutes.
    Recent,
    /// A signed-in user with the authorized role.
    Authorized,
    /// An administrator with a recent full authentication.
    Admin,
    /// Developer tools, enabled only on a development server.
    Development,
}

impl Access {
    pub fn key(self) -> &'static str {
        match self {
            Access::Anyone => "developers.access_anyone",
            Access::SignInStep => "developers.access_step",
            Access::SignedIn => "developers.access_signed_in",
            Access::Recent => "developers.access_recent",
            Access::Authorized => "developers.access_authorized",
            Access::Admin => "developers.access_admin",
            Access::Development => "developers.access_development",
        }
    }
}

/// One field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// The Rust type, as written in the function.
    pub rust_type: &'static str,
    /// May be left out (a default applies).
    pub optional: bool,
}

impl Field {
    /// Must be sent (no default applies, and it is not an `Option`).
    pub fn required(&self) -> bool {
        !self.optional && !self.rust_type.starts_with("Option<")
    }
}

/// One server function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub area: &'static str,
    pub name: &'static str,
    pub path: &'static str,
    pub fields: Vec<Field>,
    /// The Rust type of a successful answer (JSON).
    pub returns: &'static str,
    pub access: Access,
}

macro_rules! endpoints {
    ($( $area:literal $access:ident $ty:ident $name:literal ( $( $field:ident : $fty:ty $([$default:ident])? ),* ) -> $ret:ty ; )*) => {
        /// Every server function, by area.
        pub fn all() -> Vec<Endpoint> {
            vec![$(
                Endpoint {
                    area: $area,
                    name: $name,
                    path: <crate::api::$ty as ServerFn>::PATH,
                    fields: vec![$( Field {
                        name: stringify!($field),
                        rust_type: stringify!($fty),
                        optional: false $( || stringify!($default) == "default" )?,
                    } ),*],
                    returns: stringify!($ret),
                    access: Access::$access,
                },
            )*]
        }

        /// Never called: it only compiles if each function has exactly the fields and the result
        /// written above.
        #[allow(dead_code, unused_variables, clippy::all)]
        fn described_as_written() {
            fn same<T>(_: std::marker::PhantomData<T>, _: std::marker::PhantomData<T>) {}
            $(
                let _fields = |x: crate::api::$ty| {
                    let crate::api::$ty { $($field),* } = x;
                    $( let _: $fty = $field; )*
                };
                same(
                    std::marker::PhantomData::<<crate::api::$ty as ServerFn>::Output>,
                    std::marker::PhantomData::<$ret>,
                );
            )*
        }
    };
}

use crate::types::*;

endpoints! {
    "sign_in" Anyone SignIn "sign_in" (identifier: String, password: String) -> SignInStep;
    "sign_in" Anyone SessionState "session_state" () -> crate::types::SessionState;
    "sign_in" Anyone SignOut "sign_out" () -> ();
    "passkeys" Anyone BeginPasskeySignIn "begin_passkey_sign_in" (conditional: bool [default]) -> String;
    "passkeys" Anyone FinishPasskeySignIn "finish_passkey_sign_in" (credential: String) -> SignInStep;
    "second_step" SignInStep Challenge "challenge" () -> ChallengeInfo;
    "second_step" SignInStep SendCode "send_code" (method: Method) -> CodeSent;
    "second_step" SignInStep VerifySecondFactor "verify_second_factor" (method: Method, code: String, trust: bool [default]) -> SignInStep;
    "passkeys" SignInStep BeginPasskeyAssertion "begin_passkey_assertion" () -> String;
    "account" SignInStep ChangePassword "change_password" (current: String, new: String, confirm: String) -> SignInStep;
    "account" SignInStep PasswordOwner "password_owner" () -> crate::policy::PasswordOwner;
    "account" Anyone RequestPasswordReset "request_password_reset" (username: String [default], email: String) -> ();
    "account" Anyone InspectLink "inspect_link" (kind: LinkKind, token: String) -> LinkInfo;
    "account" Anyone SetPasswordByLink "set_password_by_link" (kind: LinkKind, token: String, new: String, confirm: String) -> ();
    "account" Anyone UnlockAccount "unlock_account" (token: String) -> ();
    "account" Anyone ReportNotMe "report_not_me" (token: String) -> String;
    "security" SignedIn SecurityOverview "security_overview" () -> crate::types::SecurityOverview;
    "security" SignInStep EnrollmentOptions "enrollment_options" () -> crate::types::EnrollmentOptions;
    "security" SignInStep ConfirmIdentity "confirm_identity" (password: String, method: Option<Method> [default], code: String [default]) -> ();
    "security" Recent BeginTotp "begin_totp" () -> TotpSetup;
    "security" SignInStep ConfirmTotp "confirm_totp" (factor_id: i64, code: String, label: String [default]) -> Enrolled;
    "security" Recent BeginPhone "begin_phone" (phone: String) -> PhoneSetup;
    "security" SignInStep ResendPhoneCode "resend_phone_code" (factor_id: i64) -> CodeSent;
    "security" SignInStep ConfirmPhone "confirm_phone" (factor_id: i64, code: String, label: String [default]) -> Enrolled;
    "security" Recent EnableEmailCodes "enable_email_codes" () -> Enrolled;
    "passkeys" Recent BeginPasskeyRegistration "begin_passkey_registration" () -> String;
    "passkeys" SignInStep FinishPasskeyRegistration "finish_passkey_registration" (credential: String, label: String [default]) -> Enrolled;
    "security" SignedIn RenameFactor "rename_factor" (factor_id: i64, label: String) -> ();
    "security" Recent RemoveFactor "remove_factor" (factor_id: i64) -> ();
    "security" SignedIn SetDefaultMethod "set_default_method" (method: Method) -> ();
    "security" Recent RegenerateBackupCodes "regenerate_backup_codes" () -> Vec<String>;
    "security" SignedIn RevokeTrustedBrowser "revoke_trusted_browser" (id: String) -> ();
    "sessions" SignedIn ListSessions "list_sessions" () -> Vec<SessionSummary>;
    "sessions" SignedIn RevokeSession "revoke_session" (id: String) -> ();
    "sessions" SignedIn RevokeOtherSessions "revoke_other_sessions" (password: String) -> u64;
    "profile" Authorized AccountDetails "account_details" () -> crate::types::AccountDetails;
    "profile" Authorized SetDisplayName "set_display_name" (name: String) -> ();
    "profile" Authorized PayoutDetails "payout_details" () -> PayoutView;
    "profile" Authorized SetPayoutDetails "set_payout_details" (holder: String, iban: String, bic: String) -> PayoutView;
    "profile" Authorized RequestEmailChange "request_email_change" (new_email: String) -> ();
    "profile" Anyone InspectEmailChange "inspect_email_change" (token: String) -> EmailChangeLink;
    "profile" Anyone ConfirmEmailChange "confirm_email_change" (token: String) -> ();
    "activity" SignedIn MyActivity "my_activity" (page: u32 [default]) -> AuditPage;
    "recovery" SignInStep RequestRecovery "request_recovery" (statement: String) -> ();
    "recovery" Anyone CancelRecovery "cancel_recovery" (token: String) -> ();
    "admin" Admin AdminUsers "admin_users" (search: String [default], page: u32 [default]) -> UserPage;
    "admin" Admin AdminUser "admin_user" (username: String) -> AdminUserDetail;
    "admin" Admin AdminCreateUser "admin_create_user" (username: String, email: String, display_name: String [default], role: Role, invite: bool [default], mfa_required: bool [default]) -> CreatedUser;
    "admin" Admin AdminSetRole "admin_set_role" (username: String, role: Role) -> ();
    "admin" Admin AdminSetDisabled "admin_set_disabled" (username: String, disabled: bool) -> ();
    "admin" Admin AdminUnlock "admin_unlock" (username: String) -> bool;
    "admin" Admin AdminIssueTemporaryPassword "admin_issue_temporary_password" (username: String) -> String;
    "admin" Admin AdminEndSessions "admin_end_sessions" (username: String) -> u64;
    "admin" Admin AdminRequireTwoFactor "admin_require_two_factor" (username: String, required: bool) -> ();
    "admin" Admin AdminAudit "admin_audit" (event: String [default], user: String [default], page: u32 [default]) -> crate::types::AuditPage;
    "admin" Admin AdminRecoveryRequests "admin_recovery_requests" () -> Vec<crate::types::RecoveryView>;
    "admin" Admin AdminRecordVerification "admin_record_verification" (id: i64, method: String, reference: String) -> ();
    "admin" Admin AdminApproveRecovery "admin_approve_recovery" (id: i64) -> i64;
    "admin" Admin AdminRejectRecovery "admin_reject_recovery" (id: i64) -> ();
    "preferences" Anyone SetLocale "set_locale" (locale: Locale) -> ();
    "preferences" Anyone SetTimeZone "set_time_zone" (time_zone: String) -> ();
    "developer" Development DevMailbox "dev_mailbox" () -> Vec<MailView>;
}

/// The JSON Schema of a field's Rust type, as far as the form encoding goes.
fn schema(rust_type: &str) -> Value {
    let inner = rust_type
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(rust_type);
    match inner {
        "String" => json!({ "type": "string" }),
        "bool" => json!({ "type": "boolean" }),
        "i64" | "u64" | "u32" => json!({ "type": "integer" }),
        "Role" => json!({ "type": "string", "enum": ["Admin", "Authorized", "User"] }),
        "Method" => {
            json!({ "type": "string", "enum": ["Totp", "Passkey", "Sms", "Email", "BackupCode"] })
        }
        "Locale" => json!({ "type": "string", "enum": ["En", "Fr", "Es"] }),
        other => json!({ "type": "string", "description": other }),
    }
}

/// What every error answer looks like, by status.
const ERROR_STATUSES: [(&str, &str); 7] = [
    ("401", "Not signed in, session expired, or the sign-in failed (one answer for every reason)."),
    ("403", "Signed in, but not allowed: a step is still owed, a recent authentication is needed, or the role does not allow it."),
    ("404", "Unknown, spent or expired (links, factors, sessions)."),
    ("409", "Already used (a code)."),
    ("422", "The input was refused: the body names what to fix (`AppError`)."),
    ("429", "Too many attempts: wait for `Retry-After` seconds."),
    ("503", "Busy or a provider is down: retry after `Retry-After` seconds."),
];

/// The OpenAPI 3.1 document of the API.
pub fn openapi(server_url: &str) -> Value {
    let mut paths = Map::new();
    for e in all() {
        let properties: Map<String, Value> = e
            .fields
            .iter()
            .map(|f| (f.name.to_string(), schema(f.rust_type)))
            .collect();
        let required: Vec<&str> = e
            .fields
            .iter()
            .filter(|f| f.required())
            .map(|f| f.name)
            .collect();
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({
                "description": format!("`{}`, as JSON", e.returns),
                "content": { "application/json": { "schema": { "description": e.returns } } }
            }),
        );
        for (status, text) in ERROR_STATUSES {
            responses.insert(
                status.into(),
                json!({
                    "description": text,
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AppError" } } }
                }),
            );
        }
        paths.insert(
            e.path.to_string(),
            json!({ "post": {
                "operationId": e.name,
                "tags": [e.area],
                "summary": e.name.replace('_', " "),
                "x-access": format!("{:?}", e.access),
                "requestBody": {
                    "required": !required.is_empty(),
                    "content": { "application/x-www-form-urlencoded": { "schema": {
                        "type": "object", "properties": properties, "required": required
                    } } }
                },
                "responses": responses
            } }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Portcullis API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The server functions behind the Portcullis app. Requests are form-encoded POSTs with the session cookie; state-changing requests must carry an Origin header of the site. Answers are JSON; an error is an `AppError` with the HTTP status of its kind."
        },
        "servers": [{ "url": server_url }],
        "paths": paths,
        "components": { "schemas": { "AppError": {
            "description": "An error code with data, e.g. \"SignInFailed\" or {\"ChallengeSuspended\":{\"minutes\":15}} or {\"Invalid\":\"Email\"}."
        } } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_under_api_once() {
        let all = all();
        let mut paths: Vec<_> = all.iter().map(|e| e.path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), all.len());
        assert!(all.iter().all(|e| e.path == format!("/api/{}", e.name)));
    }

    #[test]
    fn the_openapi_document_lists_fields_and_requirements() {
        let doc = openapi("http://localhost:3000");
        let op = &doc["paths"]["/api/sign_in"]["post"];
        let schema = &op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
        assert_eq!(schema["properties"]["identifier"]["type"], "string");
        assert_eq!(schema["required"], json!(["identifier", "password"]));
        assert!(op["responses"]["429"].is_object());
        let reset = &doc["paths"]["/api/request_password_reset"]["post"]["requestBody"]["content"]
            ["application/x-www-form-urlencoded"]["schema"];
        assert_eq!(reset["required"], json!(["email"]));
    }
}
