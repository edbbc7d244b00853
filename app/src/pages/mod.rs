//! The pages, by area: signing in (`auth`), the signed-in account (`account`), developer tools.
pub mod account;
pub mod admin;
pub mod auth;
pub mod developers;
pub mod guide;
pub mod mailbox;
pub mod not_found;
