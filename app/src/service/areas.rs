//! One small interface per area. The server implements each in one file of `server/src/services/`;
//! the server function, the trait method and the implementation share one name.
//!
//! Each trait is in its own file below.
mod account;
mod activity;
mod admin;
mod developer;
mod passkeys;
mod preferences;
mod profile;
mod recovery;
mod second_step;
mod security;
mod sessions;
mod sign_in;

pub use account::AccountService;
pub use activity::ActivityService;
pub use admin::AdminService;
pub use developer::DeveloperService;
pub use passkeys::PasskeyService;
pub use preferences::PreferencesService;
pub use profile::ProfileService;
pub use recovery::RecoveryService;
pub use second_step::SecondStepService;
pub use security::SecurityService;
pub use sessions::SessionsService;
pub use sign_in::SignInService;
