//! Portfolios of the consumer cards example's accounts, written into a
//! test's folder as `dun run --accounts ... --events ...` reads them.

use std::path::Path;

const HEADER: &str = "id,name,balance,original_creditor,charge_off_date,days_past_due,risk,mobile,email,address,timezone,e_sign_consent\n";

/// `n` accounts `A0000`, `A0001`, ... in Chicago, each with one event: a
/// dispute on March 5 for the even ones, a promise to pay on March 11 for
/// the odd ones. The paths of the accounts and the events files.
pub fn one_event_each(dir: &Path, n: usize) -> (String, String) {
    let mut csv = String::from(HEADER);
    let mut events = String::new();
    for i in 0..n {
        csv.push_str(&format!(
            "A{i:04},Debtor {i},{}.00,Lakeshore Bank Visa,2025-09-30,{},{},+1312555{:04},a{i}@example.com,\"{i} Main St\",America/Chicago,{}\n",
            300 + i * 7,
            180 + i % 200,
            ["low", "medium", "high"][i % 3],
            i,
            i % 2 == 0
        ));
        let kind = if i % 2 == 0 {
            "\"type\":\"dispute\",\"reason\":\"not mine\",\"at\":\"2026-03-05T18:00:00Z\""
        } else {
            "\"type\":\"promise_to_pay\",\"amount\":\"100\",\"due\":\"2026-04-01\",\"at\":\"2026-03-11T17:00:00Z\""
        };
        events.push_str(&format!(
            "{{\"id\":\"E{i}\",\"account\":\"A{i:04}\",{kind}}}\n"
        ));
    }
    write(dir, &csv, &events)
}

/// `n` accounts of varied balances, risks and zones (every fifth without a
/// mobile, every third without an email) and events spread over March, in
/// turn: with `calls`, an answered call, a promise to pay, a dispute and
/// none; without, a promise, a dispute and none. Big enough, in the
/// thousands, that a run takes a while and a kill lands in its middle.
pub fn varied(dir: &Path, n: usize, calls: bool) -> (String, String) {
    let zones = ["America/Chicago", "America/New_York", "America/Los_Angeles"];
    let risks = ["low", "medium", "high"];
    let mut csv = String::from(HEADER);
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
            format!("a{i}@example.com")
        };
        csv.push_str(&format!(
            "A{i:06},Debtor {i},{}.{:02},Lakeshore Bank Visa,2025-09-30,{},{},{mobile},{email},\"{i} Main St\",{},{}\n",
            300 + (i * 37) % 9000,
            i % 100,
            180 + i % 200,
            risks[i % 3],
            zones[i % 3],
            i % 2 == 0
        ));
        let turn = if calls { i % 4 } else { i % 3 + 1 };
        let kind = match turn {
            0 => format!("\"type\":\"call_outcome\",\"result\":\"answered\",\"at\":\"2026-03-{:02}T16:00:00Z\"", 10 + i % 10),
            1 => format!("\"type\":\"promise_to_pay\",\"amount\":\"100\",\"due\":\"2026-04-01\",\"at\":\"2026-03-{:02}T17:00:00Z\"", 10 + i % 15),
            2 => format!("\"type\":\"dispute\",\"reason\":\"not mine\",\"at\":\"2026-03-{:02}T18:00:00Z\"", 5 + i % 20),
            _ => continue,
        };
        events.push_str(&format!(
            "{{\"id\":\"E{i}\",\"account\":\"A{i:06}\",{kind}}}\n"
        ));
    }
    write(dir, &csv, &events)
}

fn write(dir: &Path, accounts: &str, events: &str) -> (String, String) {
    let a = dir.join("accounts.csv");
    let e = dir.join("events.jsonl");
    std::fs::write(&a, accounts).unwrap();
    std::fs::write(&e, events).unwrap();
    (a.display().to_string(), e.display().to_string())
}
