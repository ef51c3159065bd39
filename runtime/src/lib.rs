//! The runtime of dun: the compiled format of a flow, time and calendars,
//! and the deterministic engine that steps accounts through a flow.
#![forbid(unsafe_code)]

pub mod data;
pub mod engine;
pub mod format;
pub mod sim;
pub mod store;
pub mod testing;
pub mod time;
pub mod value;

#[cfg(test)]
mod testkit;

pub use engine::{
    step, step_into, Account, Action, ActionKind, AuditEntry, AuditKind, ContactRef, Detail, Input,
    Instance, Outcome, Reason,
};
pub use format::{decode, encode, Machine};
pub use value::Value;
