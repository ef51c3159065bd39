//! The payment plans of a flow that tracks them (`payments from`, `plan
//! ...`): per account its last plan, and over the store how many accounts'
//! last plan is current, completed or broken, as the engine decided, read
//! from each account's state.

use dun_runtime::engine::{plan_of, PlanView};
use dun_runtime::format::Machine;
use dun_runtime::store::{Store, StoreError, StoredAccount};

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Plans {
    pub current: u64,
    pub completed: u64,
    pub broken: u64,
}

impl Plans {
    /// Completed ÷ (completed + broken): the share of decided plans that
    /// were paid in full.
    pub fn completed_rate(&self) -> f64 {
        let decided = self.completed + self.broken;
        if decided == 0 {
            0.0
        } else {
            self.completed as f64 / decided as f64
        }
    }
}

/// Whether `m` tracks payment plans.
pub(crate) fn tracks(m: &Machine) -> bool {
    m.plans.is_some()
}

impl Plans {
    /// Counts the state of `acct`'s last plan, read with `m`, the machine
    /// it runs on.
    pub fn add(&mut self, m: &Machine, acct: &StoredAccount) {
        match plan_of(m, &acct.instance).map(|p| p.state) {
            Some("current") => self.current += 1,
            Some("completed") => self.completed += 1,
            Some("broken") => self.broken += 1,
            _ => {}
        }
    }
}

/// The account's last plan and the flow's currency, if its machine tracks
/// plans and it accepted one.
pub(crate) fn of(
    store: &Store,
    acct: &StoredAccount,
) -> Result<Option<(PlanView, String)>, StoreError> {
    let Some(fp) = &acct.machine else {
        return Ok(None);
    };
    Ok(store
        .machine(fp)?
        .and_then(|m| plan_of(&m, &acct.instance).map(|p| (p, m.currency))))
}

/// `plan 600.00 USD in 3 installments: 250.00 USD paid, next due
/// 2026-04-15, 1 missed, current`.
pub(crate) fn line(p: &PlanView, currency: &str) -> String {
    let next = p
        .next_due
        .map(|d| format!(", next due {d}"))
        .unwrap_or_default();
    let behind = if p.behind { " (behind)" } else { "" };
    format!(
        "plan {:.2} {currency} in {} installments: {:.2} {currency} paid{next}, {} missed, {}{behind}",
        p.amount,
        p.installments,
        p.paid,
        p.missed,
        p.state
    )
}

pub(crate) fn json(p: &PlanView, currency: &str) -> serde_json::Value {
    serde_json::json!({
        "state": p.state,
        "currency": currency,
        "amount": format!("{:.2}", p.amount),
        "installments": p.installments,
        "paid": format!("{:.2}", p.paid),
        "next_due": p.next_due.map(|d| d.to_string()),
        "missed": p.missed,
        "behind": p.behind,
    })
}
