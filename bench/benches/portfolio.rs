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
//!   worker processes sharing the batch, alternating; account-steps per
//!   second, with each worker's CPU and round trips.
//!
//! - `daily-sqlite`, `daily-pg1`, `daily-pg2` (`daily` for all three): a
//!   daily batch of `DUN_BENCH_DAILY_ACCOUNTS` accounts (default
//!   1 000 000): enrolment on day 1, then the run of day 2, on SQLite and
//!   on PostgreSQL by 1 and by 2 worker processes.
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
    if let Ok(name) = std::env::var("DUN_BENCH_WORKER") {
        return worker_child(&m, name);
    }
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
        postgres_run(runs);
    }
    if ["daily-sqlite", "daily-pg1", "daily-pg2"]
        .iter()
        .any(|d| wanted(d))
    {
        daily(&m, &wanted);
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

/// The load average over 1 minute, from `/proc/loadavg`.
fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// What one run of workers did: account-steps, each worker's CPU seconds
/// and round trips to the server, and the CPU seconds of their server
/// backends.
struct Workers {
    steps: u64,
    cpu: Vec<f64>,
    trips: Vec<u64>,
    /// Each worker's peak resident memory, MB.
    peak: Vec<f64>,
    server: f64,
    /// Seconds the worker that finished the batch spent exporting its
    /// actions: one process's work, after every account has stepped.
    export: f64,
}

/// A batch for the workers: `n` synthetic accounts enrolled at `start`,
/// run to `until`.
fn synthetic_input(m: &Machine, n: u64, start: DateTime<Utc>, until: DateTime<Utc>) -> RunInput {
    RunInput {
        accounts: (0..n)
            .map(|i| {
                let a = sim::synthetic::account(m, 1, i, start, m.account_field("balance"));
                (i + 2, String::new(), a)
            })
            .collect(),
        timed: vec![],
        events: vec![],
        start,
        until,
        batch: 1000,
        strict: false,
        drain: false,
    }
}

/// Runs `workers` workers over the database `db` (a `--db` URL; `name` is
/// the database's name, which its server processes' titles show), each a
/// process of its own in a session of its own (`setsid`), as `dun run
/// --worker` processes on several machines or as services are: Linux
/// gives each session's processes one share of the CPU
/// (`sched_autogroup`), so threads of one process could use no more CPU
/// than one worker on a machine whose cores other sessions keep busy.
/// Each process is this benchmark started again with `DUN_BENCH_WORKER`
/// set ([`worker_child`]); it builds its input, says it is ready, and
/// starts when every one is. The one that finishes the batch exports its
/// actions to `actions`. Returns what they did and the seconds from the
/// start to the last one's end.
fn pg_workers(
    db: &str,
    name: &str,
    workers: usize,
    n: u64,
    until: &str,
    range: usize,
    actions: &Path,
) -> (Workers, f64) {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut children: Vec<_> = (0..workers)
        .map(|w| {
            Command::new("setsid")
                .arg(&exe)
                .env("DUN_BENCH_WORKER", format!("bench-{w}"))
                .env("DUN_BENCH_WORKER_DB", db)
                .env("DUN_BENCH_WORKER_ACCOUNTS", n.to_string())
                .env("DUN_BENCH_WORKER_UNTIL", until)
                .env("DUN_BENCH_WORKER_RANGE", range.to_string())
                .env("DUN_BENCH_WORKER_ACTIONS", actions)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker process")
        })
        .collect();
    let mut lines: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().expect("its output")).lines())
        .collect();
    for l in &mut lines {
        let ready = l.next().expect("a line").expect("a line");
        assert_eq!(ready, "ready");
    }
    let t = Instant::now();
    for c in &mut children {
        writeln!(c.stdin.as_mut().expect("its input"), "go").expect("go");
    }
    // The backends' CPU, sampled until the workers end (a backend's
    // figures go with it when its worker disconnects).
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let sampler = std::thread::scope(|scope| {
        let sampling = scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for (pid, ticks) in backends(name) {
                    seen.insert(pid, ticks);
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let mut out = Workers {
            steps: 0,
            cpu: vec![],
            trips: vec![],
            peak: vec![],
            server: 0.0,
            export: 0.0,
        };
        for l in &mut lines {
            let done = l.next().expect("a line").expect("a line");
            let f: Vec<&str> = done.split_whitespace().collect();
            assert_eq!(f.first(), Some(&"done"), "{done}");
            out.steps += f[1].parse::<u64>().expect("steps");
            out.cpu.push(f[2].parse().expect("CPU seconds"));
            out.trips.push(f[3].parse().expect("round trips"));
            out.peak.push(f[4].parse().expect("megabytes"));
            out.export += f[5].parse::<f64>().expect("export seconds");
        }
        let s = t.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        sampling.join().expect("the sampler");
        (out, s)
    });
    for mut c in children {
        assert!(c.wait().expect("a worker").success());
    }
    let (mut out, s) = sampler;
    out.server = seen.values().sum::<u64>() as f64 / 100.0;
    (out, s)
}

/// The server processes serving the database `db` and their CPU ticks.
fn backends(db: &str) -> Vec<(String, u64)> {
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
        .map(|pid| {
            let t = cpu_ticks(&pid);
            (pid, t)
        })
        .collect()
}

/// A worker process of [`pg_workers`]: prints `ready`, waits for a line,
/// runs its share of the batch, exports if it finished it, and prints
/// `done STEPS CPU-SECONDS ROUND-TRIPS PEAK-MB`.
fn worker_child(m: &Machine, name: String) {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k}"));
    let n: u64 = var("DUN_BENCH_WORKER_ACCOUNTS").parse().expect("a count");
    let range: usize = var("DUN_BENCH_WORKER_RANGE").parse().expect("a count");
    let input = synthetic_input(
        m,
        n,
        at("2026-03-02T15:00:00Z"),
        at(&var("DUN_BENCH_WORKER_UNTIL")),
    );
    let db = var("DUN_BENCH_WORKER_DB");
    let loc = store::Location::parse(Path::new(&db)).expect("the database");
    println!("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("go");
    let before = cpu_ticks("self");
    let mut st = Store::open_as(&loc, store::Access::Worker).expect("a store");
    let opts = store::WorkerOptions {
        name,
        lease: std::time::Duration::from_secs(120),
        range,
    };
    let s = store::run_worker(m, &mut st, input, &opts, &mut |_, _| {}).expect("the worker");
    let exporting = Instant::now();
    if s.finished {
        st.export(Path::new(&var("DUN_BENCH_WORKER_ACTIONS")))
            .expect("the export");
    }
    let export = if s.finished {
        exporting.elapsed().as_secs_f64()
    } else {
        0.0
    };
    let cpu = (cpu_ticks("self") - before) as f64 / 100.0;
    println!(
        "done {} {cpu:.2} {} {:.0} {export:.3}",
        s.run.steps,
        st.round_trips(),
        peak_mb()
    );
}

/// `run` on PostgreSQL: the same accounts and days as `run`, in a fresh
/// database of a throw-away cluster on this machine that syncs its commits
/// as SQLite's run does, stepped by 1 and by 2 workers (see [`pg_workers`]),
/// ranges of 1,000 accounts; the export by the last worker is timed too.
/// Each run's database is dropped after it, which also checkpoints: the
/// next run starts on a server with nothing of the last one left to write,
/// as a daily batch does, rather than behind a gigabyte of it.
/// The two configurations alternate, run by run, so that both see the
/// same moments of a shared machine. Per run: account-steps per second,
/// with the export and without it (the export is one process's work at
/// the end of the batch, whatever the number of workers), the load
/// average when it started, each worker's CPU seconds and round trips per
/// account, and the CPU seconds of their server backends; then medians.
fn postgres_run(runs: u64) {
    let Some(cluster) = store::testpg::durable_cluster() else {
        return;
    };
    let n = env("DUN_BENCH_RUN_ACCOUNTS", 20_000);
    let mut rates: [Vec<f64>; 2] = [vec![], vec![]];
    let mut stepping: [Vec<f64>; 2] = [vec![], vec![]];
    let mut cores: [Vec<f64>; 2] = [vec![], vec![]];
    for r in 0..runs {
        for workers in [1usize, 2] {
            let name = format!("bench_run_{workers}_{r}");
            let db = cluster.database(&name);
            let dir = std::env::temp_dir().join(format!("dun-bench-pg-{}-{r}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            let (load, machine) = (load1(), machine_ticks());
            let (done, s) = pg_workers(
                &db,
                &name,
                workers,
                n,
                "2026-04-01T00:00:00Z",
                1000,
                &dir.join("actions.jsonl"),
            );
            let (busy, total) = machine_ticks();
            let idle = 1.0 - (busy - machine.0) as f64 / (total - machine.1).max(1) as f64;
            let rate = done.steps as f64 / s;
            let stepped = done.steps as f64 / (s - done.export);
            let used = (done.cpu.iter().sum::<f64>() + done.server) / s;
            rates[workers - 1].push(rate);
            stepping[workers - 1].push(stepped);
            cores[workers - 1].push(used);
            let cpu: Vec<String> = done.cpu.iter().map(|c| format!("{c:.2}")).collect();
            let trips: Vec<String> = done
                .trips
                .iter()
                .map(|t| format!("{:.3}", *t as f64 / n as f64))
                .collect();
            println!(
                "  run {r}, {workers} worker(s): {rate:.0} account-steps/s in {s:.2} s ({} steps), {stepped:.0}/s without the export's {:.2} s; load {load:.1}; CPU s: workers [{}], server {:.2}; cores used {used:.2}, machine idle {:.0}%; round trips per account [{}]",
                done.steps,
                done.export,
                cpu.join(", "),
                done.server,
                100.0 * idle,
                trips.join(", ")
            );
            let _ = std::fs::remove_dir_all(&dir);
            cluster.drop_database(&name);
        }
    }
    let (one, two) = (median(rates[0].clone()), median(rates[1].clone()));
    println!(
        "run consumer_cards on PostgreSQL: {n} accounts, 30 days, commits of 1000 accounts, 1 and 2 workers alternating, {runs} runs each: median {one:.0} and {two:.0} account-steps/s ({:.2}x); cores used, medians: {:.2} and {:.2}",
        two / one,
        median(cores[0].clone()),
        median(cores[1].clone())
    );
    let (one, two) = (median(stepping[0].clone()), median(stepping[1].clone()));
    println!(
        "  without the export: median {one:.0} and {two:.0} account-steps/s ({:.2}x)",
        two / one
    );
}

/// The peak resident memory of this process since [`reset_peak`], in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Starts [`peak_mb`] afresh (Linux: writing 5 to `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A daily batch: `DUN_BENCH_DAILY_ACCOUNTS` synthetic accounts (default
/// 1,000,000) of `consumer_cards` enrolled on day 1 (timed too), then the
/// daily run of day 2 with the same accounts file (every account read,
/// loaded and stepped to the next day; nothing new), on SQLite, on
/// PostgreSQL by 1 worker and by 2 (the durable cluster; ranges of 5,000
/// accounts and transactions of 1,000, `dun run`'s defaults), one after
/// the other; each with its export. Prints the seconds of each day, the
/// account-steps, the peak memory of the run and the store's size.
fn daily(m: &Machine, wanted: &dyn Fn(&str) -> bool) {
    let n = env("DUN_BENCH_DAILY_ACCOUNTS", 1_000_000);
    let start = at("2026-03-02T15:00:00Z");
    let days = ["2026-03-03T15:00:00Z", "2026-03-04T15:00:00Z"];
    let dir = std::env::temp_dir().join(format!("dun-bench-daily-{}", std::process::id()));
    let report = |what: &str, day: usize, s: f64, steps: u64, size: f64, load: f64| {
        println!(
            "daily {what}, day {}: {n} accounts in {s:.1} s ({:.0} accounts/s, {steps} account-steps, {:.0}/s); store {size:.0} MB; load {load:.1}",
            day + 1,
            n as f64 / s,
            steps as f64 / s,
        );
    };
    if wanted("daily-sqlite") {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        for (day, until) in days.iter().enumerate() {
            let given = synthetic_input(m, n, start, at(until));
            let load = load1();
            reset_peak();
            let t = Instant::now();
            let mut st = Store::open(&dir.join("store.db")).expect("a store");
            let summary = store::run(m, &mut st, given, &mut |_, _| {}).expect("the run");
            st.export(&dir.join("actions.jsonl")).expect("the export");
            drop(st);
            let s = t.elapsed().as_secs_f64();
            let size = std::fs::metadata(dir.join("store.db")).map_or(0, |f| f.len());
            report(
                &format!("SQLite (peak memory {:.0} MB)", peak_mb()),
                day,
                s,
                summary.steps,
                size as f64 / 1e6,
                load,
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !wanted("daily-pg1") && !wanted("daily-pg2") {
        return;
    }
    let Some(cluster) = store::testpg::durable_cluster() else {
        return;
    };
    for workers in [1usize, 2] {
        if !wanted(&format!("daily-pg{workers}")) {
            continue;
        }
        let name = format!("bench_daily_{workers}");
        let db = cluster.database(&name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        for (day, until) in days.iter().enumerate() {
            let load = load1();
            let (done, s) = pg_workers(
                &db,
                &name,
                workers,
                n,
                until,
                5000,
                &dir.join("actions.jsonl"),
            );
            // The database's size, and whether the ranges were read by
            // the byte-order index (scans of it) or by reading the table.
            let (size, index_scans, hot): (i64, Option<i64>, Option<String>) = {
                let mut c = cluster.client(&name);
                let r = c
                    .query_one(
                        "SELECT pg_database_size(current_database()),
                                (SELECT CAST(idx_scan AS BIGINT) FROM pg_stat_user_indexes WHERE indexrelname = 'instances_account_c'),
                                (SELECT n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_user_tables WHERE relname = 'instances')",
                        &[],
                    )
                    .expect("its size");
                (r.get(0), r.get(1), r.get(2))
            };
            println!("  (instances_account_c scans so far: {index_scans:?}; HOT updates of instances: {hot:?})");
            let cpu: Vec<String> = done.cpu.iter().map(|c| format!("{c:.1}")).collect();
            let peak: Vec<String> = done.peak.iter().map(|c| format!("{c:.0}")).collect();
            report(
                &format!(
                    "PostgreSQL, {workers} worker(s) (CPU s: workers {}, server {:.1}; peak memory MB {})",
                    cpu.join(", "),
                    done.server,
                    peak.join(", ")
                ),
                day,
                s,
                done.steps,
                size as f64 / 1e6,
                load,
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
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
