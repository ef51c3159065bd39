#![forbid(unsafe_code)]
//! The dun compiler: parse, resolve, check and lower flow files.

// pest is built without `std` (its stack probe on every rule call cost a
// fifth of the parse time; `syntax::limits` bounds nesting instead), and
// its generated parser then names `alloc` from the crate root.
extern crate alloc;

pub mod analysis;
pub mod checks;
pub mod diagnostics;
pub mod fmt;
pub mod graph;
pub mod ide;
pub mod lower;
pub mod migrate;
pub mod model;
pub mod modules;
pub mod names;
pub mod syntax;
pub mod types;
pub mod verify;

pub use analysis::{analyze, analyze_in, Analysis};
