//! The runtime of dun: the compiled format of a flow, time and calendars,
//! and the deterministic engine that steps accounts through a flow.
#![forbid(unsafe_code)]

pub mod format;
pub mod time;
