//! Several `dun run --worker` processes sharing one batch over one
//! PostgreSQL store, with the real binary: killed at random moments, they
//! still give, id for id, the actions of one uninterrupted SQLite run.
//! Skipped (saying so) without PostgreSQL; failed under `CI=true`.

mod common;

use common::{consumer_cards, dun, exported, root, text};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A portfolio of `n` accounts of the consumer cards example, two thirds
/// of them with an event.
fn portfolio(dir: &Path, n: usize) -> (String, String) {
    common::portfolio::varied(dir, n, false)
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

/// The `dun` binary the kill test runs: this build's, or `DUN_KILL_BIN`
/// (the release build, for the run at scale; see `bench/kill_workers.sh`).
fn bin() -> String {
    std::env::var("DUN_KILL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dun").to_string())
}

/// The size of a kill test: accounts, accounts per range, per transaction,
/// and the lease in seconds (longer than a transaction takes).
struct Size {
    accounts: usize,
    range: usize,
    batch: usize,
    lease: u64,
}

fn worker(args: &[String], size: &Size) -> Child {
    Command::new(bin())
        .args(args)
        .args(["--worker", "--range", &size.range.to_string()])
        .args(["--lease", &size.lease.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run_bin(args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("the dun binary runs")
}

/// An actions file by action id, each line reduced to a hash (a file of
/// 200,000 accounts' actions is about a gigabyte); an id twice fails.
fn digest(path: &Path) -> HashMap<String, u64> {
    use std::hash::{Hash, Hasher};
    use std::io::BufRead;
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut by_id = HashMap::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.expect("a line");
        // Each line starts with the action's id: `{"id":"...",`.
        let id = line
            .strip_prefix("{\"id\":\"")
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("a line without its id first: {line}"))
            .to_string();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        line.hash(&mut h);
        assert!(
            by_id.insert(id.clone(), h.finish()).is_none(),
            "action {id} exported twice"
        );
    }
    by_id
}

fn workers_killed_three_times_give_the_actions_of_one_uninterrupted_sqlite_run(size: &Size) {
    let dir = common::scratch("workers", &format!("kill-{}", size.accounts));
    let (accounts, events) = portfolio(&dir, size.accounts);
    let path = |n: &str| dir.join(n).display().to_string();
    let with_batch = |mut args: Vec<String>| {
        let at = args.iter().position(|a| a == "--batch").expect("--batch");
        args[at + 1] = size.batch.to_string();
        args
    };

    let whole_out = path("whole.jsonl");
    let began = Instant::now();
    let whole_args = with_batch(run_args(&path("whole.db"), &accounts, &events, &whole_out));
    let whole = run_bin(&whole_args.iter().map(String::as_str).collect::<Vec<_>>());
    let took = began.elapsed();
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let expected = digest(Path::new(&whole_out));
    assert!(
        expected.len() > 7 * size.accounts,
        "{} actions",
        expected.len()
    );
    let expected_status = text(&run_bin(&["status", "--db", &path("whole.db")]).stdout);

    let cluster = dun_runtime::store::testpg::cluster().expect("a cluster");
    let db = cluster.database(&format!("workers_kill_{}", size.accounts));
    let out = path("workers.jsonl");
    let args = with_batch(run_args(&db, &accounts, &events, &out));
    let seed = std::env::var("DUN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(11, |d| d.as_nanos() as u64)
        });
    eprintln!(
        "kill test: {} accounts, {} actions; the uninterrupted SQLite run took {:.1} s; seed {seed}",
        size.accounts,
        expected.len(),
        took.as_secs_f64()
    );
    let mut next = randoms(seed);
    let began = Instant::now();
    let mut running: Vec<Child> = (0..3).map(|_| worker(&args, size)).collect();
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
            eprintln!(
                "kill test: SIGKILL a worker at {:.1} s",
                began.elapsed().as_secs_f64()
            );
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        running.push(worker(&args, size));
    }
    for child in running {
        let done = child.wait_with_output().unwrap();
        assert!(done.status.success(), "seed {seed}: {}", text(&done.stderr));
    }
    // A worker killed after it finished the last range but before its
    // export leaves the actions in the store: `dun export` writes them.
    let rest = run_bin(&["export", "--db", &db, "--actions", &out]);
    assert!(rest.status.success(), "{}", text(&rest.stderr));
    eprintln!(
        "kill test: three workers, {kills} killed, finished in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let got = digest(Path::new(&out));
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
    let changed: Vec<_> = expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .map(|(k, _)| k)
        .take(3)
        .collect();
    assert!(
        changed.is_empty(),
        "seed {seed}: actions changed: {changed:?}"
    );
    assert_eq!(
        text(&run_bin(&["status", "--db", &db]).stdout),
        expected_status,
        "seed {seed}"
    );
    assert!(kills >= 1, "seed {seed}: no kill hit a running worker");
    eprintln!("kill test: the same {} actions, id for id", got.len());
    if size.accounts > 20_000 {
        return;
    }

    // A downstream system following the outbox from cursor 0 sees every
    // action once, and resumes from the cursor printed.
    let follow = path("follow.jsonl");
    let first = dun(&["export", "--db", &db, "--after", "0", "--actions", &follow]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let cursor = text(&first.stdout).trim().to_string();
    assert_eq!(exported(Path::new(&follow)), exported(Path::new(&out)));
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
    workers_killed_three_times_give_the_actions_of_one_uninterrupted_sqlite_run(&Size {
        accounts: 3000,
        range: 150,
        batch: 25,
        lease: 1,
    });
}

/// Issue 16's kill test at its size: 200,000 accounts (`DUN_KILL_ACCOUNTS`
/// for another), ranges of 5,000, transactions of 1,000, leases of 10 s.
/// Minutes even in a release build: `bench/kill_workers.sh` runs it.
#[test]
#[ignore = "minutes: run by bench/kill_workers.sh"]
fn kill_test_at_scale() {
    if dun_runtime::store::testpg::cluster().is_none() {
        return;
    }
    let accounts = std::env::var("DUN_KILL_ACCOUNTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    workers_killed_three_times_give_the_actions_of_one_uninterrupted_sqlite_run(&Size {
        accounts,
        range: 5000,
        batch: 1000,
        lease: 10,
    });
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
        "--allow-import-outside",
        common::SHARED_POLICIES,
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
    let mut sql = cluster.client("workers_views");
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

/// Invoices of twenty businesses sharing a weekly cap per business
/// (`person account.customer_id`), three reminders each.
const SHARED_PERSONS: &str = r#"flow invoices
currency USD
account { customer_id: text, email: email }

template reminder for email {
  subject "Invoice due"
  body "Please pay"
}

policy {
  contact_hours 08:00 to 18:00
  person account.customer_id
  at_most 3 emails per 7 days
}

start remind

stage remind {
  repeat 3 times {
    send email reminder
    wait 3 days
  }
  end done
}
"#;

/// The business of invoice `i`: scattered, so that a transaction of
/// consecutive invoices holds businesses in no particular order and every
/// range shares businesses with every other.
fn business(i: u64) -> u64 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 20
}

/// Three workers whose transactions each step ten invoices of up to ten
/// businesses that the other workers' transactions step too: each
/// transaction locks its businesses' shared records, so two of them
/// locking the same records in different orders would deadlock (and
/// PostgreSQL would abort one, failing its worker); two inserting the same
/// new business would overwrite each other's contacts. Every worker must
/// finish, every invoice reach the batch's moment, and no business get
/// more than its cap in any 7 days.
#[test]
fn workers_sharing_persons_neither_deadlock_nor_exceed_a_persons_cap() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("workers", "persons");
    let flow = dir.join("invoices.dun");
    std::fs::write(&flow, SHARED_PERSONS).unwrap();
    let n = 600u64;
    let mut csv = String::from("id,customer_id,email\n");
    for i in 0..n {
        let b = business(i);
        csv.push_str(&format!("I{i:04},B{b:02},ap@b{b}.example\n"));
    }
    let accounts = dir.join("invoices.csv");
    std::fs::write(&accounts, csv).unwrap();
    let events = dir.join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let db = cluster.database("workers_persons");
    let out = dir.join("out.jsonl");
    let until = "2026-03-30T00:00:00Z";
    let args: Vec<String> = [
        "run",
        flow.to_str().unwrap(),
        "--db",
        db.as_str(),
        "--accounts",
        accounts.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--start",
        "2026-03-02T09:00:00Z",
        "--until",
        until,
        "--actions",
        out.to_str().unwrap(),
        "--batch",
        "10",
    ]
    .map(String::from)
    .to_vec();
    let size = Size {
        accounts: n as usize,
        range: 40,
        batch: 10,
        lease: 30,
    };
    let workers: Vec<Child> = (0..3).map(|_| worker(&args, &size)).collect();
    for w in workers {
        let done = w.wait_with_output().unwrap();
        assert!(
            done.status.success(),
            "a worker failed: {}",
            text(&done.stderr)
        );
    }
    let rest = run_bin(&["export", "--db", &db, "--actions", out.to_str().unwrap()]);
    assert!(rest.status.success(), "{}", text(&rest.stderr));

    // Nothing lost: every invoice stored and run to the batch's moment.
    let mut sql = cluster.client("workers_persons");
    let until_s = chrono::DateTime::parse_from_rfc3339(until)
        .unwrap()
        .timestamp();
    let row = sql
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE clock = $1) FROM instances",
            &[&until_s],
        )
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, i64>(1)),
        (n as i64, n as i64)
    );
    let persons: i64 = sql
        .query_one("SELECT count(*) FROM persons", &[])
        .unwrap()
        .get(0);
    assert_eq!(persons, 20);

    // Each action once (`exported` fails on an id twice); per business,
    // no 7 days with more than 3 emails, and the cap used, not idle.
    let mut sent: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for line in exported(&out).values() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["channel"] != "email" {
            continue;
        }
        let i: u64 = v["account"].as_str().unwrap()[1..].parse().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap())
            .unwrap()
            .timestamp();
        sent.entry(business(i)).or_default().push(at);
    }
    assert_eq!(sent.len(), 20, "every business was sent reminders");
    for (b, times) in &mut sent {
        times.sort_unstable();
        for w in times.windows(4) {
            assert!(
                w[3] - w[0] >= 7 * 86_400,
                "business B{b:02} got 4 emails within 7 days: {w:?}"
            );
        }
        assert!(
            times.len() >= 9,
            "business B{b:02} got {} emails in 4 weeks",
            times.len()
        );
    }
}

/// The persons of a transaction's accounts are locked, read and written
/// with a few statements for the whole transaction, not two round trips
/// per account: 600 invoices of 20 businesses in one transaction.
#[test]
fn the_persons_of_a_transaction_cost_a_few_round_trips_not_two_per_account() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let analysis = dun_compiler::analyze(None, SHARED_PERSONS);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let m = dun_compiler::lower::lower(&analysis.file, &analysis.model).expect("it lowers");
    let db = cluster.database("workers_person_trips");
    let at = dun_runtime::store::Location::parse(Path::new(&db)).unwrap();
    let mut store = dun_runtime::store::Store::open_at(&at).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let accounts = (0..600u64)
        .map(|i| {
            let b = business(i);
            let a = dun_runtime::Account::new(
                &m,
                format!("I{i:04}"),
                [
                    ("customer_id", dun_runtime::Value::Text(format!("B{b:02}"))),
                    (
                        "email",
                        dun_runtime::Value::Text(format!("ap@b{b}.example")),
                    ),
                ],
            )
            .expect("an account");
            (i + 2, String::new(), a)
        })
        .collect();
    let input = dun_runtime::store::RunInput {
        accounts,
        timed: vec![],
        events: vec![],
        start,
        until: start + chrono::Duration::days(7),
        batch: 600,
        strict: false,
        drain: false,
    };
    let before = store.round_trips();
    let summary = dun_runtime::store::run(&m, &mut store, input, &mut |_, _| {}).unwrap();
    let trips = store.round_trips() - before;
    assert_eq!(summary.accounts_stepped, 600);
    assert!(summary.actions >= 60, "{} actions", summary.actions);
    assert!(
        trips < 100,
        "{trips} round trips for one transaction of 600 accounts of 20 persons"
    );
}
