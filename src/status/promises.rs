//! The promises of a flow that tracks them (`payments from`, `promise
//! ...`): how many accounts' last promise is open, kept or broken, as the
//! engine decided, read from each account's state.

use dun_runtime::format::{Machine, PROMISE_STATES};
use dun_runtime::store::StoredAccount;
use dun_runtime::value::Value;

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Promises {
    pub open: u64,
    pub kept: u64,
    pub broken: u64,
}

impl Promises {
    /// Kept ÷ (kept + broken): the share of decided promises that were kept.
    pub fn kept_rate(&self) -> f64 {
        let decided = self.kept + self.broken;
        if decided == 0 {
            0.0
        } else {
            self.kept as f64 / decided as f64
        }
    }
}

/// Whether `m` tracks promises.
pub(crate) fn tracks(m: &Machine) -> bool {
    m.arrangements.is_some()
}

impl Promises {
    /// Counts the state of `acct`'s last promise, read with `m`, the
    /// machine it runs on.
    pub fn add(&mut self, m: &Machine, acct: &StoredAccount) {
        let Some(a) = &m.arrangements else {
            return;
        };
        let Some(Value::Variant(state)) = acct.instance.vars.get(a.promise as usize) else {
            return;
        };
        match state.as_str() {
            s if s == PROMISE_STATES[1] => self.open += 1,
            s if s == PROMISE_STATES[2] => self.kept += 1,
            s if s == PROMISE_STATES[3] => self.broken += 1,
            _ => {}
        }
    }
}
