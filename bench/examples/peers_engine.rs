//! dun's side of `bench/peers`' engine comparison: the collection machine
//! of `bench/peers/work/collection.dun` (written by `bench/peers/gen.js`)
//! stepped for N accounts, each enrolled, given its due timers until it
//! ends, every fourth paying after ten stages, exactly as
//! `bench/peers/xstate_run.js` steps XState. Prints the steps and the
//! process's CPU seconds as JSON.
//!
//! `cargo run --release -p dun-bench --example peers_engine -- FLOW [N]`

use chrono::{DateTime, Utc};
use dun_runtime::{step_into, Account, Input, Instance, Outcome, Value};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// User and system CPU time of this process, from `/proc/self/stat` (in
/// clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("usage: peers_engine FLOW [ACCOUNTS]"));
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let text = std::fs::read_to_string(&path).expect("the collection flow");
    let analysis = dun_compiler::analyze(Some(&path), &text);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
    let m = dun_compiler::lower::lower(&analysis.file, &analysis.model).expect("it compiles");
    let payment = m.event_index("payment").expect("a payment event");
    let start: DateTime<Utc> = "2026-03-02T14:00:00Z".parse().expect("a moment");
    let accounts: Vec<Account> = (0..n)
        .map(|i| {
            Account::new(
                &m,
                format!("ACC-{i:07}"),
                [
                    (
                        "balance",
                        Value::Money(Decimal::from(500 + (i % 997) as i64)),
                    ),
                    ("mobile", Value::Text("+15550100".into())),
                ],
            )
            .expect("a valid account")
        })
        .collect();
    let cpu0 = cpu_seconds();
    let (mut steps, mut actions) = (0u64, 0u64);
    let mut out = Outcome::default();
    for (a, account) in accounts.iter().enumerate() {
        let mut inst = Instance::new();
        step_into(&m, &mut inst, account, Input::Enrol, start, &mut out);
        steps += 1;
        actions += out.actions.len() as u64;
        let mut k = 0;
        while inst.status == dun_runtime::engine::Status::Active {
            let Some(due) = inst.next_due() else { break };
            let input = if a % 4 == 0 && k == 10 {
                Input::Event {
                    event: payment,
                    payload: vec![Value::Money(Decimal::from(100))],
                }
            } else {
                Input::Timer
            };
            step_into(&m, &mut inst, account, input, due, &mut out);
            steps += 1;
            actions += out.actions.len() as u64;
            k += 1;
        }
    }
    let used = cpu_seconds() - cpu0;
    println!(
        "{{\"accounts\":{n},\"transitions\":{steps},\"actions\":{actions},\"cpu_seconds\":{used}}}"
    );
}
