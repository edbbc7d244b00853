//! The Portcullis server: configuration, persistence, services and the HTTP application.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod audit;
pub mod clock;
pub mod common_passwords;
pub mod config;
pub mod crypto;
pub mod db;
pub mod expiry;
pub mod http;
pub mod mail;
pub mod password;
pub mod portal;
pub mod rate_limit;
pub mod sessions;
pub mod signin;
pub mod startup;
pub mod tokens;
pub mod users;
