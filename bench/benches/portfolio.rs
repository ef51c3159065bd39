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
//! - `postgres`: `run` on PostgreSQL (a throw-away cluster of this
//!   machine's PostgreSQL server, syncing its commits), by 1 and by 2
//!   workers sharing the batch; account-steps per second.
//!
//! - `migrate`: `dun migrate`'s store work: a store of synthetic accounts
//!   enrolled in `consumer_cards` version 4, moved to a version 5 whose
//!   `migrate from version 4` keeps every place (one transaction, an audit
//!   line each); the move alone is timed.
//!
//! `DUN_BENCH_SIM_ACCOUNTS` (default 1 000 000), `DUN_BENCH_RUN_ACCOUNTS`
//! (default 20 000), `DUN_BENCH_MIGRATE_ACCOUNTS` (default 1 000 000) and
//! `DUN_BENCH_RUNS` (default 3) size it; medians are printed.

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
    dun_compiler::lower::lower(&analysis.file, &analysis.model).expect("the example compiles")
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
            let report = sim::simulate(&m, &model, &Portfolio::Synthetic(n), &cfg, &mut |_| {})
                .expect("the simulation");
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
    if wanted("postgres") {
        postgres_run(&m, runs);
    }
    if wanted("migrate") {
        let n = env("DUN_BENCH_MIGRATE_ACCOUNTS", 1_000_000);
        let v5 = version_5();
        let mut times = Vec::new();
        for r in 0..runs {
            let dir =
                std::env::temp_dir().join(format!("dun-bench-migrate-{}-{r}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            let start = at("2026-03-02T15:00:00Z");
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
                until: at("2026-03-03T00:00:00Z"),
                batch: 10_000,
                strict: false,
                drain: false,
            };
            let mut st = Store::open(&dir.join("store.db")).expect("a store");
            store::run(&m, &mut st, input, &mut |_, _| {}).expect("the run");
            let t = Instant::now();
            let moved = st
                .migrate(&v5, false, at("2026-03-03T00:00:00Z"))
                .expect("the migration");
            let s = t.elapsed().as_secs_f64();
            assert_eq!(moved.moved, n);
            times.push(s);
            drop(st);
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!(
            "migrate consumer_cards version 4 -> 5: {n} accounts in one transaction: median {:.1} s",
            median(times)
        );
    }
}

/// Clock ticks of CPU time (user and system) of the process `pid`
/// (`self` for this one), from `/proc` (Linux); 0 where it cannot be read.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command (which may hold spaces), from the
    // third: utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12)
}

/// The CPU ticks of the server processes serving the database `db`: the
/// backends whose title names it (`postgres: USER DB ...`).
fn backend_ticks(db: &str) -> u64 {
    let needle = format!(" {db} ");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.to_string();
            pid.chars().all(|c| c.is_ascii_digit()).then_some(pid)
        })
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
        })
        .map(|pid| cpu_ticks(&pid))
        .sum()
}

/// The machine's busy and total CPU ticks so far, from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// `run` on PostgreSQL: the same accounts and days as `run`, in a fresh
/// database of a throw-away cluster on this machine that syncs its commits
/// as SQLite's run does, stepped by 1 and by 2 workers (threads of this
/// process, each with its own connection, as `dun run --worker` processes
/// would be), ranges of 1,000 accounts; the export by the last worker is
/// timed too. Account-steps per second, medians; and where the time went:
/// the CPU seconds of the workers (this process) and of their server
/// backends per second of the run, and the machine's idle share, which
/// say whether a second worker had a core to use.
fn postgres_run(m: &Machine, runs: u64) {
    let Some(cluster) = store::testpg::durable_cluster() else {
        return;
    };
    let n = env("DUN_BENCH_RUN_ACCOUNTS", 20_000);
    let start = at("2026-03-02T15:00:00Z");
    let input = || RunInput {
        accounts: (0..n)
            .map(|i| {
                let a = sim::synthetic::account(m, 1, i, start, m.account_field("balance"));
                (i + 2, String::new(), a)
            })
            .collect(),
        timed: vec![],
        events: vec![],
        start,
        until: at("2026-04-01T00:00:00Z"),
        batch: 1000,
        strict: false,
        drain: false,
    };
    // Ticks per second of /proc's CPU times (USER_HZ), 100 on Linux.
    let hz = 100.0;
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    for workers in [1usize, 2] {
        let mut rates = vec![];
        let mut shares = vec![];
        let mut steps = 0;
        for r in 0..runs {
            let name = format!("bench_run_{workers}_{r}");
            let db = cluster.database(&name);
            let at = store::Location::parse(Path::new(&db)).expect("the database");
            let inputs: Vec<RunInput> = (0..workers).map(|_| input()).collect();
            let dir = std::env::temp_dir().join(format!("dun-bench-pg-{}-{r}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            let (own, machine) = (cpu_ticks("self"), machine_ticks());
            let t = Instant::now();
            let done: Vec<(u64, bool, Store)> = std::thread::scope(|scope| {
                let handles: Vec<_> = inputs
                    .into_iter()
                    .enumerate()
                    .map(|(w, input)| {
                        let at = &at;
                        scope.spawn(move || {
                            let mut st =
                                Store::open_as(at, store::Access::Worker).expect("a store");
                            let opts = store::WorkerOptions {
                                name: format!("bench-{w}"),
                                lease: std::time::Duration::from_secs(60),
                                range: 1000,
                            };
                            let s = store::run_worker(m, &mut st, input, &opts, &mut |_, _| {})
                                .expect("the worker");
                            (s.run.steps, s.finished, st)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a worker thread"))
                    .collect()
            });
            steps = done.iter().map(|d| d.0).sum();
            let mut stores = Vec::new();
            for (_, finished, mut st) in done {
                if finished {
                    st.export(&dir.join("actions.jsonl")).expect("the export");
                }
                stores.push(st);
            }
            let s = t.elapsed().as_secs_f64();
            // Read while the backends live (until the stores close).
            let server = backend_ticks(&name) as f64 / hz;
            drop(stores);
            let own = (cpu_ticks("self") - own) as f64 / hz;
            let (busy, total) = machine_ticks();
            let idle = 1.0 - (busy - machine.0) as f64 / (total - machine.1).max(1) as f64;
            rates.push(steps as f64 / s);
            shares.push((own / s, server / s, idle));
            let _ = std::fs::remove_dir_all(&dir);
        }
        let mid = |f: fn(&(f64, f64, f64)) -> f64| median(shares.iter().map(f).collect());
        let per_cpu = median(
            rates
                .iter()
                .zip(&shares)
                .map(|(r, s)| r / (s.0 + s.1).max(1e-9))
                .collect(),
        );
        println!(
            "run consumer_cards on PostgreSQL, {workers} worker(s): {n} accounts, 30 days, {steps} account-steps, commits of 1000 accounts: median {:.0} account-steps/s, {per_cpu:.0} per CPU-second; CPU per second of the run: workers {:.2}, server {:.2}; machine idle {:.0}%; load {}",
            median(rates),
            mid(|x| x.0),
            mid(|x| x.1),
            100.0 * mid(|x| x.2),
            load().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
    }
}

/// `consumer_cards` as version 5, every place of version 4 kept.
fn version_5() -> Machine {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/consumer_cards/consumer_cards.dun");
    let text = std::fs::read_to_string(&path)
        .expect("the example flow")
        .replace(
            "flow consumer_cards version 4",
            "flow consumer_cards version 5",
        )
        + "\nmigrate from version 4 {\n}\n";
    let analysis = dun_compiler::analyze(Some(&path), &text);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
    dun_compiler::lower::lower(&analysis.file, &analysis.model).expect("version 5 compiles")
}
