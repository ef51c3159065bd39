//! Promises as KPIs: `dun simulate` reports the promises a flow tracked that
//! the payments kept or that broke, with a kept rate that follows the
//! behaviour model; `dun status` counts each account's last promise.

mod common;

use common::{consumer_cards, dun, json, scratch, text};

fn kept_rate(keep: f64) -> (f64, u64) {
    let dir = scratch("promise_kpis", &format!("keep_{keep}"));
    let model = dir.join("behaviour.toml");
    std::fs::write(
        &model,
        format!("[promises]\nkeep = {keep}\ndue_days = [3, 10]\n"),
    )
    .unwrap();
    let r = json(&[
        "simulate",
        &consumer_cards("consumer_cards.dun"),
        "--synthetic",
        "600",
        "--days",
        "90",
        "--seed",
        "3",
        "--behaviour",
        &model.display().to_string(),
        "--format",
        "json",
    ]);
    let p = &r["whole"]["flow_promises"];
    let decided = p["kept"].as_u64().unwrap() + p["broken"].as_u64().unwrap();
    (p["kept_rate"].as_f64().unwrap(), decided)
}

#[test]
fn the_simulated_kept_rate_moves_with_the_behaviour_models_keep_chance() {
    let (high, n_high) = kept_rate(0.9);
    let (low, n_low) = kept_rate(0.1);
    assert!(
        n_high >= 20 && n_low >= 20,
        "too few promises: {n_high}, {n_low}"
    );
    assert!(
        high > low + 0.4,
        "kept rate {high:.3} with keep 0.9, {low:.3} with keep 0.1"
    );
}

#[test]
fn status_counts_each_accounts_last_promise_as_the_engine_decided_it() {
    let dir = scratch("promise_kpis", "status");
    // NG-100231 promises 300 due 2026-03-10 and pays it in two parts;
    // NG-100232 promises 200 and pays 50: broken after 2026-03-12.
    let events = [
        r#"{"id":"e1","account":"NG-100231","type":"promise_to_pay","at":"2026-03-04T16:00:00Z","amount":"300.00","due":"2026-03-10"}"#,
        r#"{"id":"e2","account":"NG-100231","type":"payment","at":"2026-03-06T16:00:00Z","amount":"100.00"}"#,
        r#"{"id":"e3","account":"NG-100231","type":"payment","at":"2026-03-09T16:00:00Z","amount":"200.00"}"#,
        r#"{"id":"e4","account":"NG-100232","type":"promise_to_pay","at":"2026-03-04T16:00:00Z","amount":"200.00","due":"2026-03-10"}"#,
        r#"{"id":"e5","account":"NG-100232","type":"payment","at":"2026-03-06T16:00:00Z","amount":"50.00"}"#,
    ];
    let events_file = dir.join("events.jsonl");
    std::fs::write(&events_file, events.join("\n") + "\n").unwrap();
    let db = dir.join("store.db").display().to_string();
    let _ = std::fs::remove_file(&db);
    let out = dun(&[
        "run",
        &consumer_cards("consumer_cards.dun"),
        "--db",
        &db,
        "--accounts",
        &consumer_cards("accounts.csv"),
        "--events",
        &events_file.display().to_string(),
        "--start",
        "2026-03-02T15:00:00Z",
        "--until",
        "2026-03-20T00:00:00Z",
        "--actions",
        &dir.join("actions.jsonl").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = json(&["status", "--db", &db, "--format", "json"]);
    let p = &r["promises"];
    assert_eq!(
        (p["open"].as_u64(), p["kept"].as_u64(), p["broken"].as_u64()),
        (Some(0), Some(1), Some(1)),
        "{r:#}"
    );
    assert_eq!(p["kept_rate"].as_f64(), Some(0.5));
    let out = dun(&["status", "--db", &db]);
    assert!(
        text(&out.stdout).contains("0 open, 1 kept, 1 broken; 50.0% of the decided ones kept"),
        "{}",
        text(&out.stdout)
    );
}
