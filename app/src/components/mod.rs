//! Building blocks shared by pages.
pub mod checklist;
pub mod new_password;
pub mod signed_in;
pub mod totp_setup;
pub mod user_menu;

pub use checklist::PasswordChecklist;
pub use new_password::{error_view, NewPasswordFields};
pub use signed_in::SignedIn;
pub use totp_setup::{BackupCodesPanel, TotpSetupFlow};
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
