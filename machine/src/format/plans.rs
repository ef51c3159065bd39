//! Payment plans, as the engine tracks them: the plan the debtor accepted
//! (`plan AMOUNT in N installments every D from DATE [grace D]`) and its
//! installments, checked against the payments of [`super::Arrangements`].
//!
//! Like the promises, the state lives in hidden variables of the account
//! (named with spaces, so no flow can declare them); a `plan` step is
//! lowered to `set`s of them. The section follows the others in the file
//! under [`super::header::FLAG_PLANS`], so a flow without payments encodes,
//! and fingerprints, as it did before plans existed.

use super::ChannelSet;
use serde::{Deserialize, Serialize};

/// The name of the hidden variable holding the state of the account's
/// last plan, an enumeration of [`PLAN_STATES`].
pub const PLAN_VAR: &str = "the plan";
/// The states of a plan, in the order of the variable's enumeration.
pub const PLAN_STATES: [&str; 4] = ["none", "current", "completed", "broken"];
/// The name of the hidden variable counting the installments missed.
pub const MISSED_VAR: &str = "installments missed";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plans {
    /// The plan's state (see [`PLAN_STATES`]).
    pub plan: u16,
    /// `money`: the amount the plan pays in all.
    pub total: u16,
    /// `number`: how many installments.
    pub count: u16,
    /// `duration`: the time between two installments' due days.
    pub every: u16,
    /// `date`: the due day of the first installment.
    pub first: u16,
    /// `duration`: how long after its due day an installment may be paid.
    pub grace: u16,
    /// `money`: the payments made before the plan, which do not count.
    pub from: u16,
    /// `number`: the installments whose last day has passed.
    pub checked: u16,
    /// `bool`: the last check found the plan behind, and no payment since
    /// has caught it up.
    pub behind: u16,
    /// `number`: every installment missed since the account entered the
    /// flow (what `expect installment missed` reads).
    pub missed: u16,
    /// `pause CHANNELS while plan current`.
    pub pause_while_plan: ChannelSet,
    /// The built-in events raised when an installment is missed, the plan
    /// is paid in full, or it breaks.
    pub missed_event: u16,
    pub completed_event: u16,
    pub broken_event: u16,
}

impl Plans {
    /// The hidden variables, for validation.
    pub fn vars(&self) -> [u16; 10] {
        [
            self.plan,
            self.total,
            self.count,
            self.every,
            self.first,
            self.grace,
            self.from,
            self.checked,
            self.behind,
            self.missed,
        ]
    }

    /// The built-in events, for validation.
    pub fn events(&self) -> [u16; 3] {
        [self.missed_event, self.completed_event, self.broken_event]
    }
}
