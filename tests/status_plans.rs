//! `dun status` over a store whose flow tracks payment plans: per account
//! its last plan (amount, installments, paid so far, next due day, missed
//! installments, state), and in the summary how many plans are current,
//! completed and broken, with the completion rate; on SQLite and
//! PostgreSQL. 2026-03-02 is a Monday.

mod common;

use common::{dun, json, on_both, scratch, store_at, text};

const FLOW: &str = r#"flow plan_status
currency USD
account { name: text
 mobile: phone
 balance: money }
event payment { amount: money }
event plan_accepted { total: money, count: number, first: date }
payments from payment.amount
template nudge for sms "Please pay"

on plan_accepted {
  plan event.total in event.count installments every 1 month from event.first grace 3 days
  goto on_plan
}
on installment_missed {
  send sms nudge
}
on plan_broken -> broken_plan
on plan_completed -> paid

start offer
stage offer {
  offer plan up to 6 installments every 1 month
  wait 30 days
  end unpaid
}
stage on_plan {
  wait 365 days
  end unpaid
}
stage broken_plan {
  end broken
}
stage paid {
  end paid
}
"#;

const ACCOUNTS: &str = "id,name,mobile,balance
P-1,Ann,+15550101,600.00
P-2,Bob,+15550102,300.00
P-3,Cy,+15550103,600.00
P-4,Di,+15550104,100.00
";

/// P-1 misses its first installment (due March 10, checked when March 13
/// ends), catches up on March 20 and pays the second ahead: current, one
/// missed. P-2 pays its plan in full: completed. P-3 pays nothing: the
/// second miss in a row, when April 6 ends, breaks it. P-4 accepts no plan.
const EVENTS: &[&str] = &[
    r#"{"id":"e1","account":"P-1","type":"plan_accepted","at":"2026-03-03T10:00:00Z","total":"600.00","count":3,"first":"2026-03-10"}"#,
    r#"{"id":"e2","account":"P-1","type":"payment","at":"2026-03-20T10:00:00Z","amount":"400.00"}"#,
    r#"{"id":"e3","account":"P-2","type":"plan_accepted","at":"2026-03-03T10:00:00Z","total":"300.00","count":3,"first":"2026-03-10"}"#,
    r#"{"id":"e4","account":"P-2","type":"payment","at":"2026-03-05T10:00:00Z","amount":"300.00"}"#,
    r#"{"id":"e5","account":"P-3","type":"plan_accepted","at":"2026-03-02T16:00:00Z","total":"600.00","count":3,"first":"2026-03-03"}"#,
];

fn run_store(name: &str) -> String {
    let dir = scratch("status_plans", name);
    let flow = dir.join("flow.dun");
    std::fs::write(&flow, FLOW).unwrap();
    let accounts = dir.join("accounts.csv");
    std::fs::write(&accounts, ACCOUNTS).unwrap();
    let events = dir.join("events.jsonl");
    std::fs::write(&events, EVENTS.join("\n") + "\n").unwrap();
    let db = store_at(&dir, &format!("status_plans_{name}"));
    let out = dun(&[
        "run",
        &flow.display().to_string(),
        "--db",
        &db,
        "--accounts",
        &accounts.display().to_string(),
        "--events",
        &events.display().to_string(),
        "--start",
        "2026-03-02T15:00:00Z",
        "--until",
        "2026-04-20T00:00:00Z",
        "--actions",
        &dir.join("actions.jsonl").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    db
}

fn the_summary_counts_each_accounts_last_plan() {
    let db = run_store("summary");
    let r = json(&["status", "--db", &db, "--format", "json"]);
    let p = &r["plans"];
    assert_eq!(
        (
            p["current"].as_u64(),
            p["completed"].as_u64(),
            p["broken"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{r:#}"
    );
    assert_eq!(p["completed_rate"].as_f64(), Some(0.5));
    let out = dun(&["status", "--db", &db]);
    assert!(
        text(&out.stdout).contains(
            "plans (each account's last): 1 current, 1 completed, 1 broken; 50.0% of the decided ones completed"
        ),
        "{}",
        text(&out.stdout)
    );
}

fn one_account_shows_its_plan() {
    let db = run_store("account");
    let out = dun(&["status", "--db", &db, "P-1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "plan 600.00 USD in 3 installments: 400.00 USD paid, next due 2026-05-10, 1 missed, current"
        ),
        "{}",
        text(&out.stdout)
    );
    let r = json(&["status", "--db", &db, "P-1", "--format", "json"]);
    assert_eq!(
        r["plan"],
        serde_json::json!({
            "state": "current",
            "currency": "USD",
            "amount": "600.00",
            "installments": 3,
            "paid": "400.00",
            "next_due": "2026-05-10",
            "missed": 1,
            "behind": false,
        }),
        "{r:#}"
    );
    let r = json(&["status", "--db", &db, "P-3", "--format", "json"]);
    assert_eq!(r["plan"]["state"], "broken", "{r:#}");
    assert_eq!(r["plan"]["missed"], 2, "{r:#}");
    assert_eq!(r["plan"]["next_due"], serde_json::Value::Null, "{r:#}");
    let r = json(&["status", "--db", &db, "P-2", "--format", "json"]);
    assert_eq!(r["plan"]["state"], "completed", "{r:#}");
    // An account that accepted no plan has none to show.
    let r = json(&["status", "--db", &db, "P-4", "--format", "json"]);
    assert!(r.get("plan").is_none(), "{r:#}");
    let out = dun(&["status", "--db", &db, "P-4"]);
    assert!(
        !text(&out.stdout).contains("\nplan "),
        "{}",
        text(&out.stdout)
    );
}

on_both!(
    the_summary_counts_each_accounts_last_plan,
    one_account_shows_its_plan
);
