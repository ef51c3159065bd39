//! The engine's workload: accounts of the language reference's flow
//! (`consumer_early`: contact hours in the account's zone, a closed Sunday,
//! bank holidays, two caps, a pause and a stop) stepped over simulated days.
//! Shared by `benches/engine.rs` and `examples/engine_once.rs`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dun_runtime::format::Machine;
use dun_runtime::{step_into, Account, Input, Instance, Outcome, Value};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::path::Path;

/// The reference flow, compiled. Panics only if the repository's own
/// fixture stops compiling, which the test suite would already report.
pub fn reference_machine() -> Machine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid/reference.dun");
    let text = std::fs::read_to_string(&path).expect("the reference flow");
    let analysis = dun_compiler::analyze(Some(&path), &text);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
    dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .expect("the reference flow compiles")
}

/// `n` accounts in three zones, a quarter without a mobile number.
pub fn accounts(m: &Machine, n: usize) -> Vec<Account> {
    let zones = ["America/New_York", "America/Los_Angeles", "Europe/Madrid"];
    let due = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
    (0..n)
        .map(|i| {
            let money = |v: i64| Value::Money(Decimal::from(v));
            Account::new(
                m,
                format!("ACC-{i:07}"),
                [
                    ("name", Value::Text("Ann Lee".into())),
                    ("balance", money(500 + (i as i64 * 37) % 20_000)),
                    ("minimum_due", money(50)),
                    ("due_date", Value::Date(due)),
                    ("days_past_due", Value::Number(Decimal::from(5))),
                    (
                        "risk",
                        Value::Variant(["low", "medium", "high"][i % 3].into()),
                    ),
                    (
                        "mobile",
                        if i % 4 == 0 {
                            Value::Unset
                        } else {
                            Value::Text("+15550100".into())
                        },
                    ),
                    ("email", Value::Text("ann@example.com".into())),
                    ("address", Value::Text("1 Main St".into())),
                    ("whatsapp_opt_in", Value::Bool(false)),
                    ("timezone", Value::Text(zones[i % 3].into())),
                ],
            )
            .expect("a valid account")
        })
        .collect()
}

/// What stepping a portfolio did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Calls of the engine's `step`.
    pub steps: usize,
    /// States entered (stage entries, waits, held contacts): the machine's
    /// transitions.
    pub transitions: usize,
}

/// Runs every account for `days` from `start`; every fifth account answers
/// a call on day 9 (which starts the pause after a conversation).
pub fn simulate(m: &Machine, accounts: &[Account], start: DateTime<Utc>, days: i64) -> Work {
    let end = start + Duration::days(days);
    let answered = m.event_index("call_outcome").expect("event");
    let mut work = Work::default();
    // One outcome for the whole run, as a scheduler would keep one.
    let mut out = Outcome::default();
    for (n, account) in accounts.iter().enumerate() {
        let mut inst = Instance::new();
        step_into(m, &mut inst, account, Input::Enrol, start, &mut out);
        work.steps += 1;
        work.transitions += out.visited.len();
        let mut event_at = (n % 5 == 0).then(|| start + Duration::days(9));
        while let Some(due) = inst.next_due().filter(|d| *d <= end) {
            if let Some(at) = event_at.filter(|at| *at <= due) {
                let payload = vec![Value::Variant("answered".into())];
                event_at = None;
                let input = Input::Event {
                    event: answered,
                    payload,
                };
                step_into(m, &mut inst, account, input, at, &mut out);
            } else {
                step_into(m, &mut inst, account, Input::Timer, due, &mut out);
            }
            work.steps += 1;
            work.transitions += out.visited.len();
            black_box(&out);
        }
    }
    work
}

/// 2026-03-02 09:00 UTC, a Monday.
pub fn monday() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_442_000, 0).expect("2026-03-02")
}
