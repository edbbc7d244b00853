//! The signed-in account: home, password, security settings, sessions.
pub mod activity;
pub mod details;
pub mod home;
pub mod password;
pub mod payout;
pub mod security;
pub mod sessions;
