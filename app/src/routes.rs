//! Every path of the application, in one place: the router matches these, the server builds links in
//! emails from them, and pages link to them. A path is declared once with its segments; the macro makes
//! both the text (`routes::VERIFY == "/login/verify"`) and the router's matcher (`routes::matcher::VERIFY`).
use leptos_router::{ParamSegment, StaticSegment};

macro_rules! routes {
    ($( $(#[$meta:meta])* $name:ident = [$($seg:literal),+] $(: $param:literal)? ; )*) => {
        $( $(#[$meta])* pub const $name: &str = concat!($("/", $seg),+); )*

        /// The router's view of each path (static segments, then the parameter if the path has one).
        pub mod matcher {
            #[allow(unused_imports)]
            use super::{ParamSegment, StaticSegment};
            $(
                #[allow(clippy::type_complexity)]
                pub const $name: ($(routes!(@ty $seg),)+ $(routes!(@pty $param),)?) =
                    ($(StaticSegment($seg),)+ $(ParamSegment($param),)?);
            )*
        }

        /// Every path, for the test that the router serves exactly these.
        pub const ALL: &[&str] = &[$( concat!($("/", $seg),+ $(, "/:", $param)?) ),*];
    };
    (@ty $seg:literal) => { StaticSegment<&'static str> };
    (@pty $param:literal) => { ParamSegment };
}

routes! {
    /// Sign in with username or email and password (or a passkey).
    LOGIN = ["login"];
    /// The second step of signing in.
    VERIFY = ["login", "verify"];
    /// The forced password change (temporary, expired, dormant).
    CHANGE_PASSWORD_NOW = ["login", "change-password"];
    /// Mandatory two-step verification: set it up before anything else.
    ENROLL = ["login", "enroll"];
    /// Lost every method: ask an administrator for help.
    RECOVERY = ["login", "recovery"];
    FORGOT_PASSWORD = ["forgot-password"];
    /// Emailed links: the token follows the path.
    RESET_PASSWORD = ["reset-password"]: "token";
    INVITATION = ["invitation"]: "token";
    UNLOCK = ["unlock"]: "token";
    /// "This wasn't me" from a new-device email.
    NOT_ME = ["not-me"]: "token";
    /// Cancels a pending two-step reset from the email that announced it.
    CANCEL_RECOVERY = ["cancel-recovery"]: "token";
    /// Confirms a new email address.
    CONFIRM_EMAIL = ["confirm-email"]: "token";
    ACCOUNT_PASSWORD = ["account", "password"];
    SECURITY = ["account", "security"];
    SESSIONS = ["account", "sessions"];
    ACCOUNT_DETAILS = ["account", "details"];
    PAYOUT_DETAILS = ["account", "payout"];
    ACTIVITY = ["account", "activity"];
    GUIDE = ["guide"];
    GUIDE_SECTION = ["guide"]: "section";
    DEVELOPERS = ["developers"];
    ADMIN = ["admin"];
    ADMIN_USERS = ["admin", "users"];
    ADMIN_USER = ["admin", "users"]: "username";
    ADMIN_RECOVERY = ["admin", "recovery"];
    ADMIN_AUDIT = ["admin", "audit"];
    DEV_MAILBOX = ["dev", "mailbox"];
}

/// The back office's audit log as CSV (the same filters as the page); served by the server, not a page.
pub const ADMIN_AUDIT_CSV: &str = "/admin/audit.csv";

/// The home page (signed in).
pub const HOME: &str = "/";

/// `path/token`, e.g. the page an emailed link opens.
pub fn with_param(path: &str, param: &str) -> String {
    format!("{path}/{param}")
}

/// A path with `?key=value` notices (sign-in page messages).
pub fn with_notice(path: &str, notice: &str) -> String {
    format!("{path}?{notice}=1")
}

/// A full URL for emails: the public origin and a path.
pub fn absolute(public_origin: &str, path: &str) -> String {
    format!("{}{path}", public_origin.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_built_from_their_segments() {
        assert_eq!(VERIFY, "/login/verify");
        assert_eq!(RESET_PASSWORD, "/reset-password");
        assert!(ALL.contains(&"/reset-password/:token"));
        assert_eq!(with_param(UNLOCK, "abc"), "/unlock/abc");
        assert_eq!(
            absolute("http://localhost:3000/", SECURITY),
            "http://localhost:3000/account/security"
        );
    }
}
