//! Portfolio-scale benchmarks, timed by hand (one run of a million accounts
//! takes tens of seconds; a statistics harness would take an hour):
//!
//! - `simulate`: `consumer_cards`, synthetic accounts, 180 days, every core
//!   (what `dun simulate --synthetic N --days 180` does);
//! - `run`: `dun run`'s store work: enrol synthetic accounts and step them
//!   30 days through `consumer_cards` in a fresh SQLite store with
//!   `dun run`'s commits (the last batch synced to disk), then export;
//!   account-steps per second.
//!
//! `DUN_BENCH_SIM_ACCOUNTS` (default 1 000 000), `DUN_BENCH_RUN_ACCOUNTS`
//! (default 20 000) and `DUN_BENCH_RUNS` (default 3) size it; medians are
//! printed.

use chrono::{DateTime, Utc};
use dun_runtime::format::Machine;
use dun_runtime::sim::{self, Behaviour, Config, Portfolio};
use dun_runtime::store::{self, RunInput, Store};
use std::path::Path;
use std::time::Instant;

fn machine() -> Machine {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/consumer_cards/consumer_cards.dun");
    let text = std::fs::read_to_string(&path).expect("the example flow");
    let analysis = dun_compiler::analyze(Some(&path), &text);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
    dun_compiler::lower::lower(&analysis.file, Some(&path)).expect("the example compiles")
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a moment")
        .with_timezone(&Utc)
}

fn main() {
    // `cargo bench -- NAME` runs only the benchmarks whose name contains NAME.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let m = machine();
    let runs = env("DUN_BENCH_RUNS", 3).max(1);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    if wanted("simulate") {
        let n = env("DUN_BENCH_SIM_ACCOUNTS", 1_000_000);
        let model = Behaviour::default_model();
        let cfg = Config {
            days: 180,
            seed: 1,
            start: at("2026-03-02T14:00:00Z"),
            threads,
        };
        let mut times = vec![];
        for _ in 0..runs.min(3) {
            let t = Instant::now();
            let report = sim::simulate(&m, &model, &Portfolio::Synthetic(n), &cfg, &mut |_| {});
            times.push(t.elapsed().as_secs_f64());
            assert_eq!(report.whole.accounts, n);
        }
        let s = median(times);
        println!(
            "simulate consumer_cards: {n} synthetic accounts x 180 days on {threads} threads: median {s:.1} s ({:.0} accounts/s)",
            n as f64 / s
        );
    }

    if wanted("run") {
        let n = env("DUN_BENCH_RUN_ACCOUNTS", 20_000);
        let start = at("2026-03-02T15:00:00Z");
        let mut rates = vec![];
        let mut steps = 0;
        for r in 0..runs {
            let dir =
                std::env::temp_dir().join(format!("dun-bench-run-{}-{r}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            let accounts = (0..n)
                .map(|i| {
                    let a = sim::synthetic::account(&m, 1, i, start, m.account_field("balance"));
                    (i + 2, String::new(), a)
                })
                .collect();
            let input = RunInput {
                accounts,
                timed: vec![],
                events: vec![],
                start,
                until: at("2026-04-01T00:00:00Z"),
                batch: 1000,
                strict: false,
                drain: false,
            };
            let t = Instant::now();
            let mut st = Store::open(&dir.join("store.db")).expect("a store");
            let summary = store::run(&m, &mut st, input, &mut |_, _| {}).expect("the run");
            st.export(&dir.join("actions.jsonl")).expect("the export");
            let s = t.elapsed().as_secs_f64();
            steps = summary.steps;
            rates.push(summary.steps as f64 / s);
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!(
            "run consumer_cards: {n} accounts, 30 days, {steps} account-steps, durable commits of 1000 accounts: median {:.0} account-steps/s",
            median(rates)
        );
    }
}
