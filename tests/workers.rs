//! Several `dun run --worker` processes sharing one batch over one
//! PostgreSQL store, with the real binary: killed at random moments, they
//! still give, id for id, the actions of one uninterrupted SQLite run.
//! Skipped (saying so) without PostgreSQL; failed under `CI=true`.

mod common;

use common::{dun, root, text};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn example(file: &str) -> String {
    root()
        .join("examples/consumer_cards")
        .join(file)
        .display()
        .to_string()
}

/// A portfolio of `n` accounts of the consumer cards example, a third of
/// them with an event.
fn portfolio(dir: &Path, n: usize) -> (String, String) {
    let zones = ["America/Chicago", "America/New_York", "America/Los_Angeles"];
    let risks = ["low", "medium", "high"];
    let mut csv = String::from(
        "id,name,balance,original_creditor,charge_off_date,days_past_due,risk,mobile,email,address,timezone,e_sign_consent\n",
    );
    let mut events = String::new();
    for i in 0..n {
        let mobile = if i % 5 == 0 {
            String::new()
        } else {
            format!("+1312555{:04}", i % 10_000)
        };
        let email = if i % 3 == 0 {
            String::new()
        } else {
            format!("w{i}@example.com")
        };
        csv.push_str(&format!(
            "W{i:06},Debtor {i},{}.{:02},Lakeshore Bank Visa,2025-09-30,{},{},{mobile},{email},\"{i} Elm St\",{},{}\n",
            300 + (i * 37) % 9000,
            i % 100,
            180 + i % 200,
            risks[i % 3],
            zones[i % 3],
            i % 2 == 0
        ));
        let kind = match i % 3 {
            0 => format!("\"type\":\"promise_to_pay\",\"amount\":\"100\",\"due\":\"2026-04-01\",\"at\":\"2026-03-{:02}T17:00:00Z\"", 10 + i % 15),
            1 => format!("\"type\":\"dispute\",\"reason\":\"not mine\",\"at\":\"2026-03-{:02}T18:00:00Z\"", 5 + i % 20),
            _ => continue,
        };
        events.push_str(&format!(
            "{{\"id\":\"V{i}\",\"account\":\"W{i:06}\",{kind}}}\n"
        ));
    }
    let a = dir.join("accounts.csv");
    let e = dir.join("events.jsonl");
    std::fs::write(&a, csv).unwrap();
    std::fs::write(&e, events).unwrap();
    (a.display().to_string(), e.display().to_string())
}

fn run_args(db: &str, accounts: &str, events: &str, out: &str) -> Vec<String> {
    [
        "run",
        &example("consumer_cards.dun"),
        "--db",
        db,
        "--accounts",
        accounts,
        "--events",
        events,
        "--start",
        "2026-03-02T15:00:00Z",
        "--until",
        "2026-05-15T00:00:00Z",
        "--actions",
        out,
        "--batch",
        "25",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Export lines by action id, each id once.
fn exported(path: &Path) -> BTreeMap<String, String> {
    let body = std::fs::read_to_string(path).unwrap_or_default();
    let mut by_id = BTreeMap::new();
    for line in body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        let id = v["id"].as_str().expect("an id").to_string();
        assert!(
            by_id.insert(id.clone(), line.to_string()).is_none(),
            "action {id} exported twice"
        );
    }
    by_id
}

fn randoms(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed | 1;
    move |below| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % below.max(1)
    }
}

fn worker(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .args(["--worker", "--range", "150", "--lease", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn workers_killed_three_times_give_the_actions_of_one_uninterrupted_sqlite_run() {
    let dir = common::scratch("workers", "kill");
    let (accounts, events) = portfolio(&dir, 3000);
    let path = |n: &str| dir.join(n).display().to_string();

    let whole_out = path("whole.jsonl");
    let began = Instant::now();
    let whole = dun(&run_args(&path("whole.db"), &accounts, &events, &whole_out)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let took = began.elapsed();
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let expected = exported(Path::new(&whole_out));
    assert!(expected.len() > 20_000, "{} actions", expected.len());
    let expected_status = text(&dun(&["status", "--db", &path("whole.db")]).stdout);

    let cluster = dun_runtime::store::testpg::cluster().expect("a cluster");
    let db = cluster.database("workers_kill");
    let out = path("workers.jsonl");
    let args = run_args(&db, &accounts, &events, &out);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(11, |d| d.as_nanos() as u64);
    let mut next = randoms(seed);
    let mut running: Vec<Child> = (0..3).map(|_| worker(&args)).collect();
    let mut kills = 0;
    for _ in 0..3 {
        // A random moment within the time one process takes for it all.
        std::thread::sleep(Duration::from_millis(
            next(took.as_millis() as u64 / 2 + 1) + 50,
        ));
        let victim = next(running.len() as u64) as usize;
        let mut child = running.swap_remove(victim);
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        running.push(worker(&args));
    }
    for child in running {
        let done = child.wait_with_output().unwrap();
        assert!(done.status.success(), "seed {seed}: {}", text(&done.stderr));
    }
    // A worker killed after it finished the last range but before its
    // export leaves the actions in the store: `dun export` writes them.
    let rest = dun(&["export", "--db", &db, "--actions", &out]);
    assert!(rest.status.success(), "{}", text(&rest.stderr));
    let got = exported(Path::new(&out));
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(3)
        .collect();
    let extra: Vec<_> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "seed {seed}: missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(got, expected, "seed {seed}: the same actions, id for id");
    assert_eq!(
        text(&dun(&["status", "--db", &db]).stdout),
        expected_status,
        "seed {seed}"
    );
    assert!(kills >= 1, "seed {seed}: no kill hit a running worker");

    // A downstream system following the outbox from cursor 0 sees every
    // action once, and resumes from the cursor printed.
    let follow = path("follow.jsonl");
    let first = dun(&["export", "--db", &db, "--after", "0", "--actions", &follow]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let cursor = text(&first.stdout).trim().to_string();
    assert_eq!(exported(Path::new(&follow)), expected);
    let again = dun(&[
        "export",
        "--db",
        &db,
        "--after",
        &cursor,
        "--actions",
        &follow,
    ]);
    assert_eq!(text(&again.stdout).trim(), cursor);
    assert_eq!(exported(Path::new(&follow)).len(), expected.len());
}

#[test]
fn several_workers_killed_at_random_moments() {
    if dun_runtime::store::testpg::cluster().is_none() {
        return;
    }
    workers_killed_three_times_give_the_actions_of_one_uninterrupted_sqlite_run();
}

#[test]
fn a_worker_on_a_sqlite_store_is_refused() {
    let dir = common::scratch("workers", "sqlite");
    let (accounts, events) = portfolio(&dir, 3);
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("out.jsonl").display().to_string();
    let mut args = run_args(&db, &accounts, &events, &out);
    args.push("--worker".into());
    let refused = dun(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr)
            .contains("--worker shares a batch between processes over a PostgreSQL store"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn a_password_in_the_url_is_refused_before_connecting_and_not_echoed() {
    let out = dun(&["status", "--db", "postgres://ops:hunter2@db.invalid/dun"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("PGPASSWORD or ~/.pgpass"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
