//! The integration tests: one binary. Each scenario file declares its scenarios once (`scenarios!`),
//! and each runs on SQLite and on PostgreSQL (`cargo test --test api sqlite::`, `… postgres::`);
//! PostgreSQL scenarios skip when it is not reachable (or fail, with PORTCULLIS_REQUIRE_POSTGRES=1).
mod browser;
#[macro_use]
mod harness;
mod admin;
mod attacks;
mod audit;
mod credentials;
mod developers;
mod devices;
mod email_change;
mod factor_steps;
mod instances;
mod lifecycle;
mod lockout;
mod migrations;
mod otp;
mod passkeys;
mod passwords;
mod profile;
mod recovery;
mod second_factor;
mod sessions;
mod sign_in;
mod sms_provider;
mod smtp;
mod trust;
