//! The Portcullis server: configuration, persistence, services and the HTTP application.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod audit;
pub mod backup_codes;
pub mod clock;
pub mod common_passwords;
pub mod config;
pub mod crypto;
pub mod db;
pub mod expiry;
pub mod factors;
pub mod http;
pub mod keyring;
pub mod mail;
pub mod password;
pub mod portal;
pub mod rate_limit;
pub mod sessions;
pub mod signin;
pub mod startup;
pub mod tokens;
pub mod totp;
pub mod trusted;
pub mod users;
