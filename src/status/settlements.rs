//! One account's settlement offer, for `dun status ACCOUNT`: its state,
//! amount, last day and what was paid toward it, read from the account's
//! state on the machine it runs on.

use dun_runtime::format::SETTLEMENT_STATES;
use dun_runtime::store::{Store, StoreError, StoredAccount};
use dun_runtime::value::Value;

/// `settlement open: 1860 USD until 2026-05-09, 1000 USD paid toward it`;
/// `None` for an account whose flow offers no settlement, or that was
/// never offered one.
pub(crate) fn line(store: &Store, a: &StoredAccount) -> Result<Option<String>, StoreError> {
    let Some(fp) = &a.machine else {
        return Ok(None);
    };
    let Some(m) = store.machine(fp)? else {
        return Ok(None);
    };
    let (Some(s), Some(arr)) = (&m.settlements, &m.arrangements) else {
        return Ok(None);
    };
    let var = |i: u16| a.instance.vars.get(i as usize);
    let money = |i: u16| match var(i) {
        Some(Value::Money(d)) => Some(*d),
        _ => None,
    };
    let Some(Value::Variant(state)) = var(s.settlement) else {
        return Ok(None);
    };
    if state == SETTLEMENT_STATES[0] {
        return Ok(None);
    }
    let until = match var(s.until) {
        Some(Value::Date(d)) => d.to_string(),
        _ => "?".into(),
    };
    let (Some(amount), Some(paid), Some(before)) =
        (money(s.amount), money(arr.paid), money(s.from))
    else {
        return Ok(None);
    };
    let c = &m.currency;
    Ok(Some(format!(
        "settlement {state}: {} {c} until {until}, {} {c} paid toward it",
        amount.normalize(),
        (paid - before).normalize()
    )))
}
