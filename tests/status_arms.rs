//! `dun status --by-arm`: champion and challenger as production ran them,
//! read from a store `dun run` wrote.

mod common;

use common::{dun, flow, json, text};

#[test]
fn by_arm_counts_accounts_money_promises_and_cost_per_split_arm_with_intervals() {
    let dir = common::scratch("status_arms", "auto_loans");
    let f = flow("auto_loans");
    let accounts = dir.join("accounts.csv");
    let out = dun(&[
        "simulate",
        &f,
        "--allow-import-outside",
        common::SHARED_POLICIES,
        "--synthetic",
        "200",
        "--days",
        "1",
        "--dump-portfolio",
        &accounts.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Every third account pays 100 on day 3; every fifth promises 50 on
    // day 2, due day 6, and every tenth pays 50 on day 4.
    let mut events = String::new();
    let mut paid = 0.0;
    let (mut made, mut kept) = (0, 0);
    for i in 0..200u32 {
        let id = format!("SYN-{i:08}");
        if i % 3 == 0 {
            events.push_str(&format!(
                "{{\"id\":\"p{i}\",\"account\":\"{id}\",\"type\":\"payment\",\"at\":\"2026-03-05T12:00:00Z\",\"amount\":\"100.00\"}}\n"
            ));
            paid += 100.0;
        }
        if i % 5 == 0 {
            made += 1;
            events.push_str(&format!(
                "{{\"id\":\"q{i}\",\"account\":\"{id}\",\"type\":\"promise_to_pay\",\"at\":\"2026-03-04T12:00:00Z\",\"amount\":\"50.00\",\"due\":\"2026-03-08\"}}\n"
            ));
            // A payment in the window keeps it too (the day-3 payers).
            if i % 10 == 0 || i % 3 == 0 {
                kept += 1;
            }
            if i % 10 == 0 {
                events.push_str(&format!(
                    "{{\"id\":\"k{i}\",\"account\":\"{id}\",\"type\":\"payment\",\"at\":\"2026-03-06T12:00:00Z\",\"amount\":\"50.00\"}}\n"
                ));
                paid += 50.0;
            }
        }
    }
    let events_file = dir.join("events.jsonl");
    std::fs::write(&events_file, events).unwrap();
    let db = dir.join("store.db").display().to_string();
    let out = dun(&[
        "run",
        &f,
        "--allow-import-outside",
        common::SHARED_POLICIES,
        "--db",
        &db,
        "--accounts",
        &accounts.display().to_string(),
        "--events",
        &events_file.display().to_string(),
        "--start",
        "2026-03-02T14:00:00Z",
        "--until",
        "2026-04-15T00:00:00Z",
        "--actions",
        &dir.join("actions.jsonl").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = json(&["status", "--db", &db, "--by-arm", "--format", "json"]);
    let arms = r["arms"].as_array().unwrap();
    let names: Vec<&str> = arms.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"strategy -> standard_collections (70%)")
            && names.contains(&"strategy -> catch_up_offer (30%)"),
        "{names:?}"
    );
    let sum = |k: &str| arms.iter().map(|a| a[k].as_f64().unwrap()).sum::<f64>();
    assert_eq!(sum("accounts"), 200.0);
    assert!(
        (sum("recovered") - paid).abs() < 0.01,
        "{} vs {paid}",
        sum("recovered")
    );
    assert_eq!(sum("promises_made"), f64::from(made));
    assert_eq!(sum("promises_kept"), f64::from(kept));
    // Contacts cost what the default model says: every arm made some.
    for a in arms.iter().filter(|a| a["name"] != "no split") {
        assert!(a["cost"].as_f64().unwrap() > 0.0, "{a}");
        let i = a["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["metric"] == "recovered_per_account")
            .expect("an interval of the money recovered per account");
        let per = a["recovered"].as_f64().unwrap() / a["accounts"].as_f64().unwrap();
        assert!((i["value"].as_f64().unwrap() - per).abs() < 0.01);
        assert!(i["low"].as_f64().unwrap() <= per && per <= i["high"].as_f64().unwrap());
    }
    let d = r["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric"] == "recovered_per_account")
        .expect("the arms' difference");
    assert!(d["sentence"].as_str().unwrap().contains("noise"), "{d}");
    // The same as text, for people.
    let out = dun(&["status", "--db", &db, "--by-arm"]);
    assert!(out.status.success());
    let table = text(&out.stdout);
    assert!(table.contains("== split arms, from the store"), "{table}");
    assert!(table.contains("recovered per account"), "{table}");
}
