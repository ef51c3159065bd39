//! What dun guarantees when it is misused, raced or fed damaged files
//! (docs/reliability.md), each through the real binary: one writer per
//! store, the step bound said out loud, outputs that never overwrite
//! inputs, damaged compiled files refused.

mod common;

use common::{
    compiled_consumer_cards, consumer_cards as example, dun, exported, root, run_args, spawn,
    spawn_silent, text,
};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    common::scratch("reliability", name)
}

/// A portfolio of `n` accounts of the consumer cards example, each with an
/// event, written into `dir`.
fn portfolio(dir: &Path, n: usize) -> (String, String) {
    common::portfolio::one_event_each(dir, n)
}

/// Finding 1: runs started at once on one store. Exactly one runs; every
/// other one is refused before it reads anything, naming the holder; the
/// store and the export hold what one uninterrupted run gives.
#[test]
fn of_runs_started_at_once_on_one_store_one_runs_and_the_others_are_refused() {
    let dir = scratch("race");
    let (accounts, events) = portfolio(&dir, 120);
    let flow = compiled_consumer_cards(&dir);
    let alone_db = dir.join("alone.db").display().to_string();
    let alone_out = dir.join("alone.jsonl").display().to_string();
    let alone = dun(&run_args(&flow, &alone_db, &accounts, &events, &alone_out));
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    let expected = exported(Path::new(&alone_out));
    assert!(expected.len() > 500, "{} actions", expected.len());
    let expected_status = text(&dun(&["status", "--db", &alone_db]).stdout);

    for (racers, trials) in [(2, 25), (8, 25)] {
        for trial in 0..trials {
            let db = dir
                .join(format!("r{racers}-{trial}.db"))
                .display()
                .to_string();
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
            // Exactly one run steps the batch. On a loaded machine a racer
            // may start only after the winner has finished and released the
            // store; it then runs too, and must find nothing left to do.
            let stepping = results
                .iter()
                .filter(|r| {
                    r.status.success() && !text(&r.stderr).contains(": 0 steps, 0 actions;")
                })
                .count();
            assert_eq!(
                stepping,
                1,
                "{racers} racers, trial {trial}: {stepping} stepped; {:?}",
                results.iter().map(|r| text(&r.stderr)).collect::<Vec<_>>()
            );
            for r in results.iter().filter(|r| !r.status.success()) {
                let err = text(&r.stderr);
                assert_eq!(r.status.code(), Some(2), "{err}");
                assert!(
                    err.contains("is in use by another `dun run`") && err.contains("on host `"),
                    "{err}"
                );
            }
            assert_eq!(exported(Path::new(&out)), expected, "trial {trial}");
            assert_eq!(text(&dun(&["status", "--db", &db]).stdout), expected_status);
        }
    }
}

/// Finding 1: a run killed while it holds the store leaves nothing that
/// stops the next one, which finishes the work.
#[test]
fn a_killed_holder_does_not_block_the_next_run() {
    let dir = scratch("killed-holder");
    let (accounts, events) = portfolio(&dir, 400);
    let flow = example("consumer_cards.dun");
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl").display().to_string();
    let args = run_args(&flow, &db, &accounts, &events, &out);
    let mut child = spawn_silent(&args);
    // Killed as soon as it holds the lease.
    let lock = dir.join("store.db.lock");
    let began = std::time::Instant::now();
    while std::fs::read_to_string(&lock)
        .unwrap_or_default()
        .is_empty()
        && began.elapsed().as_secs() < 20
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let next = dun(&args);
    assert!(next.status.success(), "{}", text(&next.stderr));
}

/// Finding 1: two runs of two stores sharing one actions file: the second
/// is refused before it steps anything, instead of splicing its lines into
/// the first one's.
#[test]
fn an_actions_file_another_process_writes_is_refused_before_any_step() {
    let dir = scratch("shared-actions");
    let (accounts, events) = portfolio(&dir, 3);
    let flow = example("consumer_cards.dun");
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl");
    let held = std::fs::File::create(&out).unwrap();
    held.try_lock().unwrap();
    let out = out.display().to_string();
    let args = run_args(&flow, &db, &accounts, &events, &out);
    let refused = dun(&args);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("another process is writing it"), "{err}");
    let status = text(&dun(&["status", "--db", &db]).stdout);
    assert!(status.contains("0 accounts"), "nothing stepped: {status}");
    drop(held);
    let ran = dun(&args);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
}

const LOOP: &str = "flow loop version 1
currency USD

account {
  balance: money
}

event payment { amount: money }

start ping

stage ping {
  on payment {
    end paid
  }
  wait 1 hour
  goto ping
}
";

/// Finding 2: an account that needs more steps than a run allows stops
/// where it is, by name, with its clock there; the run says so with exit
/// status 1, and an event after that point is accepted.
#[test]
fn an_account_stopped_by_the_step_bound_is_named_and_keeps_its_clock() {
    let dir = scratch("step-bound");
    let flow = dir.join("loop.dun");
    std::fs::write(&flow, LOOP).unwrap();
    let accounts = dir.join("accounts.csv");
    std::fs::write(&accounts, "id,balance\nA1,10.00\n").unwrap();
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl").display().to_string();
    let flow = flow.display().to_string();
    let accounts = accounts.display().to_string();
    let base = [
        "run",
        flow.as_str(),
        "--db",
        &db,
        "--start",
        "2026-01-01T00:00:00Z",
        "--until",
        "2040-01-01T00:00:00Z",
        "--actions",
        &out,
    ];
    let mut first = base.to_vec();
    first.extend(["--accounts", &accounts]);
    let ran = dun(&first);
    let err = text(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{err}");
    // Enrolled at 2026-01-01T00:00, then 100,000 hourly steps: the first
    // not run is the 100,001st hour.
    assert!(
        err.contains("1 accounts stopped at the bound of 100000 steps")
            && err.contains("account `A1` in stage `ping` at 2037-05-29T17:00:00Z"),
        "{err}"
    );
    let status = common::json(&["status", "--db", &db, "A1", "--format", "json"]);
    assert_eq!(status["clock"], "2037-05-29T17:00:00Z", "{status}");
    // A payment after the stop and before --until ends the account.
    let events = dir.join("events.jsonl");
    std::fs::write(
        &events,
        "{\"id\":\"p1\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2038-01-01T00:00:00Z\",\"amount\":\"10.00\"}\n",
    )
    .unwrap();
    let events = events.display().to_string();
    let mut second = base.to_vec();
    second.extend(["--events", &events]);
    let ran = dun(&second);
    let err = text(&ran.stderr);
    assert!(ran.status.success(), "{err}");
    assert!(
        err.contains("1 events stored") && !err.contains("rejected"),
        "{err}"
    );
    let status = common::json(&["status", "--db", &db, "A1", "--format", "json"]);
    assert_eq!(status["outcome"], "paid", "{status}");
}

/// Finding 3: a compiled flow changed after it was built, its checksum
/// recomputed (an index out of range), is refused by every command that
/// loads it, `dun inspect` included, with the reason; never a quiet report.
#[test]
fn a_damaged_compiled_flow_with_a_recomputed_checksum_is_refused_everywhere() {
    let dir = scratch("damaged-dunc");
    let good = dir.join("good.dunc").display().to_string();
    let built = dun(&["build", &example("consumer_cards.dun"), "-o", &good]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let mut m = dun_runtime::decode(&std::fs::read(&good).unwrap()).unwrap();
    for stage in &mut m.stages {
        stage.entry = 60_000;
    }
    let damaged = dir.join("damaged.dunc");
    std::fs::write(&damaged, dun_runtime::encode(&m)).unwrap();
    let damaged = damaged.display().to_string();
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl").display().to_string();
    let accounts = example("accounts.csv");
    for args in [
        vec!["inspect", &damaged],
        vec!["simulate", &damaged, "--synthetic", "50", "--days", "30"],
        vec![
            "run",
            &damaged,
            "--db",
            &db,
            "--accounts",
            &accounts,
            "--start",
            "2026-03-02",
            "--until",
            "2026-04-01",
            "--actions",
            &out,
        ],
    ] {
        let o = dun(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("this file is damaged: stage 0 refers to state 60000"),
            "{args:?}: {err}"
        );
        assert!(o.stdout.is_empty(), "{args:?}: no report");
    }
    assert!(!Path::new(&db).exists(), "nothing was stored");
}

/// Finding 10: an output that names an input is refused before any work,
/// however it is spelt.
#[test]
fn an_output_naming_an_input_is_refused_before_any_work() {
    let dir = scratch("overwrite");
    let (accounts, events) = portfolio(&dir, 2);
    let flow = dir.join("flow.dun");
    std::fs::copy(example("consumer_cards.dun"), &flow).unwrap();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    for t in std::fs::read_dir(root().join("examples/consumer_cards/templates")).unwrap() {
        let t = t.unwrap();
        std::fs::copy(t.path(), dir.join("templates").join(t.file_name())).unwrap();
    }
    let flow_text = std::fs::read(&flow).unwrap();
    let accounts_text = std::fs::read(&accounts).unwrap();
    let flow = flow.display().to_string();
    let db = dir.join("store.db").display().to_string();
    let spelt = dir.join("templates/../accounts.csv").display().to_string();
    let run = |actions: &str, rejects: Option<&str>| {
        let mut args = vec![
            "run",
            &flow,
            "--db",
            &db,
            "--accounts",
            &accounts,
            "--events",
            &events,
            "--start",
            "2026-03-02",
            "--until",
            "2026-04-01",
            "--actions",
            actions,
        ];
        if let Some(r) = rejects {
            args.extend(["--rejects", r]);
        }
        dun(&args)
    };
    let out = dir.join("out.jsonl").display().to_string();
    for (o, expected) in [
        (run(&flow, None), "--actions `"),
        (run(&spelt, None), "is the same file as --accounts"),
        (run(&db, None), "is the same file as the store (--db)"),
        (run(&out, Some(&events)), "the rejects file `"),
        (run(&out, Some(&out)), "is the same file as --actions"),
        (dun(&["build", &flow, "-o", &flow]), "-o `"),
        (dun(&["graph", &flow, "-o", &flow]), "-o `"),
        (
            dun(&[
                "simulate",
                &flow,
                "--portfolio",
                &accounts,
                "--days",
                "10",
                "--report",
                &spelt,
            ]),
            "--report `",
        ),
    ] {
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(expected) && err.contains("is the same file as"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&flow).unwrap(), flow_text);
    assert_eq!(std::fs::read(&accounts).unwrap(), accounts_text);
    assert!(!Path::new(&db).exists(), "nothing was stored");
}

/// Finding 14: `--actions /dev/null` is checked before the run steps and
/// then works; a run's outputs are opened before anything is committed.
#[test]
fn actions_to_dev_null_run_and_an_unwritable_output_fails_before_any_step() {
    let dir = scratch("dev-null");
    let (accounts, events) = portfolio(&dir, 3);
    let flow = example("consumer_cards.dun");
    let db = dir.join("store.db").display().to_string();
    let base = run_args(&flow, &db, &accounts, &events, "/dev/null");
    let o = dun(&base);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("give `--rejects FILE`"), "{err}");
    assert!(!Path::new(&db).exists(), "refused before the store");
    let mut args = base.clone();
    args.extend(["--rejects", "/dev/null"]);
    let o = dun(&args);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("exported") && err.contains("to `/dev/null`"),
        "{err}"
    );
    // An actions file in a folder that does not exist: refused, nothing run.
    let db2 = dir.join("store2.db").display().to_string();
    let missing = dir
        .join("no/such/folder/actions.jsonl")
        .display()
        .to_string();
    let args = run_args(&flow, &db2, &accounts, &events, &missing);
    let o = dun(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let status = text(&dun(&["status", "--db", &db2]).stdout);
    assert!(status.contains("0 accounts"), "nothing stepped: {status}");
}

/// Finding 14: `dun status` reads a store it cannot write beside (as on
/// read-only media, where SQLite cannot make its shared-memory file), and
/// while a run holds the store.
#[test]
fn status_reads_a_store_it_cannot_write_beside() {
    let dir = scratch("read-only-status");
    let (accounts, events) = portfolio(&dir, 3);
    let flow = example("consumer_cards.dun");
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl").display().to_string();
    let args = run_args(&flow, &db, &accounts, &events, &out);
    assert!(dun(&args).status.success());
    let before = dun(&["status", "--db", &db]);
    assert!(before.status.success(), "{}", text(&before.stderr));
    // Reading may have left the shared-memory file; a folder in its place
    // cannot be opened as one.
    let _ = std::fs::remove_file(dir.join("store.db-shm"));
    std::fs::create_dir(dir.join("store.db-shm")).unwrap();
    let after = dun(&["status", "--db", &db]);
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(text(&after.stdout), text(&before.stdout));
    assert!(text(&after.stdout).contains("3 accounts"));
}

/// Finding 14: one damaged stored record names its account, which is left
/// alone; the other accounts run.
#[test]
fn a_damaged_stored_account_is_named_and_the_others_run() {
    let dir = scratch("damaged-record");
    let (accounts, events) = portfolio(&dir, 4);
    let flow = example("consumer_cards.dun");
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl").display().to_string();
    let mut args = run_args(&flow, &db, &accounts, &events, &out);
    let until = args
        .iter()
        .position(|a| *a == "2026-05-15T00:00:00Z")
        .unwrap();
    args[until] = "2026-03-20T00:00:00Z";
    assert!(dun(&args).status.success());
    assert!(damage_record(&db), "the record was damaged");
    let later = run_args(&flow, &db, &accounts, &events, &out);
    let o = dun(&later);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("account `A0002` was not run: its stored record cannot be read"),
        "{err}"
    );
    let status = common::json(&["status", "--db", &db, "A0001", "--format", "json"]);
    assert_eq!(status["clock"], "2026-05-15T00:00:00Z", "the others ran");
}

/// Overwrites one account's stored state with bytes no dun wrote, as a
/// damaged disk would.
fn damage_record(db: &str) -> bool {
    rusqlite::Connection::open(db)
        .and_then(|c| {
            c.execute(
                "UPDATE instances SET state = x'ffffffffffff' WHERE account = 'A0002'",
                [],
            )
        })
        .is_ok_and(|n| n == 1)
}
