//! The compiled state machine of a dun flow, shared by the compiler that
//! writes it and the runtime that executes it: the instruction set and its
//! file format, the values it computes with, time and calendars, accounts,
//! and flow tests as compiled cases. It links no store, no data reader and no
//! simulation, so the compiler and the language server stay small.
#![forbid(unsafe_code)]

pub mod account;
pub mod format;
pub mod locale;
pub mod places;
pub mod test_case;
pub mod time;
pub mod value;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use account::{type_words, Account, AccountError};
pub use format::{decode, encode, Machine};
pub use value::Value;
