//! The runtime of dun: the deterministic engine that steps accounts through
//! a compiled flow, flow tests, account and event files, the store and the
//! simulation. The compiled machine itself, its values and time live in
//! `dun-machine`, re-exported here.
#![forbid(unsafe_code)]

pub mod change;
pub mod data;
pub mod engine;
pub mod sim;
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
