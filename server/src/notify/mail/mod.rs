pub mod delivery;
#[cfg(test)]
mod message_tests;
pub mod messages;
pub mod templates;
