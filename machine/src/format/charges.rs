//! Fees and interest beyond the `charge fee` and `freeze interest` ops:
//! the policy's caps on fees (`at_most 2 fees per 30 days`, `at_most 80 USD
//! of fees per 30 days`) and the holds that also keep fees from being
//! charged (`pause contact and fees after dispute until ...`).
//!
//! Kept out of the machine's own payload, like [`super::Collections`]: it
//! follows it in the file under [`super::header::FLAG_CHARGES`], so a flow
//! without any encodes, and fingerprints, as it did before.

use super::DurationSpec;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Charges {
    pub caps: Vec<FeeCap>,
    /// Indexes into [`super::PolicyExt::holds`] of the holds written with
    /// `and fees`: while one is on, `charge fee` charges nothing.
    pub fee_holds: Vec<u16>,
    /// The flow has `freeze interest` or `resume interest`: each account
    /// keeps whether its interest is frozen.
    pub interest: bool,
}

impl Charges {
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.fee_holds.is_empty() && !self.interest
    }
}

/// A cap on fees over a sliding window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeeCap {
    pub limit: FeeLimit,
    pub window: DurationSpec,
    /// How many of the latest fees the engine keeps for this cap: the
    /// count of a count cap; for an amount cap, how many of the flow's
    /// smallest fee fit under it (more fees than that can never be inside
    /// one window).
    pub slots: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum FeeLimit {
    /// At most this many fees inside the window.
    Count(u16),
    /// At most this much money in fees inside the window, in the flow's
    /// currency.
    Amount(Decimal),
}

/// The most fees one cap keeps: each costs two slots of the account's
/// ledger.
pub const MAX_FEE_SLOTS: u16 = 100;

/// A fee in hundredths of the currency unit, as the engine's ledger keeps
/// it (at most 42,949,672.95).
pub fn cents(amount: Decimal) -> u32 {
    let c = (amount * Decimal::ONE_HUNDRED).round();
    u32::try_from(c.mantissa() / 10i128.pow(c.scale())).unwrap_or(u32::MAX)
}
