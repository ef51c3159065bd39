//! Payments and promises to pay, as the engine tracks them.
//!
//! The state lives in hidden variables of the account (named with spaces,
//! so no flow can declare them): stored, migrated and shown like the
//! others. A `promise` step is lowered to `set`s of those variables; the
//! engine adds up the payments, decides kept or broken, and raises the
//! built-in events `promise_kept` and `promise_broken` that handlers name.
//!
//! Kept out of the machine's own payload, like [`super::Collections`]: it
//! follows it in the file under [`super::header::FLAG_ARRANGEMENTS`], so a
//! flow without payments encodes, and fingerprints, as it did before.

use super::ChannelSet;
use serde::{Deserialize, Serialize};

/// The name of the hidden variable holding the state of the account's
/// last promise, an enumeration of [`PROMISE_STATES`].
pub const PROMISE_VAR: &str = "the promise";
/// The states of a promise, in the order of the variable's enumeration.
pub const PROMISE_STATES: [&str; 4] = ["none", "open", "kept", "broken"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Arrangements {
    /// `payments from EVENT.FIELD`: the payment event and its money field.
    pub payment_event: u16,
    pub payment_field: u16,
    /// A `money` variable: every payment since the account entered the flow.
    pub paid: u16,
    /// The account's last promise: its state (see [`PROMISE_STATES`]), its
    /// amount, the last day it may be paid (grace included) and the
    /// payments made before it, which do not count toward it.
    pub promise: u16,
    pub promise_amount: u16,
    pub promise_due: u16,
    pub promise_from: u16,
    /// `pause CHANNELS while promise open`.
    pub pause_while_promise: ChannelSet,
    /// The built-in events raised when a promise is kept or broken.
    pub kept_event: u16,
    pub broken_event: u16,
}

impl Arrangements {
    /// The hidden variables, for validation.
    pub fn vars(&self) -> [u16; 5] {
        [
            self.paid,
            self.promise,
            self.promise_amount,
            self.promise_due,
            self.promise_from,
        ]
    }
}
