//! A bounded load test of `dun serve` on loopback, then a SIGKILL under
//! load and a restart:
//!
//! ```sh
//! cargo build --release --bin dun
//! cargo run --release -p dun-bench --example serve_load -- \
//!     target/release/dun [EVENTS] [SECONDS] [CLIENTS] [BATCH]
//! ```
//!
//! Posts `promise_to_pay` events for 1,000 accounts of
//! `tests/serve/reminders.dun` from CLIENTS threads, BATCH events a
//! request, until EVENTS are accepted or SECONDS pass (capped at 200,000
//! events, 120 s and 32 clients), and prints accepted events per second
//! and the p50/p99 latency of a request. Then it loads the server again,
//! kills it with SIGKILL, restarts it and checks that every event answered
//! `accepted` is in the store and that the action feed read before the
//! kill is a prefix of the feed after it (no gap, no changed id).

use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 1_000;

fn arg(i: usize, default: u64, cap: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
        .min(cap)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn start(dun: &str, flow: &str, db: &str) -> (Child, String) {
    let mut child = Command::new(dun)
        .args([
            "serve",
            flow,
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
            "--clock",
            "2026-03-02T09:00:00Z",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("dun serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines.next().expect("dun serve logs").expect("a line");
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["msg"] == "listening" {
            break v["addr"].as_str().expect("an address").to_string();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

fn post(a: &ureq::Agent, url: &str, token: &str, body: &str) -> (u16, Value) {
    let mut r = a
        .post(url)
        .header("authorization", &format!("Bearer {token}"))
        .send(body)
        .expect("an answer");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn feed(base: &str, token: &str) -> Vec<String> {
    let a = agent();
    let mut after = 0i64;
    let mut ids = Vec::new();
    loop {
        let mut r = a
            .get(&format!("{base}/v1/actions?after={after}"))
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .expect("a feed answer");
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
            .unwrap_or(Value::Null);
        let actions = v["actions"].as_array().cloned().unwrap_or_default();
        if actions.is_empty() {
            return ids;
        }
        after = v["cursor"].as_i64().expect("a cursor");
        ids.extend(
            actions
                .iter()
                .map(|x| x["id"].as_str().unwrap_or("").to_string()),
        );
    }
}

struct Load {
    accepted: Vec<String>,
    latencies: Vec<Duration>,
    took: Duration,
}

/// How much load: events in all, seconds at most, client threads, events
/// per request.
#[derive(Clone, Copy)]
struct Plan {
    events: u64,
    secs: u64,
    clients: u64,
    batch: u64,
}

/// Posts events from `clients` threads until `events` are accepted, the
/// time is up, `stop` is set or the server stops answering.
fn load(base: &str, token: &str, prefix: &str, plan: Plan, stop: Arc<AtomicBool>) -> Load {
    let Plan {
        events,
        secs,
        clients,
        batch,
    } = plan;
    let next = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(secs);
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (next, accepted, latencies, stop) = (next.clone(), accepted.clone(), latencies.clone(), stop.clone());
            let (url, token, prefix) = (format!("{base}/v1/events"), token.to_string(), prefix.to_string());
            std::thread::spawn(move || {
                let a = agent();
                while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
                    let first = next.fetch_add(batch, Ordering::SeqCst);
                    if first >= events {
                        break;
                    }
                    let body: Vec<String> = (first..(first + batch).min(events))
                        .map(|i| {
                            json!({"id": format!("{prefix}{i}"), "account": format!("L{}", i as usize % ACCOUNTS),
                                   "type": "promise_to_pay", "at": "2026-03-02T09:00:00Z", "due": "2026-03-05"})
                            .to_string()
                        })
                        .collect();
                    let t = Instant::now();
                    let Ok(mut r) = a.post(&url).header("authorization", &format!("Bearer {token}")).send(body.join("\n")) else {
                        break;
                    };
                    let text = r.body_mut().read_to_string().unwrap_or_default();
                    latencies.lock().unwrap().push(t.elapsed());
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let mut acc = accepted.lock().unwrap();
                    for item in v["items"].as_array().into_iter().flatten() {
                        if item["status"] == "accepted" {
                            acc.push(item["id"].as_str().unwrap_or("").to_string());
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let took = began.elapsed();
    let accepted = std::mem::take(&mut *accepted.lock().unwrap());
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    Load {
        accepted,
        latencies,
        took,
    }
}

fn pct(l: &[Duration], p: f64) -> f64 {
    if l.is_empty() {
        return 0.0;
    }
    l[((l.len() as f64 * p) as usize).min(l.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let dun = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/dun".into());
    let events = arg(2, 100_000, 200_000);
    let secs = arg(3, 30, 120);
    let clients = arg(4, 8, 32).max(1);
    let batch = arg(5, 50, 1_000).max(1);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let flow = root.join("tests/serve/reminders.dun").display().to_string();
    let dir = std::env::temp_dir().join(format!("dun-serve-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let db = dir.join("store.db").display().to_string();
    let out = Command::new(&dun)
        .args(["token", "create", "--db", &db, "--scope", "admin"])
        .output()
        .expect("dun token create");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (mut child, base) = start(&dun, &flow, &db);
    let rows: Vec<String> = (0..ACCOUNTS)
        .map(|i| json!({"id": format!("L{i}"), "name": "N", "balance": "10.00", "mobile": "+15550001111"}).to_string())
        .collect();
    let (status, _) = post(
        &agent(),
        &format!("{base}/v1/accounts"),
        &token,
        &rows.join("\n"),
    );
    assert_eq!(status, 200, "the accounts are taken");

    let plan = Plan {
        events,
        secs,
        clients,
        batch,
    };
    let l = load(&base, &token, "E", plan, Arc::new(AtomicBool::new(false)));
    println!(
        "load: {} events accepted in {:.2} s = {:.0} events/s; {} requests of {batch} events from {clients} clients: p50 {:.1} ms, p99 {:.1} ms",
        l.accepted.len(),
        l.took.as_secs_f64(),
        l.accepted.len() as f64 / l.took.as_secs_f64(),
        l.latencies.len(),
        pct(&l.latencies, 0.50),
        pct(&l.latencies, 0.99)
    );

    // Load again and SIGKILL the server a second into it.
    let stop = Arc::new(AtomicBool::new(false));
    let (b2, t2, s2) = (base.clone(), token.clone(), stop.clone());
    let loader = std::thread::spawn(move || {
        load(
            &b2,
            &t2,
            "K",
            Plan {
                events: 200_000,
                secs: 20,
                ..plan
            },
            s2,
        )
    });
    std::thread::sleep(Duration::from_secs(1));
    let before = feed(&base, &token);
    let _ = child.kill();
    let _ = child.wait();
    stop.store(true, Ordering::SeqCst);
    let k = loader.join().expect("the loader");
    let (mut child, base) = start(&dun, &flow, &db);
    let after = feed(&base, &token);
    let _ = child.kill();
    let _ = child.wait();
    let store =
        dun_runtime::store::Store::open(std::path::Path::new(&db)).expect("the store opens");
    let mut stored: HashSet<String> = HashSet::new();
    for i in 0..ACCOUNTS {
        for e in store.events_of(&format!("L{i}")).expect("events") {
            stored.insert(e.id);
        }
    }
    let lost: Vec<&String> = k
        .accepted
        .iter()
        .chain(&l.accepted)
        .filter(|id| !stored.contains(*id))
        .collect();
    let prefix = after.len() >= before.len() && after[..before.len()] == before[..];
    println!(
        "kill: {} events accepted before SIGKILL, {} of them missing after restart; feed before {} actions, after {}: {}",
        k.accepted.len(),
        lost.len(),
        before.len(),
        after.len(),
        if prefix { "the earlier feed is a prefix of the later (no gap, no changed id)" } else { "FEEDS DIFFER" }
    );
    let _ = std::fs::remove_dir_all(&dir);
    if !lost.is_empty() || !prefix {
        std::process::exit(1);
    }
}
