//! The promises of a flow that tracks them (`payments from`, `promise
//! ...`): how many accounts' last promise is open, kept or broken, as the
//! engine decided, read from each account's state.

use dun_runtime::format::{Machine, PROMISE_STATES};
use dun_runtime::store::{Store, StoreError};
use dun_runtime::value::Value;
use std::collections::HashMap;

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

/// `None` when no machine of the store tracks promises.
pub(crate) fn count(store: &Store) -> Result<Option<Promises>, StoreError> {
    let mut machines: HashMap<String, Option<Machine>> = HashMap::new();
    for p in store.pinned()? {
        let m = store.machine(&p.fingerprint)?;
        machines.insert(p.fingerprint, m);
    }
    let tracks = |m: &Option<Machine>| m.as_ref().is_some_and(|m| m.arrangements.is_some());
    if !machines.values().any(tracks) {
        return Ok(None);
    }
    let mut out = Promises::default();
    for id in store.account_ids()? {
        let Some(acct) = store.account(&id)? else {
            continue;
        };
        let Some(Some(m)) = acct.machine.as_ref().and_then(|fp| machines.get(fp)) else {
            continue;
        };
        let Some(a) = &m.arrangements else {
            continue;
        };
        let Some(Value::Variant(state)) = acct.instance.vars.get(a.promise as usize) else {
            continue;
        };
        match state.as_str() {
            s if s == PROMISE_STATES[1] => out.open += 1,
            s if s == PROMISE_STATES[2] => out.kept += 1,
            s if s == PROMISE_STATES[3] => out.broken += 1,
            _ => {}
        }
    }
    Ok(Some(out))
}
