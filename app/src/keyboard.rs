//! Names of keyboard keys (`KeyboardEvent.key`), for the widgets that follow the WAI-ARIA patterns.
pub const ARROW_DOWN: &str = "ArrowDown";
pub const ARROW_UP: &str = "ArrowUp";
pub const ENTER: &str = "Enter";
pub const SPACE: &str = " ";
pub const HOME: &str = "Home";
pub const END: &str = "End";
pub const ESCAPE: &str = "Escape";
pub const TAB: &str = "Tab";
