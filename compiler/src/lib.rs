#![forbid(unsafe_code)]
//! The dun compiler: parse, resolve, check and lower flow files.

pub mod analysis;
pub mod diagnostics;
pub mod lower;
pub mod syntax;

pub use analysis::{analyze, Analysis};
