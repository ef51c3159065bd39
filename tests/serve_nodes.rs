//! Two `dun serve` nodes on one PostgreSQL database, as behind a load
//! balancer: the real binary twice on loopback ports, spoken to over HTTP
//! by concurrent clients posting items for the same accounts to both. The
//! result is compared with one node on SQLite given the same items one at
//! a time. Skipped (saying so) without PostgreSQL; failed under `CI=true`.

mod common;

use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::process::Child;
use std::time::Duration;

fn token(db: &str) -> String {
    common::serve::token(db, "admin")
}

struct Server {
    child: Child,
    base: String,
    token: String,
}

impl Server {
    fn start(db: &str, token: &str) -> Server {
        let flow = common::serve::reminders();
        let started = common::serve::start(&[
            "serve",
            &flow,
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
            "--clock",
            "2026-03-02T09:00:00Z",
        ]);
        Server {
            child: started.child,
            base: started.base,
            token: token.to_string(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let resp = match body {
            None => agent.get(&url).header("authorization", &auth).call(),
            Some(b) => agent.post(&url).header("authorization", &auth).send(b),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "{method} {url}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|_| json!(body))
    }

    /// Posts one item; its verdict (`accepted`, `duplicate`, `rejected`).
    fn post(&self, what: &str, item: &str) -> String {
        let answer = self.call("POST", &format!("/v1/{what}"), Some(item));
        answer["items"][0]["status"]
            .as_str()
            .unwrap_or_else(|| panic!("a verdict: {answer}"))
            .to_string()
    }

    fn set_clock(&self, t: &str) {
        self.call("POST", "/v1/clock", Some(&json!({"now": t}).to_string()));
    }

    /// Every action of the feed by id; an id twice fails the test.
    fn feed(&self) -> BTreeMap<String, Value> {
        let mut after = 0;
        let mut all = BTreeMap::new();
        loop {
            let page = self.call("GET", &format!("/v1/actions?after={after}&limit=500"), None);
            let actions = page["actions"].as_array().expect("actions").clone();
            if actions.is_empty() {
                return all;
            }
            after = page["cursor"].as_i64().expect("a cursor");
            for a in actions {
                let id = a["id"].as_str().expect("an action id").to_string();
                assert!(
                    all.insert(id.clone(), a).is_none(),
                    "action {id} is in the feed twice"
                );
            }
        }
    }

    fn round_trips(&self) -> u64 {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .get(&format!("{}/metrics", self.base))
            .header("authorization", &format!("Bearer {}", self.token))
            .call()
            .expect("the metrics");
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        body.lines()
            .find_map(|l| l.strip_prefix("dun_store_round_trips_total "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no round trip count in {body}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ACCOUNTS: usize = 60;

fn account(i: usize, balance: &str) -> String {
    json!({"id": format!("N{i:03}"), "name": format!("Name {i}"), "balance": balance, "mobile": "+15550001111"})
        .to_string()
}

/// The event of account `i`: a payment for a third of them, a promise for
/// the others, all at the moment the accounts enrolled.
fn event(i: usize) -> String {
    let id = format!("N{i:03}");
    if i.is_multiple_of(3) {
        json!({"id": format!("pay-{i}"), "account": id, "type": "payment", "at": "2026-03-02T09:00:00Z", "amount": "100.00"})
    } else {
        json!({"id": format!("promise-{i}"), "account": id, "type": "promise_to_pay", "at": "2026-03-02T09:00:00Z", "due": "2026-03-10"})
    }
    .to_string()
}

fn new_balance(i: usize) -> String {
    format!("{}.00", 200 + i)
}

const MOMENTS: [&str; 3] = [
    "2026-03-02T11:00:00Z",
    "2026-03-03T11:00:00Z",
    "2026-03-06T12:00:00Z",
];

#[test]
fn two_nodes_on_one_database_step_each_account_once_and_lose_no_event() {
    let Some(cluster) = dun_runtime::store::testpg::cluster() else {
        return;
    };
    let dir = common::scratch("serve_nodes", "two");
    let db = cluster.database("serve_nodes_two");
    let admin = token(&db);
    let a = Server::start(&db, &admin);
    let b = Server::start(&db, &admin);

    // The accounts enrol on one node; then, at once from three clients,
    // one node takes each account's event and the other its changed row
    // and, for two thirds of them, the same event again or another's.
    let rows: String = (0..ACCOUNTS).map(|i| account(i, "100.00") + "\n").collect();
    let enrolled = a.call("POST", "/v1/accounts", Some(&rows));
    assert_eq!(enrolled["accepted"], ACCOUNTS, "{enrolled}");
    let verdicts: Vec<(String, String)> = std::thread::scope(|s| {
        let (a, b) = (&a, &b);
        let events_a = s.spawn(move || {
            (0..ACCOUNTS)
                .map(|i| (format!("event {i}"), a.post("events", &event(i))))
                .collect::<Vec<_>>()
        });
        let rows_b = s.spawn(move || {
            (0..ACCOUNTS)
                .map(|i| {
                    let v = b.post("accounts", &account(i, &new_balance(i)));
                    (format!("row {i}"), v)
                })
                .collect::<Vec<_>>()
        });
        let events_b = s.spawn(move || {
            (0..ACCOUNTS)
                .filter(|i| !i.is_multiple_of(3))
                .map(|i| (format!("event {i}"), b.post("events", &event(i))))
                .collect::<Vec<_>>()
        });
        [events_a, rows_b, events_b]
            .into_iter()
            .flat_map(|t| t.join().expect("a client"))
            .collect()
    });
    let mut by_item: HashMap<String, Vec<String>> = HashMap::new();
    for (item, v) in verdicts {
        by_item.entry(item).or_default().push(v);
    }
    for i in 0..ACCOUNTS {
        let mut events = by_item[&format!("event {i}")].clone();
        events.sort();
        let want: &[&str] = if i.is_multiple_of(3) {
            &["accepted"]
        } else {
            &["accepted", "duplicate"]
        };
        assert_eq!(events, want, "event of account {i}: accepted once");
        assert_eq!(by_item[&format!("row {i}")], ["accepted"], "row {i}");
    }
    // Both nodes' clocks move together: the accounts' timers fall due on
    // both at once.
    for t in MOMENTS {
        std::thread::scope(|s| {
            let (a, b) = (&a, &b);
            s.spawn(move || a.set_clock(t));
            s.spawn(move || b.set_clock(t));
        });
    }
    let got = a.feed();
    assert_eq!(got, b.feed(), "both nodes serve one feed");

    // The same items given one at a time to one node on SQLite.
    let one_db = dir.join("one.db").display().to_string();
    let one_token = token(&one_db);
    let one = Server::start(&one_db, &one_token);
    one.call("POST", "/v1/accounts", Some(&rows));
    for i in 0..ACCOUNTS {
        assert_eq!(one.post("events", &event(i)), "accepted");
        assert_eq!(
            one.post("accounts", &account(i, &new_balance(i))),
            "accepted"
        );
    }
    for t in MOMENTS {
        one.set_clock(t);
    }
    let want = one.feed();
    assert!(want.len() > ACCOUNTS, "{} actions", want.len());
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(got, want, "the actions of one node, id for id");
    for i in 0..ACCOUNTS {
        let path = format!("/v1/accounts/N{i:03}");
        let (x, y) = (a.call("GET", &path, None), one.call("GET", &path, None));
        for field in ["status", "stage", "outcome"] {
            assert_eq!(x[field], y[field], "account {i}: {field}\n{x}\n{y}");
        }
        assert_eq!(
            x["events"].as_array().map(Vec::len),
            Some(1),
            "account {i}: its event stored once: {x}"
        );
        assert_eq!(x["events"][0]["processed"], true, "account {i}: {x}");
    }

    // One request of an event for every account costs the same round
    // trips to the database as one of a single event: the transaction
    // reads and writes its accounts' rows with a statement per table.
    let batch = |prefix: &str, n: usize| -> String {
        (0..n)
            .map(|i| {
                json!({"id": format!("{prefix}-{i}"), "account": format!("N{i:03}"), "type": "promise_to_pay", "at": "2026-03-06T12:00:00Z", "due": "2026-03-20"})
                    .to_string()
                    + "\n"
            })
            .collect()
    };
    let trips = |body: String| {
        let before = a.round_trips();
        let answer = a.call("POST", "/v1/events", Some(&body));
        assert_eq!(answer["rejected"], 0, "{answer}");
        a.round_trips() - before
    };
    let one_event = trips(batch("single", 1));
    let every_account = trips(batch("every", ACCOUNTS));
    eprintln!(
        "round trips: a request of 1 event {one_event}, of {ACCOUNTS} events {every_account}"
    );
    assert!(
        every_account <= one_event + 2 && every_account <= 20,
        "a request of {ACCOUNTS} events took {every_account} round trips, one of 1 event {one_event}"
    );
}
