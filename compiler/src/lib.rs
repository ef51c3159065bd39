#![forbid(unsafe_code)]
//! The dun compiler: parse, resolve, check and lower flow files.

pub mod analysis;
pub mod checks;
pub mod diagnostics;
pub mod model;
pub mod names;
pub mod syntax;
pub mod types;

pub use analysis::{analyze, Analysis};
