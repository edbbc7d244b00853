//! Building blocks shared by pages.
pub mod after_hydration;
pub mod audit_table;
pub mod backup_codes;
pub mod checklist;
pub mod code_sender;
pub mod errors;
pub mod language_picker;
pub mod local_time;
pub mod new_password;
pub mod passkey;
pub mod phone_setup;
pub mod signed_in;
pub mod totp_setup;
pub mod user_menu;

pub use after_hydration::AfterHydration;
pub use backup_codes::BackupCodesPanel;
pub use checklist::PasswordChecklist;
pub use code_sender::{CodeStatus, Countdown};
pub use errors::{error_text, error_view};
pub use language_picker::LanguagePicker;
pub use local_time::LocalTime;
pub use new_password::NewPasswordFields;
pub use passkey::{PasskeySetup, PasskeySignIn};
pub use phone_setup::{EmailCodesSetup, PhoneSetupFlow};
pub use signed_in::{AtStep, SignedIn};
pub use totp_setup::TotpSetupFlow;
pub use user_menu::{TopBar, UserMenu};

/// A full page load (not client-side routing), so the next page is rendered afresh by the server with
/// the new session. Used after signing in and out.
pub fn navigate_hard(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
