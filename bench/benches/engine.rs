//! The engine stepping many accounts through the language reference's flow
//! (`consumer_early`: contact hours in the account's zone, a closed Sunday,
//! bank holidays, two caps, a pause and a stop), 60 simulated days each.
//! Reports engine steps per second; prints the instance size once.

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dun_runtime::format::Machine;
use dun_runtime::{step, Account, Input, Instance, Value};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::path::Path;

const ACCOUNTS: usize = 1_000;
const DAYS: i64 = 60;

fn machine() -> Machine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid/reference.dun");
    let text = std::fs::read_to_string(&path).expect("the reference flow");
    let analysis = dun_compiler::analyze(Some(&path), &text);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
    dun_compiler::lower::lower(&analysis.file, Some(&path)).expect("the reference flow compiles")
}

fn accounts(m: &Machine) -> Vec<Account> {
    let zones = ["America/New_York", "America/Los_Angeles", "Europe/Madrid"];
    (0..ACCOUNTS)
        .map(|n| {
            let money = |v: i64| Value::Money(Decimal::from(v));
            Account::new(
                m,
                format!("ACC-{n:07}"),
                [
                    ("name", Value::Text("Ann Lee".into())),
                    ("balance", money(500 + (n as i64 * 37) % 20_000)),
                    ("minimum_due", money(50)),
                    (
                        "due_date",
                        Value::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
                    ),
                    ("days_past_due", Value::Number(Decimal::from(5))),
                    (
                        "risk",
                        Value::Variant(["low", "medium", "high"][n % 3].into()),
                    ),
                    (
                        "mobile",
                        if n % 4 == 0 {
                            Value::Unset
                        } else {
                            Value::Text("+15550100".into())
                        },
                    ),
                    ("email", Value::Text("ann@example.com".into())),
                    ("address", Value::Text("1 Main St".into())),
                    ("whatsapp_opt_in", Value::Bool(false)),
                    ("timezone", Value::Text(zones[n % 3].into())),
                ],
            )
            .expect("a valid account")
        })
        .collect()
}

/// Runs every account for `DAYS`; returns the number of engine steps.
fn simulate(m: &Machine, accounts: &[Account], start: DateTime<Utc>) -> usize {
    let end = start + Duration::days(DAYS);
    let answered = m.event_index("call_outcome").expect("event");
    let mut steps = 0;
    for (n, account) in accounts.iter().enumerate() {
        let mut inst = Instance::new();
        step(m, &mut inst, account, Input::Enrol, start);
        steps += 1;
        let mut event_at = (n % 5 == 0).then(|| start + Duration::days(9));
        while let Some(due) = inst.next_due().filter(|d| *d <= end) {
            if let Some(at) = event_at.filter(|at| *at <= due) {
                let payload = vec![Value::Variant("answered".into())];
                step(
                    m,
                    &mut inst,
                    account,
                    Input::Event {
                        event: answered,
                        payload,
                    },
                    at,
                );
                event_at = None;
            } else {
                black_box(step(m, &mut inst, account, Input::Timer, due));
            }
            steps += 1;
        }
    }
    steps
}

fn engine(c: &mut Criterion) {
    let m = machine();
    let accounts = accounts(&m);
    let start = DateTime::from_timestamp(1_772_442_000, 0).expect("2026-03-02");
    let steps = simulate(&m, &accounts, start);
    let mut inst = Instance::new();
    step(&m, &mut inst, &accounts[1], Input::Enrol, start);
    println!(
        "engine: {steps} steps for {ACCOUNTS} accounts over {DAYS} days; instance {} bytes inline + {} on the heap",
        std::mem::size_of::<Instance>(),
        inst.heap_bytes()
    );
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(steps as u64));
    group.sample_size(10);
    group.bench_function("consumer_early_1000_accounts_60_days", |b| {
        b.iter(|| simulate(&m, black_box(&accounts), start))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
