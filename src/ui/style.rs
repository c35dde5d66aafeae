//! Semantic styles for views. Views ask for "the focused border" or "an error", never for a
//! colour; the `Theme` behind those names is read from TOML theme files (`crate::theme`).

pub use crate::theme::Theme;
