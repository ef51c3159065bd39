//! One writer per PostgreSQL store (docs/reliability.md), with the real
//! binary and the test cluster: plain runs started at once, one runs and
//! the others are refused naming the holder; workers share a store with
//! workers only; a killed holder frees the store at once. Skipped (saying
//! so) without PostgreSQL; failed under `CI=true`.

mod common;

use common::portfolio::one_event_each;
use common::{compiled_consumer_cards, dun, exported, spawn, text};
use dun_runtime::store::{Access, Location, Store};
use std::path::Path;
use std::time::{Duration, Instant};

/// `common::run_args`, owned.
fn run_args(flow: &str, db: &str, accounts: &str, events: &str, out: &str) -> Vec<String> {
    common::run_args(flow, db, accounts, events, out)
        .into_iter()
        .map(String::from)
        .collect()
}

fn open(db: &str, access: Access) -> Result<Store, String> {
    let at = Location::parse(Path::new(db)).map_err(|e| e.to_string())?;
    Store::open_as(&at, access).map_err(|e| e.to_string())
}

/// Issue 20, finding 1, on PostgreSQL: two, then four plain runs started
/// at once on one database. Exactly one steps the batch; every other one is
/// refused naming the holder, or (started after the winner let go) finds
/// nothing to do; the store and the export are one uninterrupted run's.
#[test]
fn plain_runs_started_at_once_on_one_database_one_runs_and_the_others_are_refused() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("postgres_writer", "race");
    let (accounts, events) = one_event_each(&dir, 120);
    let flow = compiled_consumer_cards(&dir);
    let alone_db = cluster.database("writer_alone");
    let alone_out = dir.join("alone.jsonl").display().to_string();
    let alone = dun(&run_args(&flow, &alone_db, &accounts, &events, &alone_out)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    let expected = exported(Path::new(&alone_out));
    assert!(expected.len() > 500, "{} actions", expected.len());
    let expected_status = text(&dun(&["status", "--db", &alone_db]).stdout);

    let mut refusals = 0;
    for (racers, trials) in [(2, 8), (4, 4)] {
        for trial in 0..trials {
            let db = cluster.database(&format!("writer_race_{racers}_{trial}"));
            let out = dir
                .join(format!("r{racers}-{trial}.jsonl"))
                .display()
                .to_string();
            let args = run_args(&flow, &db, &accounts, &events, &out);
            let children: Vec<_> = (0..racers).map(|_| spawn(&args)).collect();
            let results: Vec<_> = children
                .into_iter()
                .map(|c| c.wait_with_output().unwrap())
                .collect();
            let all: Vec<String> = results.iter().map(|r| text(&r.stderr)).collect();
            let stepping = results
                .iter()
                .filter(|r| {
                    r.status.success() && !text(&r.stderr).contains(": 0 steps, 0 actions;")
                })
                .count();
            assert_eq!(
                stepping, 1,
                "{racers} racers, trial {trial}: {stepping} stepped; {all:?}"
            );
            for r in results.iter().filter(|r| !r.status.success()) {
                let err = text(&r.stderr);
                assert_eq!(r.status.code(), Some(2), "{err}");
                assert!(
                    err.contains("is in use by another `dun run` (it is held by process ")
                        && err.contains(" on host `"),
                    "{err}"
                );
                refusals += 1;
            }
            assert_eq!(exported(Path::new(&out)), expected, "trial {trial}");
            assert_eq!(
                text(&dun(&["status", "--db", &db]).stdout),
                expected_status,
                "trial {trial}"
            );
        }
    }
    // Runs that start within milliseconds of each other: most trials race.
    assert!(refusals > 0, "no trial raced");
}

/// Workers share a store with workers, never with a plain run or a
/// server; a plain run is refused while any writer holds it, and readers
/// (`dun status`, `dun export --after`) read beside them all.
#[test]
fn workers_share_a_store_only_with_workers_and_readers_read_beside_any_writer() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("postgres_writer", "kinds");
    let (accounts, events) = one_event_each(&dir, 6);
    let flow = compiled_consumer_cards(&dir);
    let db = cluster.database("writer_kinds");
    let out = dir.join("out.jsonl").display().to_string();
    let args = run_args(&flow, &db, &accounts, &events, &out);
    let plain: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut as_worker = plain.clone();
    as_worker.push("--worker");
    let me = format!("process {} on host `", std::process::id());

    // Two workers of this process hold it: a plain run is refused, naming
    // both; a third worker joins them.
    let w1 = open(&db, Access::Worker).unwrap();
    let w2 = open(&db, Access::Worker).unwrap();
    let refused = dun(&plain);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is in use by 2 `dun run --worker` (held by ") && err.contains(&me),
        "{err}"
    );
    assert!(err.contains("give this run --worker"), "{err}");
    let joined = dun(&as_worker);
    assert!(joined.status.success(), "{}", text(&joined.stderr));
    assert!(
        open(&db, Access::Serve)
            .err()
            .unwrap_or_default()
            .contains("wait for the batch to finish before serving the store"),
        "a server beside workers"
    );
    // Readers read beside them.
    let status = dun(&["status", "--db", &db]);
    assert!(status.status.success(), "{}", text(&status.stderr));
    let follow = dir.join("follow.jsonl").display().to_string();
    let after = dun(&["export", "--db", &db, "--after", "0", "--actions", &follow]);
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert!(!exported(Path::new(&follow)).is_empty());
    drop((w1, w2));

    // A plain holder refuses a worker, a server and another plain writer
    // (`dun migrate` and `dun export` write alone too).
    let sole = open(&db, Access::Sole).unwrap();
    let refused = dun(&as_worker);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is in use by another `dun run` (it is held by ")
            && err.contains(&me)
            && err.contains("workers share a store only with each other"),
        "{err}"
    );
    let marked = dun(&["export", "--db", &db, "--actions", &out]);
    assert_eq!(marked.status.code(), Some(2), "{}", text(&marked.stderr));
    assert!(
        text(&marked.stderr).contains(&me),
        "{}",
        text(&marked.stderr)
    );
    assert!(open(&db, Access::Serve).is_err());
    drop(sole);

    // Servers share with servers; a worker is refused beside one.
    let s1 = open(&db, Access::Serve).unwrap();
    let s2 = open(&db, Access::Serve).unwrap();
    let refused = dun(&as_worker);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("is served by 2 `dun serve`"), "{err}");
    drop((s1, s2));

    // Let go, the store is free for a plain run.
    let ran = dun(&plain);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
}

/// A plain run SIGKILLed while it holds the store frees it at once (the
/// server ends its session and with it the lock): the next run starts
/// without waiting and finishes the work, as one uninterrupted run would.
#[test]
fn a_killed_holder_frees_the_store_at_once() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("postgres_writer", "killed");
    let (accounts, events) = one_event_each(&dir, 400);
    let flow = compiled_consumer_cards(&dir);
    let alone_db = cluster.database("writer_killed_alone");
    let alone_out = dir.join("alone.jsonl").display().to_string();
    let alone = dun(&run_args(&flow, &alone_db, &accounts, &events, &alone_out)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert!(alone.status.success(), "{}", text(&alone.stderr));

    let db = cluster.database("writer_killed");
    let out = dir.join("actions.jsonl").display().to_string();
    let args = run_args(&flow, &db, &accounts, &events, &out);
    let mut child = spawn(&args);
    // Killed as soon as it holds the store, as the server's sessions show.
    let mut sql = cluster.client("writer_killed");
    let began = Instant::now();
    while sql
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'writer_killed' AND application_name LIKE 'dun sole %'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was seen holding the store"
        );
        assert!(began.elapsed() < Duration::from_secs(60), "never held");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let next = dun(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(next.status.success(), "{}", text(&next.stderr));
    assert_eq!(
        exported(Path::new(&out)),
        exported(Path::new(&alone_out)),
        "the killed run and the next give one uninterrupted run's actions"
    );
}

/// Workers of one batch on one machine share one rejects file: each
/// unreadable row is written once (by the worker that set the batch up),
/// and no worker is refused the file another one is writing.
#[test]
fn workers_sharing_a_rejects_file_write_each_reject_once() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("postgres_writer", "rejects");
    let (accounts, events) = one_event_each(&dir, 40);
    let mut csv = std::fs::read_to_string(&accounts).unwrap();
    csv.push_str("B0001,Bad Balance,lots,Lakeshore Bank Visa,2025-09-30,200,low,+13125550000,b@example.com,\"1 Main St\",America/Chicago,true\n");
    std::fs::write(&accounts, csv).unwrap();
    let mut ev = std::fs::read_to_string(&events).unwrap();
    ev.push_str("{\"id\":\"X1\",\"account\":\"A0001\",\"type\":\"no_such_event\",\"at\":\"2026-03-05T18:00:00Z\"}\n");
    std::fs::write(&events, ev).unwrap();
    let flow = compiled_consumer_cards(&dir);
    let db = cluster.database("writer_rejects");
    let out = dir.join("out.jsonl").display().to_string();
    let mut args = run_args(&flow, &db, &accounts, &events, &out);
    args.extend(["--worker", "--range", "5"].map(String::from));
    let children: Vec<_> = (0..3).map(|_| spawn(&args)).collect();
    for c in children {
        let done = c.wait_with_output().unwrap();
        assert!(done.status.success(), "{}", text(&done.stderr));
    }
    let rejects = std::fs::read_to_string(dir.join("out.rejects.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole JSON line"))
        .collect();
    let mut seen: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(seen.len(), 2, "{rejects}");
    assert!(
        seen[0].0.ends_with("accounts.csv") && seen[0].1 == 42,
        "{seen:?}"
    );
    assert!(
        seen[1].0.ends_with("events.jsonl") && seen[1].1 == 41,
        "{seen:?}"
    );
}
