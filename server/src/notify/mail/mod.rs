pub mod delivery;
pub mod templates;
