//! Signing in and its steps, and the pages emailed links open.
pub mod change_password;
pub mod confirm_email;
pub mod email_link;
pub mod enroll;
pub mod forgot;
pub mod login;
pub mod recovery;
pub mod verify;
