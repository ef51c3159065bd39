//! Settlement offers, as the engine tracks them: `offer settlement AMOUNT
//! until DATE` and `offer discount N% if paid in full by DATE` record an
//! amount and a last day, checked against the payments of
//! [`super::Arrangements`].
//!
//! Like the promises, the state lives in hidden variables of the account
//! (named with spaces, so no flow can declare them), which the offer's op
//! ([`super::Op::OfferSettlement`]) sets. The section follows the others in
//! the file under [`super::header::FLAG_SETTLEMENTS`], and exists only for
//! a flow that offers a settlement, so every other flow encodes, and
//! fingerprints, as it did before settlements existed.

use super::ChannelSet;
use serde::{Deserialize, Serialize};

/// The name of the hidden variable holding the state of the account's
/// last settlement offer, an enumeration of [`SETTLEMENT_STATES`].
pub const SETTLEMENT_VAR: &str = "the settlement";
/// The states of a settlement offer, in the order of the variable's
/// enumeration.
pub const SETTLEMENT_STATES: [&str; 4] = ["none", "open", "paid", "lapsed"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settlements {
    /// The offer's state (see [`SETTLEMENT_STATES`]).
    pub settlement: u16,
    /// `money`: what paid by the last day settles the account.
    pub amount: u16,
    /// `date`: the offer's last day.
    pub until: u16,
    /// `money`: the payments made before the offer, which do not count.
    pub from: u16,
    /// `pause CHANNELS while settlement open`.
    pub pause_while_open: ChannelSet,
    /// The built-in events raised when the offer is paid in full, or
    /// lapses.
    pub paid_event: u16,
    pub lapsed_event: u16,
}

impl Settlements {
    /// The hidden variables, for validation.
    pub fn vars(&self) -> [u16; 4] {
        [self.settlement, self.amount, self.until, self.from]
    }

    /// The built-in events, for validation.
    pub fn events(&self) -> [u16; 2] {
        [self.paid_event, self.lapsed_event]
    }
}
