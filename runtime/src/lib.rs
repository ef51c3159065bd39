//! The runtime of dun: the deterministic engine that steps accounts through
//! a compiled flow, flow tests, account and event files (feature `data`),
//! the store (feature `store`) and the simulation (feature `sim`). The compiled machine itself, its values and time live in
//! `dun-machine`, re-exported here.
#![forbid(unsafe_code)]

pub mod change;
// The engine and flow tests need nothing else; the language server links
// only those (`default-features = false`), without SQLite, CSV or TOML.
#[cfg(feature = "data")]
pub mod data;
pub mod engine;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "store")]
pub mod store;
pub mod testing;
pub mod translate;

pub use dun_machine::{format, places, time, value};

#[cfg(test)]
use dun_machine::testkit;

pub use engine::{
    step, step_into, Account, Action, ActionKind, AuditEntry, AuditKind, ContactRef, Detail, Input,
    Instance, Outcome, Reason,
};
pub use format::{decode, encode, Machine};
pub use value::Value;
