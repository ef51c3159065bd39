//! Several `dun run --worker` processes sharing one batch over one
//! PostgreSQL store, with the real binary: killed at random moments, they
//! still give, id for id, the actions of one uninterrupted SQLite run.
//! Skipped (saying so) without PostgreSQL; failed under `CI=true`.

mod common;

use common::{consumer_cards, dun, exported, root, text};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// `common::run_args` for the example flow, in batches of 25.
fn run_args(db: &str, accounts: &str, events: &str, out: &str) -> Vec<String> {
    let flow = consumer_cards("consumer_cards.dun");
    let mut args: Vec<String> = common::run_args(&flow, db, accounts, events, out)
        .into_iter()
        .map(String::from)
        .collect();
    args.extend(["--batch".to_string(), "25".to_string()]);
    args
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

/// Sixty auto loan accounts 12 days past due, so that each meets the
/// champion/challenger split; a third promise, a third pay.
fn auto_loans(dir: &Path) -> (String, String) {
    let mut csv = String::from(
        "id,name,loan_number,vehicle,vin,vehicle_class,balance,past_due,monthly_payment,apr,mobile,home_phone,email,address,county,timezone,payment_cutoff\n",
    );
    let mut events = String::new();
    for i in 0..60 {
        csv.push_str(&format!(
            "AL-{i:04},Driver {i},AL-{i:04},2021 Toyota RAV4,2T3P1RFV5MC1{i:05},car,15000.00,812.00,406.00,7.9%,+1312555{i:04},,d{i}@example.com,\"{i} Oak St, Springfield, IL 62701\",Sangamon,America/Chicago,17:00\n"
        ));
        match i % 3 {
            0 => events.push_str(&format!(
                "{{\"id\":\"P{i}\",\"account\":\"AL-{i:04}\",\"type\":\"promise_to_pay\",\"amount\":\"406\",\"due\":\"2026-03-30\",\"at\":\"2026-03-20T16:00:00Z\"}}\n"
            )),
            1 => events.push_str(&format!(
                "{{\"id\":\"M{i}\",\"account\":\"AL-{i:04}\",\"type\":\"payment\",\"amount\":\"100.50\",\"at\":\"2026-03-21T16:00:00Z\"}}\n"
            )),
            _ => {}
        }
    }
    let a = dir.join("loans.csv");
    let e = dir.join("loan_events.jsonl");
    std::fs::write(&a, csv).unwrap();
    std::fs::write(&e, events).unwrap();
    (a.display().to_string(), e.display().to_string())
}

#[test]
fn the_bi_views_count_accounts_per_stage_actions_per_day_and_each_split_arm() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("workers", "views");
    let (accounts, events) = auto_loans(&dir);
    let db = cluster.database("workers_views");
    let out = dir.join("out.jsonl").display().to_string();
    let flow = root().join("examples/auto_loans/auto_loans.dun");
    let ran = dun(&[
        "run",
        flow.to_str().unwrap(),
        "--db",
        &db,
        "--accounts",
        &accounts,
        "--events",
        &events,
        "--start",
        "2026-03-02T15:00:00Z",
        "--until",
        "2026-04-15T00:00:00Z",
        "--actions",
        &out,
    ]);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    let status = common::json(&["status", "--db", &db, "--format", "json"]);
    let mut sql = postgres::Config::new()
        .host_path(&cluster.socket)
        .port(cluster.port)
        .user(&cluster.user)
        .dbname("workers_views")
        .connect(postgres::NoTls)
        .unwrap();
    // Accounts per stage: the same counts as `dun status`.
    let mut by_stage = BTreeMap::new();
    for r in sql
        .query(
            "SELECT stage, status, accounts FROM dun_accounts_by_stage",
            &[],
        )
        .unwrap()
    {
        by_stage.insert(
            (r.get::<_, String>(0), r.get::<_, String>(1)),
            r.get::<_, i64>(2) as u64,
        );
    }
    let mut from_status = BTreeMap::new();
    for s in status["stages"].as_array().unwrap() {
        from_status.insert(
            (
                s["stage"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            ),
            s["accounts"].as_u64().unwrap(),
        );
    }
    assert_eq!(by_stage, from_status);
    // Actions per day and channel add up to the actions exported.
    let exported = exported(Path::new(&out));
    let total: i64 = sql
        .query_one(
            "SELECT CAST(sum(actions) AS BIGINT) FROM dun_actions_per_day",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(total as usize, exported.len());
    let emails: i64 = sql
        .query_one(
            "SELECT CAST(coalesce(sum(actions), 0) AS BIGINT) FROM dun_actions_per_day WHERE type = 'send' AND channel = 'email'",
            &[],
        )
        .unwrap()
        .get(0);
    let emails_exported = exported
        .values()
        .filter(|l| l.contains("\"type\":\"send\"") && l.contains("\"channel\":\"email\""))
        .count();
    assert_eq!(emails as usize, emails_exported);
    assert!(emails > 0);
    // Each arm of the split: every account in exactly one, the promises
    // and payments they made, the amount paid.
    let arms = sql
        .query(
            "SELECT split, arm, accounts, promises, payments, CAST(recovered AS text) FROM dun_split_arms ORDER BY arm",
            &[],
        )
        .unwrap();
    let names: Vec<String> = arms.iter().map(|r| r.get(1)).collect();
    assert_eq!(names, ["catch_up_offer", "standard_collections"]);
    assert!(arms.iter().all(|r| r.get::<_, String>(0) == "strategy"));
    let sum = |i: usize| arms.iter().map(|r| r.get::<_, i64>(i)).sum::<i64>();
    assert_eq!(sum(2), 60, "each account in one arm");
    let promises: i64 = sql
        .query_one(
            "SELECT count(*) FROM events WHERE type = 'promise_to_pay' AND processed = 1 AND account IN (SELECT account FROM splits)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(sum(3), promises);
    let recovered: Vec<f64> = arms
        .iter()
        .map(|r| r.get::<_, String>(5).parse::<f64>().unwrap())
        .collect();
    let paid: i64 = sum(4);
    assert!(
        paid > 0 && promises > 0,
        "{paid} payments, {promises} promises"
    );
    assert!(
        (recovered.iter().sum::<f64>() - 100.5 * paid as f64).abs() < 1e-6,
        "{recovered:?} for {paid} payments"
    );
}
