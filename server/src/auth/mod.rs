//! Authentication capabilities, each owning its table and its rules. The services compose them.
pub mod attempts;
pub mod common_passwords;
pub mod devices;
pub mod email_links;
pub mod factor;
pub mod flow;
pub mod lifecycle;
pub mod password;
pub mod rate_limit;
pub mod recovery;
pub mod session;
pub mod trusted_browser;
