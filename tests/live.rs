//! Changing a flow while accounts run on it: the store pins the machine
//! each account ran on, refuses a changed machine under the same version,
//! accepts a wording edit, drains an old version and migrates accounts to
//! a new one, each with the real `dun` binary over a real store.

mod common;

use common::{dun, json, on_both, store_at, text};

on_both!(
    a_structural_edit_under_the_same_version_is_refused_with_nothing_stepped,
    a_wording_edit_is_accepted_says_so_and_ended_accounts_keep_their_outcome,
    a_drain_finishes_old_accounts_on_version_1_while_new_ones_enter_version_2,
    a_total_migration_continues_every_account_with_no_action_lost_repeated_or_renumbered,
    a_partial_migration_is_refused_naming_each_unmapped_place,
    a_var_line_of_a_migration_sets_a_new_variable_of_each_moved_account,
    action_ids_stay_unique_across_machines,
    a_migration_killed_at_random_moments_moves_each_of_20000_accounts_exactly_once,
);
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version 1 of a small flow: two emails three and four days apart, then
/// a call, a payment ending it at any time.
const V1: &str = r#"flow dues version 1
currency USD

account {
  name: text
  balance: money
  email: email
}

event payment { amount: money }

policy {
  at_most 2 emails per 7 days
}

template first_notice for email {
  subject "Your balance"
  body "Hello {account.name}, you owe {account.balance}."
}

template reminder for email "Reminder: {account.balance} is due."

start reminders

stage reminders {
  send email first_notice
  wait 3 days
  send email reminder
  wait 4 days
  goto calls
}

stage calls {
  call queue early
  wait 5 days
  end unresolved
}

stage paid {
  end paid
}

on payment -> paid
"#;

struct Portfolio {
    dir: PathBuf,
    db: String,
    out: String,
}

impl Portfolio {
    /// A store with 20 accounts run three days on version 1, one of them
    /// paid (ended) on the second day.
    fn three_days(name: &str) -> Portfolio {
        let dir = common::scratch("live", name);
        let p = Portfolio {
            db: store_at(&dir, &format!("live_{name}")),
            out: dir.join("actions.jsonl").display().to_string(),
            dir,
        };
        let mut accounts = String::from("id,name,balance,email\n");
        for i in 0..20 {
            accounts.push_str(&format!(
                "A{i:03},Person {i},{}.00,p{i}@example.com\n",
                100 + i
            ));
        }
        std::fs::write(p.dir.join("accounts.csv"), accounts).unwrap();
        std::fs::write(
            p.dir.join("events.jsonl"),
            "{\"id\":\"e1\",\"account\":\"A001\",\"type\":\"payment\",\"at\":\"2026-03-03T10:00:00Z\",\"amount\":\"101.00\"}\n",
        )
        .unwrap();
        let v1 = p.flow("v1.dun", V1);
        for (day, until) in ["2026-03-03", "2026-03-04", "2026-03-05"]
            .iter()
            .enumerate()
        {
            let mut args = vec![];
            let accounts = p.path("accounts.csv");
            let events = p.path("events.jsonl");
            if day == 0 {
                args.extend(["--accounts", &accounts, "--events", &events]);
            }
            let out = p.run(&v1, until, &args);
            assert!(out.0, "day {day}: {}", out.1);
        }
        p
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn flow(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `dun run FLOW --until UNTIL` over the store: success and stderr.
    fn run(&self, flow: &str, until: &str, extra: &[&str]) -> (bool, String) {
        let mut args = vec![
            "run",
            flow,
            "--db",
            &self.db,
            "--until",
            until,
            "--actions",
            &self.out,
        ];
        args.extend_from_slice(extra);
        if !extra.contains(&"--start") {
            args.extend(["--start", "2026-03-02T09:00:00Z"]);
        }
        let out = dun(&args);
        (out.status.success(), text(&out.stderr))
    }

    fn status(&self) -> serde_json::Value {
        json(&["status", "--db", &self.db, "--format", "json"])
    }

    fn account(&self, id: &str) -> serde_json::Value {
        json(&["status", "--db", &self.db, id, "--format", "json"])
    }

    fn actions(&self) -> Vec<serde_json::Value> {
        read_lines(Path::new(&self.out))
    }
}

fn read_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn a_structural_edit_under_the_same_version_is_refused_with_nothing_stepped() {
    let p = Portfolio::three_days("structural");
    let before = (p.status(), p.account("A005"), p.actions());
    // An alert added before the call, and the reminder removed.
    let edited = V1
        .replace(
            "  call queue early",
            "  alert collections \"late\"\n  call queue early",
        )
        .replace("  send email reminder\n", "");
    let flow = p.flow("v1-edited.dun", &edited);
    let (ok, err) = p.run(&flow, "2026-03-09", &[]);
    assert!(!ok, "a changed machine under version 1 must be refused");
    assert!(err.contains("flow dues version 1 has changed"), "{err}");
    assert!(err.contains("the steps of stage `calls` moved"), "{err}");
    assert!(
        err.contains("the steps of stage `reminders` moved"),
        "{err}"
    );
    assert!(
        err.contains("raise the version (`flow dues version 2`) and add `migrate from version 1"),
        "{err}"
    );
    assert!(err.contains("--drain"), "{err}");
    assert!(err.contains("nothing was stored or stepped"), "{err}");
    assert_eq!((p.status(), p.account("A005"), p.actions()), before);
}

fn a_wording_edit_is_accepted_says_so_and_ended_accounts_keep_their_outcome() {
    let p = Portfolio::three_days("wording");
    let edited = format!(
        "# reworded after a complaint\n{}",
        V1.replace(
            "Reminder: {account.balance} is due.",
            "A friendly reminder: {account.balance} is due."
        )
    );
    let flow = p.flow("v1-reworded.dun", &edited);
    let (ok, err) = p.run(&flow, "2026-03-06", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains(
            "only in the wording of template reminder, which cannot matter to an account in flight"
        ),
        "{err}"
    );
    // The reminders of 2026-03-05 09:00 went out with the new wording.
    let reminders: Vec<serde_json::Value> = p
        .actions()
        .into_iter()
        .filter(|a| a["template"] == "reminder")
        .collect();
    assert_eq!(reminders.len(), 19);
    assert!(reminders.iter().all(|a| a["text"]
        .as_str()
        .unwrap()
        .starts_with("A friendly reminder")));
    let paid = p.account("A001");
    assert_eq!(paid["outcome"], "paid");
    assert_eq!(paid["status"], "ended");
    let machines = p.status()["machines"].as_array().unwrap().clone();
    assert_eq!(machines.len(), 2, "both machines are kept: {machines:?}");
    assert_eq!(machines[1]["accounts"], 20);
    assert_eq!(paid["machine"], machines[1]["fingerprint"]);
    let audit = paid["audit"].as_array().unwrap();
    assert!(audit.iter().any(|e| e["kind"] == "machine"
        && e["message"]
            .as_str()
            .unwrap()
            .contains("the wording of template reminder")));
}

/// Version 2: the calls become late calls, after a letter; a new variable.
fn v2(migrate: &str) -> String {
    V1.replace("flow dues version 1", "flow dues version 2")
        .replace(
            "stage calls {\n  call queue early",
            "stage late_calls {\n  call queue late",
        )
        .replace("goto calls", "goto late_calls")
        + migrate
}

fn a_drain_finishes_old_accounts_on_version_1_while_new_ones_enter_version_2() {
    let p = Portfolio::three_days("drain");
    let flow = p.flow("v2.dun", &v2(""));
    let (ok, err) = p.run(&flow, "2026-03-20", &[]);
    assert!(
        !ok,
        "version 2 over accounts in flight needs a migration or a drain"
    );
    assert!(
        err.contains("19 accounts are in flight on flow dues version 1"),
        "{err}"
    );
    assert!(err.contains("--drain"), "{err}");
    let newcomers = p.flow_file(
        "new.csv",
        "id,name,balance,email\nN001,New One,50.00,n1@example.com\n",
    );
    let (ok, err) = p.run(
        &flow,
        "2026-03-20",
        &[
            "--drain",
            "--accounts",
            &newcomers,
            "--start",
            "2026-03-06T09:00:00Z",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("draining: accounts in flight on version 1"),
        "{err}"
    );
    let by_account = |id: &str| -> Vec<serde_json::Value> {
        p.actions()
            .into_iter()
            .filter(|a| a["account"] == id)
            .collect()
    };
    // An old account's call comes from version 1's `calls` stage.
    let old = by_account("A005");
    let call = old.iter().find(|a| a["type"] == "call").expect("a call");
    assert_eq!(
        (call["version"].as_i64(), call["queue"].as_str()),
        (Some(1), Some("early"))
    );
    assert_eq!(p.account("A005")["version"], 1);
    assert_eq!(p.account("A005")["outcome"], "unresolved");
    // The newcomer's from version 2's `late_calls`.
    let new = by_account("N001");
    let call = new.iter().find(|a| a["type"] == "call").expect("a call");
    assert_eq!(
        (call["version"].as_i64(), call["queue"].as_str()),
        (Some(2), Some("late"))
    );
    assert_eq!(p.account("N001")["stage"], "late_calls");
    // The drained accounts have ended: version 2 now runs without --drain.
    let (ok, err) = p.run(&flow, "2026-03-21", &[]);
    assert!(ok, "{err}");
}

impl Portfolio {
    fn flow_file(&self, name: &str, text: &str) -> String {
        self.flow(name, text)
    }
}

/// Action ids by account, to tell lost, repeated or renumbered ones.
fn ids(actions: &[serde_json::Value]) -> BTreeMap<String, Vec<String>> {
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in actions {
        by.entry(a["account"].as_str().unwrap().to_string())
            .or_default()
            .push(a["id"].as_str().unwrap().to_string());
    }
    by
}

fn action_ids_stay_unique_across_machines() {
    let p = Portfolio::three_days("ids");
    let all = p.actions();
    let by = ids(&all);
    let total: usize = by.values().map(Vec::len).sum();
    let mut unique: Vec<&String> = by.values().flatten().collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total);
}

const MIGRATE: &str = "\nmigrate from version 1 {\n  stage calls -> late_calls\n}\n";

fn a_total_migration_continues_every_account_with_no_action_lost_repeated_or_renumbered() {
    let p = Portfolio::three_days("migrate");
    let flow = p.flow("v2.dun", &v2(MIGRATE));
    let out = dun(&["check", &flow, "--from-db", &p.db]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("every place has a place"));
    let before = p.actions();
    let out = dun(&["migrate", "--db", &p.db, &flow, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "19  version 1 reminders wait 1  ->  version 2 reminders wait 1"
    );
    // The dry run moved nothing: version 2 is still refused.
    assert!(!p.run(&flow, "2026-03-20", &[]).0);
    let out = dun(&["migrate", "--db", &p.db, &flow, "--at", "2026-03-05"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("moved 19 accounts"));
    let (ok, err) = p.run(&flow, "2026-03-20", &[]);
    assert!(ok, "{err}");
    let after = p.actions();
    // Every action exported before is still there, once.
    assert_eq!(after[..before.len()], before[..]);
    let by = ids(&after);
    for (account, list) in &by {
        let mut unique = list.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), list.len(), "{account}: an action id repeated");
    }
    // Each account in flight: its first notice on version 1, the reminder
    // due after the move (2026-03-05 09:00) and the rest on version 2,
    // each once.
    let a5: Vec<&serde_json::Value> = after.iter().filter(|a| a["account"] == "A005").collect();
    let kinds: Vec<String> = a5
        .iter()
        .map(|a| format!("{} {}", a["type"].as_str().unwrap(), a["version"]))
        .collect();
    assert_eq!(
        kinds,
        ["stage 1", "send 1", "send 2", "stage 2", "call 2", "end 2"],
        "{a5:?}"
    );
    let status = p.account("A005");
    assert_eq!(
        (status["version"].as_i64(), status["outcome"].as_str()),
        (Some(2), Some("unresolved"))
    );
    let migrated: Vec<&serde_json::Value> = status["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "migrated")
        .collect();
    assert_eq!(migrated.len(), 1);
    assert!(migrated[0]["message"]
        .as_str()
        .unwrap()
        .contains("migrated from version 1 (reminders wait 1"));
    // The paid account ended on version 1 and stays there, outcome intact.
    assert_eq!(p.account("A001")["version"], 1);
    assert_eq!(p.account("A001")["outcome"], "paid");
}

fn a_partial_migration_is_refused_naming_each_unmapped_place() {
    let p = Portfolio::three_days("partial");
    // Version 2 without `calls` and a rule that covers only its start.
    let flow = p.flow(
        "v2.dun",
        &v2("\nmigrate from version 1 {\n  stage calls start -> late_calls\n}\n"),
    );
    let out = dun(&["check", &flow, "--from-db", &p.db]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains(
            "unmapped place calls wait 1: no rule moves it, and version 2 has no stage `calls`"
        ),
        "{report}"
    );
    assert!(
        report.contains("unmapped place calls contact 1"),
        "{report}"
    );
    assert!(!report.contains("unmapped place calls start"), "{report}");
    // Findings are registry diagnostics, on the rule at fault.
    assert!(report.contains("dun::migrate::unmapped"), "{report}");
    let json = dun(&["check", &flow, "--from-db", &p.db, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["dun::migrate::unmapped", "dun::migrate::unmapped"],
        "{json}"
    );
    let v1c = p.path("v1.dunc");
    let built = dun(&["build", &p.path("v1.dun"), "-o", &v1c]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let out = dun(&["check", &flow, "--from", &v1c]);
    assert_eq!(text(&out.stdout), report, "--from reads the same machine");
    let before = p.status();
    let out = dun(&["migrate", "--db", &p.db, &flow]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no account was moved"));
    assert_eq!(p.status(), before);
}

fn a_var_line_of_a_migration_sets_a_new_variable_of_each_moved_account() {
    let p = Portfolio::three_days("migrate-var");
    // Version 2 ends the late calls at once for a large debt carried over:
    // `carried` starts at 0 for new accounts, and the migration sets it
    // from each moved account's balance.
    let flow = p.flow(
        "v2.dun",
        &v2("\nvar carried: money = 0 USD\n\nmigrate from version 1 {\n  stage calls -> late_calls\n  var carried = account.balance\n}\n")
            .replace(
                "stage late_calls {\n",
                "stage late_calls {\n  if carried > 110 USD {\n    end large_carried\n  }\n",
            ),
    );
    let out = dun(&["check", &flow, "--from-db", &p.db]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = dun(&["migrate", "--db", &p.db, &flow, "--at", "2026-03-05"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (ok, err) = p.run(&flow, "2026-03-20", &[]);
    assert!(ok, "{err}");
    // Balances are 100 + i: above 110 from A011 on.
    for (id, outcome) in [
        ("A005", "unresolved"),
        ("A010", "unresolved"),
        ("A011", "large_carried"),
        ("A019", "large_carried"),
    ] {
        let account = p.account(id);
        assert_eq!(
            (account["version"].as_i64(), account["outcome"].as_str()),
            (Some(2), Some(outcome)),
            "{id}: {account}"
        );
    }

    // The line is checked: a variable of the new flow, of its type.
    let wrong = p.flow(
        "v2-wrong.dun",
        &v2("\nvar carried: money = 0 USD\n\nmigrate from version 1 {\n  stage calls -> late_calls\n  var carried = account.name\n  var caried = 0 USD\n}\n"),
    );
    let out = dun(&["check", &wrong, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["dun::types::mismatch", "dun::names::unknown_variable"],
        "{report}"
    );
}

/// A pseudo-random sequence without a crate: SplitMix64 from the clock.
fn randoms(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut s = seed;
    move |bound| {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % bound.max(1)
    }
}

fn a_migration_killed_at_random_moments_moves_each_of_20000_accounts_exactly_once() {
    let dir = common::scratch("live", "killed");
    let path = |n: &str| dir.join(n).display().to_string();
    let mut accounts = String::from("id,name,balance,email\n");
    for i in 0..20_000 {
        accounts.push_str(&format!(
            "K{i:05},P {i},{}.00,k{i}@example.com\n",
            10 + i % 500
        ));
    }
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    std::fs::write(dir.join("v1.dun"), V1).unwrap();
    std::fs::write(dir.join("v2.dun"), v2(MIGRATE)).unwrap();
    let (db, out) = (store_at(&dir, "live_killed"), path("actions.jsonl"));
    let ran = dun(&[
        "run",
        &path("v1.dun"),
        "--db",
        &db,
        "--accounts",
        &path("accounts.csv"),
        "--start",
        "2026-03-02T09:00:00Z",
        "--until",
        "2026-03-04",
        "--actions",
        &out,
    ]);
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    let mut next = randoms(seed);
    let args = [
        "migrate",
        "--db",
        db.as_str(),
        &path("v2.dun"),
        "--at",
        "2026-03-04",
    ];
    for _ in 0..4 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(next(1500)));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }
    let done = dun(&args);
    assert!(done.status.success(), "seed {seed}: {}", text(&done.stderr));
    // Every account is on version 2, each with one migration line.
    let summary = json(&["status", "--db", &db, "--format", "json"]);
    let flows = summary["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 1, "seed {seed}: {flows:?}");
    assert_eq!(
        (flows[0]["version"].as_i64(), flows[0]["accounts"].as_i64()),
        (Some(2), Some(20_000))
    );
    let conn_check = |id: &str| {
        let a = json(&["status", "--db", &db, id, "--format", "json"]);
        let n = a["audit"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "migrated")
            .count();
        assert_eq!(n, 1, "seed {seed}: account {id} migrated {n} times");
    };
    for i in (0..20_000).step_by(997) {
        conn_check(&format!("K{i:05}"));
    }
    // Running the migration again moves nobody.
    let again = dun(&args);
    assert!(
        text(&again.stderr).contains("moved 0 accounts"),
        "{}",
        text(&again.stderr)
    );
}

/// A monthly bill: an account enters when its row shows a past-due amount,
/// leaves when it pays, and comes back with its next past-due row.
const BILLS: &str = r#"flow bills version 1
currency USD

account {
  name: text
  past_due: money
  email: email
}

event payment { amount: money }

policy {
  at_most 1 emails per 10 days
}

template due_notice for email "Your bill of {account.past_due} is past due."

template second_notice for email "Second notice: {account.past_due} is past due."

reenter when account.past_due > 0 USD

start notices

stage notices {
  send email due_notice
  wait 14 days
  send email second_notice
  wait 14 days
  end unpaid
}

stage paid {
  end paid
}

on payment -> paid
"#;

#[test]
fn an_account_reenters_for_three_cycles_and_its_cap_ledger_follows_the_person() {
    let dir = common::scratch("live", "reenter");
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(dir.join("bills.dun"), BILLS).unwrap();
    let (flow, db, out) = (path("bills.dun"), path("store.db"), path("actions.jsonl"));
    let row = |name: &str, due: &str| {
        let file = path(name);
        std::fs::write(
            &file,
            format!("id,name,past_due,email\nB1,Bea,{due},b@example.com\n"),
        )
        .unwrap();
        file
    };
    let event = |name: &str, id: &str, at: &str| {
        let file = path(name);
        std::fs::write(
            &file,
            format!("{{\"id\":\"{id}\",\"account\":\"B1\",\"type\":\"payment\",\"at\":\"{at}\",\"amount\":\"1.00\"}}\n"),
        )
        .unwrap();
        file
    };
    let run = |until: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            &flow,
            "--db",
            &db,
            "--start",
            "2026-03-02T09:00:00Z",
            "--until",
            until,
            "--actions",
            &out,
        ];
        args.extend_from_slice(extra);
        let o = dun(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
    };
    let status = || json(&["status", "--db", &db, "B1", "--format", "json"]);
    // Cycle 1: enters with 100 due, pays the next day.
    let (r1, e1) = (
        row("r1.csv", "100.00"),
        event("e1.jsonl", "p1", "2026-03-03T12:00:00Z"),
    );
    run("2026-03-05", &["--accounts", &r1, "--events", &e1]);
    assert_eq!(
        (status()["cycle"].as_i64(), status()["outcome"].as_str()),
        (Some(1), Some("paid"))
    );
    // The same row again: it has not changed, so no new cycle.
    run("2026-03-06", &["--accounts", &r1]);
    assert_eq!(status()["cycle"], 1);
    // Cycle 2: a new past-due row; it re-enters at its clock (03-06) and its
    // first notice waits for the cap of the first cycle's email (03-02
    // 09:00 + 10 days); it pays on 03-20.
    let (r2, e2) = (
        row("r2.csv", "80.00"),
        event("e2.jsonl", "p2", "2026-03-20T12:00:00Z"),
    );
    run("2026-03-31", &["--accounts", &r2, "--events", &e2]);
    let s = status();
    assert_eq!(
        (s["cycle"].as_i64(), s["outcome"].as_str()),
        (Some(2), Some("paid"))
    );
    // Nothing past due: no new cycle.
    let r3 = row("r3.csv", "0.00");
    run("2026-04-10", &["--accounts", &r3]);
    assert_eq!(
        (status()["cycle"].as_i64(), status()["status"].as_str()),
        (Some(2), Some("ended"))
    );
    // Cycle 3: past due again in April.
    let r4 = row("r4.csv", "60.00");
    run("2026-04-30", &["--accounts", &r4]);
    let s = status();
    assert_eq!(
        (s["cycle"].as_i64(), s["status"].as_str()),
        (Some(3), Some("active"))
    );
    let sends: Vec<(String, String, String)> = read_lines(Path::new(&out))
        .into_iter()
        .filter(|a| a["type"] == "send")
        .map(|a| {
            (
                a["at"].as_str().unwrap().to_string(),
                a["template"].as_str().unwrap().to_string(),
                a["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        sends,
        [
            (
                "2026-03-02T09:00:00Z",
                "due_notice",
                "Your bill of 100.00 USD is past due."
            ),
            (
                "2026-03-12T09:00:00Z",
                "due_notice",
                "Your bill of 80.00 USD is past due."
            ),
            (
                "2026-04-10T00:00:00Z",
                "due_notice",
                "Your bill of 60.00 USD is past due."
            ),
            (
                "2026-04-24T00:00:00Z",
                "second_notice",
                "Second notice: 60.00 USD is past due."
            ),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let all = read_lines(Path::new(&out));
    let mut ids: Vec<&str> = all.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "an action id repeated across cycles");
    let reentered: Vec<String> = s["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reentered")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        reentered,
        [
            "re-enters bills version 1 for cycle 2: its new row meets `reenter when`",
            "re-enters bills version 1 for cycle 3: its new row meets `reenter when`"
        ]
    );
}

/// A daily balance reminder at 08:00, skipped once nothing is owed.
const DAILY: &str = r#"flow daily version 1
currency USD

account {
  name: text
  balance: money
  email: email
}

event payment { amount: money }

template balance_due for email "Good morning {account.name}: your balance is {account.balance}."

template thanks for email "Thank you for your payment of {last_paid}."

var last_paid: money = 0 USD

start reminding

stage reminding {
  on payment {
    set last_paid = event.amount
    send email thanks
  }
  send email balance_due when account.balance > 0 USD
  wait 1 day
  send email balance_due when account.balance > 0 USD
  wait 1 day
  send email balance_due when account.balance > 0 USD
  wait 1 day
  send email balance_due when account.balance > 0 USD
  wait 1 day
  end done
}
"#;

#[test]
fn a_catch_up_run_applies_rows_and_events_in_time_order_message_by_message() {
    let dir = common::scratch("live", "as_of");
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(dir.join("daily.dun"), DAILY).unwrap();
    // Rows of three moments in one file, out of order; a payment between.
    std::fs::write(
        dir.join("accounts.csv"),
        "id,name,balance,email,as_of\n\
         D1,Dee,0.00,d@example.com,2026-03-04T12:00:00Z\n\
         D1,Dee,100.00,d@example.com,2026-03-02T08:00:00Z\n\
         D1,Dee,60.00,d@example.com,2026-03-03T12:00:00Z\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("events.jsonl"),
        "{\"id\":\"p1\",\"account\":\"D1\",\"type\":\"payment\",\"at\":\"2026-03-03T12:00:00Z\",\"amount\":\"40.00\"}\n\
         {\"id\":\"p2\",\"account\":\"D1\",\"type\":\"payment\",\"at\":\"2026-03-04T12:00:00Z\",\"amount\":\"60.00\"}\n",
    )
    .unwrap();
    let (flow, db, out) = (path("daily.dun"), path("store.db"), path("actions.jsonl"));
    let o = dun(&[
        "run",
        &flow,
        "--db",
        &db,
        "--accounts",
        &path("accounts.csv"),
        "--events",
        &path("events.jsonl"),
        "--start",
        "2026-03-02T08:00:00Z",
        "--until",
        "2026-03-07",
        "--actions",
        &out,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sent: Vec<(String, String)> = read_lines(Path::new(&out))
        .into_iter()
        .filter(|a| a["type"] == "send")
        .map(|a| {
            (
                a["at"].as_str().unwrap().to_string(),
                a["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        // Enrolled by its first row, of 08:00 on 03-02.
        (
            "2026-03-02T08:00:00Z",
            "Good morning Dee: your balance is 100.00 USD.",
        ),
        // 08:00 on 03-03 comes before the row of 12:00: still 100.
        (
            "2026-03-03T08:00:00Z",
            "Good morning Dee: your balance is 100.00 USD.",
        ),
        // The row of 12:00 applies before the payment of the same moment.
        (
            "2026-03-03T12:00:00Z",
            "Thank you for your payment of 40.00 USD.",
        ),
        (
            "2026-03-04T08:00:00Z",
            "Good morning Dee: your balance is 60.00 USD.",
        ),
        (
            "2026-03-04T12:00:00Z",
            "Thank you for your payment of 60.00 USD.",
        ),
        // 03-05 08:00: the row of 03-04 12:00 says nothing is owed.
    ];
    assert_eq!(
        sent,
        expected.map(|(a, b)| (a.to_string(), b.to_string())),
        "each message renders the values of its own moment"
    );
    let status = json(&["status", "--db", &db, "D1", "--format", "json"]);
    assert_eq!(status["outcome"], "done");
    // A row before the account's clock is refused, naming why.
    std::fs::write(
        dir.join("late.csv"),
        "id,name,balance,email,as_of\nD1,Dee,5.00,d@example.com,2026-03-05T00:00:00Z\n",
    )
    .unwrap();
    let o = dun(&[
        "run",
        &flow,
        "--db",
        &db,
        "--accounts",
        &path("late.csv"),
        "--start",
        "2026-03-07",
        "--until",
        "2026-03-08",
        "--actions",
        &out,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rejects = std::fs::read_to_string(dir.join("actions.rejects.jsonl")).unwrap();
    assert!(
        rejects.contains("is before the account's clock 2026-03-07T00:00:00Z"),
        "{rejects}"
    );
}
