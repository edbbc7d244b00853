//! The Portcullis server: configuration, persistence, the authentication capabilities, the services
//! behind the pages and the command line, notifications, and the HTTP application.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod geo;
pub mod http;
pub mod jobs;
pub mod keyring;
#[cfg(test)]
mod layout;
pub mod notify;
pub mod payout;
pub mod services;
pub mod startup;
pub mod user_agent;
pub mod users;
