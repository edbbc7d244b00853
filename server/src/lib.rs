//! The Portcullis server: configuration, persistence, services and the HTTP application.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod audit;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod http;
pub mod password;
pub mod portal;
pub mod sessions;
pub mod signin;
pub mod startup;
pub mod users;
