pub mod email_link;
pub mod forgot;
pub mod home;
pub mod login;
pub mod mailbox;
pub mod not_found;
pub mod password;
pub mod sessions;
