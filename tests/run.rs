//! `dun run` and `dun status` as an operations team runs them every day:
//! durable, repeatable, safe to kill, and never silent about a bad row.

mod common;

use common::{
    consumer_cards as example, dun, json, on_both, root, run_args, spawn_silent, store_at, text,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn scratch(name: &str) -> PathBuf {
    common::scratch("run", name)
}

on_both!(
    a_run_of_the_example_exports_every_action_once_and_running_again_adds_nothing,
    the_next_day_only_the_new_events_and_the_new_time_run,
    a_run_to_a_past_moment_without_start_steps_known_accounts_and_refuses_a_new_one,
    a_run_killed_at_any_point_and_started_again_loses_and_repeats_no_action,
    every_kind_of_bad_row_is_rejected_with_its_line_and_reason_and_the_good_rows_run,
    a_store_of_one_flow_version_refuses_another_version,
    status_in_json_gives_counts_per_stage_and_one_accounts_whole_story,
);

/// A scratch folder for one test, with the paths of a store and an
/// actions file in it.
fn fresh(name: &str) -> (PathBuf, String, String) {
    let dir = scratch(name);
    let db = store_at(&dir, &format!("run_{name}"));
    let out = dir.join("actions.jsonl").display().to_string();
    (dir, db, out)
}

/// Export lines by action id; every line of an export is a JSON object.
fn exported(path: &Path) -> BTreeMap<String, String> {
    let body = std::fs::read_to_string(path).unwrap_or_default();
    let mut by_id = BTreeMap::new();
    for line in body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        let id = v["id"].as_str().expect("an id").to_string();
        if let Some(prev) = by_id.insert(id.clone(), line.to_string()) {
            assert_eq!(
                prev, line,
                "action {id} exported twice with different content"
            );
        }
    }
    by_id
}

fn a_run_of_the_example_exports_every_action_once_and_running_again_adds_nothing() {
    let (_, db, out) = fresh("example");
    let flow = example("consumer_cards.dun");
    let accounts = example("accounts.csv");
    let events = example("events.jsonl");
    let args = run_args(&flow, &db, &accounts, &events, &out);
    let first = dun(&args);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    assert!(stderr.contains("6 enrolled"), "{stderr}");
    assert!(stderr.contains("5 events stored"), "{stderr}");
    let actions = exported(Path::new(&out));
    let lines = std::fs::read_to_string(&out).unwrap().lines().count();
    assert_eq!(actions.len(), lines, "no action is exported twice");
    // The dispute on 2026-03-05 sends James Carter to the disputes queue.
    assert!(actions
        .values()
        .any(|l| l.contains("\"account\":\"NG-100232\"")
            && l.contains("\"type\":\"assign_queue\"")
            && l.contains("\"queue\":\"disputes\"")));
    // Linda Okafor asked to stop: her account ended `ceased`.
    let status = dun(&["status", "--db", &db, "NG-100235"]);
    assert!(status.status.success());
    let s = text(&status.stdout);
    assert!(
        s.contains("status ended, stage ceased, outcome ceased"),
        "{s}"
    );
    assert!(s.contains("cease_contact ev-0004"), "{s}");
    let before = text(&dun(&["status", "--db", &db]).stdout);
    assert!(before.contains("6 accounts, 5 events"), "{before}");

    let again = dun(&args);
    assert!(again.status.success());
    let stderr = text(&again.stderr);
    assert!(stderr.contains("ran 0 accounts"), "{stderr}");
    assert!(stderr.contains("5 repeats ignored"), "{stderr}");
    assert!(stderr.contains("exported 0 actions"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        lines
    );
    assert_eq!(text(&dun(&["status", "--db", &db]).stdout), before);
}

fn the_next_day_only_the_new_events_and_the_new_time_run() {
    let (dir, db, out) = fresh("next_day");
    let flow = example("consumer_cards.dun");
    let accounts = example("accounts.csv");
    let none = dir.join("none.jsonl");
    std::fs::write(&none, "").unwrap();
    let none = none.display().to_string();
    let day = |until: &str| {
        let mut args = run_args(&flow, &db, &accounts, &none, &out);
        args[11] = until;
        dun(&args)
    };
    assert!(day("2026-03-20T00:00:00Z").status.success());
    let split = exported(Path::new(&out));
    assert!(day("2026-05-15T00:00:00Z").status.success());
    let two_days = exported(Path::new(&out));

    let (_, db2, out2) = fresh("next_day_at_once");
    let once = dun(&run_args(&flow, &db2, &accounts, &none, &out2));
    assert!(once.status.success());
    assert!(split.len() < two_days.len());
    assert_eq!(
        two_days,
        exported(Path::new(&out2)),
        "two daily runs give the actions of one long run"
    );
    // The audit trail is stored one row per account per run; `dun status`
    // shows the whole trail in order, the same as after one long run.
    let trail = |db: &str| {
        let s = text(&dun(&["status", "--db", db, "NG-100231"]).stdout);
        s[s.find("\naudit:").expect("an audit section")..].to_string()
    };
    let two_runs = trail(&db);
    assert!(two_runs.contains("enrolled"), "{two_runs}");
    assert!(two_runs.lines().count() > 3, "{two_runs}");
    assert_eq!(two_runs, trail(&db2));
}

/// `--start` (when new accounts enrol) is now by default. A run to a moment
/// already past, as a catch-up run of known accounts is, needs no
/// `--start`; one whose accounts file has a new account is refused, naming
/// it, before anything is stepped.
fn a_run_to_a_past_moment_without_start_steps_known_accounts_and_refuses_a_new_one() {
    let (dir, db, out) = fresh("past_until");
    let flow = example("consumer_cards.dun");
    let accounts = example("accounts.csv");
    let none = dir.join("none.jsonl");
    std::fs::write(&none, "").unwrap();
    let none = none.display().to_string();
    let mut args = run_args(&flow, &db, &accounts, &none, &out);
    args[11] = "2026-03-20T00:00:00Z";
    assert!(dun(&args).status.success());
    let later = |accounts: &str| {
        dun(&[
            "run",
            &flow,
            "--db",
            &db,
            "--accounts",
            accounts,
            "--until",
            "2026-04-01T00:00:00Z",
            "--actions",
            &out,
        ])
    };
    let known = later(&accounts);
    assert!(known.status.success(), "{}", text(&known.stderr));
    assert!(
        text(&known.stderr).contains("0 enrolled"),
        "{}",
        text(&known.stderr)
    );
    let after_known = text(&dun(&["status", "--db", &db]).stdout);

    let with_new = dir.join("with_new.csv");
    let body = std::fs::read_to_string(&accounts).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    let last = lines.last().copied().unwrap().replacen("NG-", "NG-9", 1);
    lines.push(&last);
    std::fs::write(&with_new, lines.join("\n") + "\n").unwrap();
    let refused = later(&with_new.display().to_string());
    assert!(!refused.status.success());
    let err = text(&refused.stderr);
    assert!(err.contains("is after --until"), "{err}");
    assert!(err.contains("is new"), "{err}");
    assert!(err.contains("--start"), "{err}");
    assert_eq!(
        text(&dun(&["status", "--db", &db]).stdout),
        after_known,
        "nothing stepped"
    );
}

/// A portfolio big enough that a run takes a while, so kills land in the
/// middle of the work.
fn portfolio(dir: &Path, n: usize) -> (String, String) {
    common::portfolio::varied(dir, n, true)
}

fn a_run_killed_at_any_point_and_started_again_loses_and_repeats_no_action() {
    let dir = scratch("kill");
    let (accounts, events) = portfolio(&dir, 1500);
    let flow = example("consumer_cards.dun");
    let whole_db = store_at(&dir, "run_kill_whole");
    let whole_out = dir.join("whole.jsonl").display().to_string();
    let mut args = run_args(&flow, &whole_db, &accounts, &events, &whole_out);
    args.extend(["--batch", "25"]);
    let began = Instant::now();
    let whole = dun(&args);
    let took = began.elapsed();
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let expected = exported(Path::new(&whole_out));
    assert!(expected.len() > 10_000, "{} actions", expected.len());
    let expected_status = text(&dun(&["status", "--db", &whole_db]).stdout);

    let mut killed_mid_run = 0;
    for (n, fraction) in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95].into_iter().enumerate() {
        let db = store_at(&dir, &format!("run_kill_killed{n}"));
        let out = dir.join(format!("killed{n}.jsonl")).display().to_string();
        let mut args = run_args(&flow, &db, &accounts, &events, &out);
        args.extend(["--batch", "25"]);
        // Killed twice: once early in the run, once after `fraction` of it.
        for delay in [took.mul_f64(fraction / 2.0), took.mul_f64(fraction)] {
            let mut child = spawn_silent(&args);
            std::thread::sleep(delay);
            if child.try_wait().unwrap().is_none() {
                killed_mid_run += 1;
            }
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
        let rest = dun(&args);
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
            "kill point {fraction}: missing {missing:?}, extra {extra:?}"
        );
        assert_eq!(
            got, expected,
            "the same actions with the same ids and content"
        );
        assert_eq!(text(&dun(&["status", "--db", &db]).stdout), expected_status);
    }
    assert!(
        killed_mid_run >= 6,
        "only {killed_mid_run} kills hit a running process"
    );
}

fn rejects(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The rejects of the latest run: every run appends its own, stamped.
fn last_run(all: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let Some(last) = all.last().map(|r| r["run"].clone()) else {
        return vec![];
    };
    all.iter().filter(|r| r["run"] == last).cloned().collect()
}

fn every_kind_of_bad_row_is_rejected_with_its_line_and_reason_and_the_good_rows_run() {
    let dir = scratch("rejects");
    let flow = example("consumer_cards.dun");
    let accounts = dir.join("accounts.jsonl");
    let good = |id: &str, balance: &str| {
        format!(
            "{{\"id\":\"{id}\",\"name\":\"Ann Lee\",\"balance\":\"{balance}\",\"original_creditor\":\"Lakeshore\",\"charge_off_date\":\"2025-10-31\",\"days_past_due\":190,\"risk\":\"low\",\"mobile\":\"+13125550100\",\"email\":null,\"address\":\"5 Oak Park Ave\",\"timezone\":\"America/Chicago\",\"e_sign_consent\":false}}"
        )
    };
    let mut a = String::new();
    a.push_str(&good("A1", "100.00"));
    a.push('\n');
    a.push_str(&good("A2", "a lot"));
    a.push('\n');
    a.push_str(&good("A3", "50").replace("\"risk\"", "\"colour\":\"red\",\"risk\""));
    a.push('\n');
    a.push_str(&good("A1", "999.00"));
    a.push('\n');
    a.push_str(&good("A4", "75 EUR"));
    a.push('\n');
    a.push_str(&good("A5", "80"));
    a.push('\n');
    std::fs::write(&accounts, a).unwrap();
    let events = dir.join("events.csv");
    std::fs::write(
        &events,
        "id,account,type,at,amount,result\n\
         e1,A1,payment,2026-03-05T15:00:00Z,100.00,\n\
         e2,NOBODY,payment,2026-03-05T15:00:00Z,10,\n\
         e3,A1,refund,2026-03-05T15:00:00Z,10,\n\
         e4,A1,payment,2026-03-05T15:00:00Z,ten dollars,\n\
         e1,A1,payment,2026-03-06T15:00:00Z,5,\n\
         e5,A1,payment,2026-02-01T15:00:00Z,5,\n\
         e6,A5,call_outcome,2026-03-05T15:00:00Z,,hung_up\n\
         e7,A5,payment,2026-03-05T15:00:00Z,5,answered\n\
         e8,A5,call_outcome,2026-03-05T15:00:00Z,,answered\n",
    )
    .unwrap();
    let db = store_at(&dir, "run_rejects");
    let out = dir.join("actions.jsonl").display().to_string();
    let (a, e) = (accounts.display().to_string(), events.display().to_string());
    let args = run_args(&flow, &db, &a, &e, &out);

    // --strict: any reject fails the run, and nothing is stored.
    let mut strict = args.clone();
    strict.push("--strict");
    let refused = dun(&strict);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("nothing was stored or run"));
    assert!(text(&dun(&["status", "--db", &db]).stdout).contains("0 accounts, 0 events"));
    let rejects_file = dir.join("actions.rejects.jsonl");
    let strict_rejects = rejects(&rejects_file);
    assert!(!strict_rejects.is_empty());
    assert!(strict_rejects
        .iter()
        .all(|r| r["until"] == "2026-05-15T00:00:00Z" && r["run"].is_string()));

    let ran = dun(&args);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    let stderr = text(&ran.stderr);
    assert!(stderr.contains("2 enrolled"), "{stderr}");
    assert!(stderr.contains("rejected 11 rows"), "{stderr}");
    // The rejects of the strict run are still there, before this run's.
    let all = rejects(&rejects_file);
    assert_eq!(&all[..strict_rejects.len()], &strict_rejects[..]);
    let got = last_run(&all);
    assert_ne!(got[0]["run"], strict_rejects[0]["run"]);
    assert_eq!(all.len(), strict_rejects.len() + got.len());
    let reason = |file: &str, line: u64| -> String {
        got.iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(file) && r["line"] == line)
            .map(|r| r["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no reject for {file}:{line} in {got:#?}"))
    };
    assert!(reason("accounts.jsonl", 2).contains("`balance` should be money in USD"));
    assert!(reason("accounts.jsonl", 3).contains("unknown field `colour`"));
    assert!(reason("accounts.jsonl", 4).contains("duplicate id `A1` with different content"));
    assert!(reason("accounts.jsonl", 5).contains("is in EUR"));
    assert!(reason("events.csv", 3).contains("unknown account `NOBODY`"));
    assert!(reason("events.csv", 4).contains("unknown event `refund`"));
    assert!(reason("events.csv", 5).contains("`amount` should be money"));
    assert!(reason("events.csv", 6).contains("duplicate event id `e1` with different content"));
    assert!(reason("events.csv", 7).contains("before the account's clock"));
    assert!(reason("events.csv", 8).contains("one of answered, no_answer"));
    assert!(reason("events.csv", 9).contains("unknown field `result` for event `payment`"));
    assert_eq!(got.len(), 11, "{got:#?}");
    assert!(got
        .iter()
        .all(|r| r["row"].as_str().is_some_and(|s| !s.is_empty())));

    // The good rows ran: A1's payment, A5's conversation.
    let a5 = text(&dun(&["status", "--db", &db, "A5"]).stdout);
    assert!(a5.contains("call_outcome e8"), "{a5}");
    // Against the store, the same event id with other content is refused.
    std::fs::write(
        &events,
        "id,account,type,at,amount\ne1,A1,payment,2026-03-05T15:00:00Z,99\n",
    )
    .unwrap();
    let again = dun(&args);
    assert!(again.status.success());
    // The next day's run appends its rejects: yesterday's are kept.
    let next_day = rejects(&rejects_file);
    assert_eq!(&next_day[..all.len()], &all[..]);
    let got = last_run(&next_day);
    assert!(next_day.len() > all.len() && got.len() < next_day.len());
    assert!(got.iter().any(|r| r["line"] == 2
        && r["reason"]
            .as_str()
            .unwrap()
            .contains("duplicate event id `e1`")));
}

fn a_store_of_one_flow_version_refuses_another_version() {
    let dir = scratch("version");
    let src = root().join("examples/consumer_cards");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    for t in ["validation_notice.txt", "settlement_offer.txt"] {
        std::fs::copy(src.join("templates").join(t), dir.join("templates").join(t)).unwrap();
    }
    let text5 = std::fs::read_to_string(src.join("consumer_cards.dun"))
        .unwrap()
        .replace(
            "flow consumer_cards version 4",
            "flow consumer_cards version 5",
        );
    let v5 = dir.join("v5.dun");
    std::fs::write(&v5, text5).unwrap();
    let db = store_at(&dir, "run_version");
    let out = dir.join("actions.jsonl").display().to_string();
    let (a, e) = (example("accounts.csv"), example("events.jsonl"));
    let flow = example("consumer_cards.dun");
    let mut args = run_args(&flow, &db, &a, &e, &out);
    assert!(dun(&args).status.success());
    let v5 = v5.display().to_string();
    args[1] = &v5;
    let refused = dun(&args);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(
            "3 accounts are in flight on flow consumer_cards version 4, and this is version 5"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was stored or stepped"), "{stderr}");
}

#[test]
fn a_cut_line_at_the_end_of_an_export_is_replaced_by_the_whole_line() {
    let dir = scratch("cut");
    let db = dir.join("store.db").display().to_string();
    let out = dir.join("actions.jsonl");
    std::fs::write(
        &out,
        "{\"id\":\"0000000000000001\",\"account\":\"X\"}\n{\"id\":\"00",
    )
    .unwrap();
    let outs = out.display().to_string();
    let flow = example("consumer_cards.dun");
    let (a, e) = (example("accounts.csv"), example("events.jsonl"));
    let args = run_args(&flow, &db, &a, &e, &outs);
    assert!(dun(&args).status.success());
    let body = std::fs::read_to_string(&out).unwrap();
    assert!(body.starts_with("{\"id\":\"0000000000000001\",\"account\":\"X\"}\n{"));
    let ids: BTreeSet<_> = exported(&out).into_keys().collect();
    assert!(ids.len() > 50);
}

#[test]
fn status_explains_a_missing_store_and_an_unknown_account() {
    let dir = scratch("status");
    let db = dir.join("none.db").display().to_string();
    let r = dun(&["status", "--db", &db]);
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r.stderr).contains("there is no store"));
}

fn status_in_json_gives_counts_per_stage_and_one_accounts_whole_story() {
    let (_, db, out) = fresh("status_json");
    let flow = example("consumer_cards.dun");
    let (a, e) = (example("accounts.csv"), example("events.jsonl"));
    let args = run_args(&flow, &db, &a, &e, &out);
    assert!(dun(&args).status.success());

    let whole = json(&["status", "--db", &db, "--format", "json"]);
    assert_eq!(whole["accounts"], 6);
    assert_eq!(whole["events"], 5);
    assert_eq!(whole["unexported"], 0);
    let exported_lines = std::fs::read_to_string(&out).unwrap().lines().count();
    assert_eq!(whole["actions"], exported_lines);
    assert_eq!(
        whole["flows"],
        serde_json::json!([{"flow": "consumer_cards", "version": 4, "accounts": 6}])
    );
    let stages = whole["stages"].as_array().unwrap();
    let per_stage: u64 = stages.iter().map(|s| s["accounts"].as_u64().unwrap()).sum();
    assert_eq!(per_stage, 6, "every account is counted in one stage");
    assert!(stages.iter().any(|s| s["status"] == "ended"
        && s["stage"] == "ceased"
        && s["outcome"] == "ceased"
        && s["accounts"] == 1));

    let linda = json(&["status", "--db", &db, "NG-100235", "--format", "json"]);
    assert_eq!(linda["account"], "NG-100235");
    assert_eq!(linda["status"], "ended");
    assert_eq!(linda["outcome"], "ceased");
    assert_eq!(linda["enrolled"], "2026-03-02T15:00:00Z");
    assert_eq!(linda["clock"], "2026-05-15T00:00:00Z");
    assert!(
        linda["next_due"].is_null(),
        "an ended account waits for nothing"
    );
    let events = linda["events"].as_array().unwrap();
    assert!(events
        .iter()
        .any(|e| e["id"] == "ev-0004" && e["type"] == "cease_contact" && e["processed"] == true));
    // Her actions are the exported objects themselves.
    let exported = exported(Path::new(&out));
    let actions = linda["actions"].as_array().unwrap();
    assert!(!actions.is_empty());
    for a in actions {
        let id = a["id"].as_str().unwrap();
        let line: serde_json::Value = serde_json::from_str(&exported[id]).unwrap();
        assert_eq!(&line, a);
    }
    assert!(actions
        .iter()
        .any(|a| a["type"] == "end" && a["outcome"] == "ceased"));
    let audit = linda["audit"].as_array().unwrap();
    assert_eq!(audit[0]["kind"], "enrolled");
    assert!(audit
        .windows(2)
        .all(|w| w[0]["at"].as_str() <= w[1]["at"].as_str()));

    let nobody = dun(&["status", "--db", &db, "NOBODY", "--format", "json"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(nobody.stdout.is_empty());
    assert!(text(&nobody.stderr).contains("has no account `NOBODY`"));
}

#[test]
fn a_run_on_a_store_in_memory_exports_what_a_fresh_store_would_and_keeps_nothing() {
    let dir = scratch("memory");
    let flow = example("consumer_cards.dun");
    let (a, e) = (example("accounts.csv"), example("events.jsonl"));
    let file_db = dir.join("store.db").display().to_string();
    let file_out = dir.join("file.jsonl").display().to_string();
    let args = run_args(&flow, &file_db, &a, &e, &file_out);
    assert!(dun(&args).status.success());

    let mem_out = dir.join("memory.jsonl").display().to_string();
    let args = run_args(&flow, ":memory:", &a, &e, &mem_out);
    let ran = dun(&args);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    assert!(text(&ran.stderr).contains("kept in memory"));
    assert_eq!(
        std::fs::read_to_string(&mem_out).unwrap(),
        std::fs::read_to_string(&file_out).unwrap(),
        "the same actions, in the same order"
    );
    // Nothing is kept: a second run starts again from an empty store.
    let again = dun(&args);
    assert!(text(&again.stderr).contains("6 enrolled"));
    assert!(!Path::new(":memory:").exists() && !root().join(":memory:").exists());

    let status = dun(&["status", "--db", ":memory:"]);
    assert_eq!(status.status.code(), Some(2));
    assert!(text(&status.stderr).contains("lives only while one `dun run` runs"));
}
