//! `dun serve` as a client sees it: the real binary on a loopback port,
//! spoken to over HTTP, on a clock the test moves (`--clock`).

mod common;

use common::{dun, root, text};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::Duration;

fn flow() -> String {
    common::serve::reminders()
}

/// A token with these scopes for the store `db`.
fn token(db: &Path, scope: &str) -> String {
    common::serve::token(&db.display().to_string(), scope)
}

struct Server {
    child: Child,
    base: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let mut args = vec![
            "serve".to_string(),
            flow(),
            "--db".into(),
            db.display().to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        if !extra.contains(&"--clock") {
            args.extend(["--clock".to_string(), "2026-03-02T09:00:00Z".to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let started = common::serve::start(&args);
        Server {
            child: started.child,
            base: started.base,
            log: started.log,
        }
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("dun serve ends")
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn logs(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// A request: its status and body.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let a = agent();
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(t) = token {
                r = r.header("authorization", &format!("Bearer {t}"));
            }
            r.call()
        }
        (_, b) => {
            let mut r = a.post(url);
            if let Some(t) = token {
                r = r.header("authorization", &format!("Bearer {t}"));
            }
            r.send(b.unwrap_or(""))
        }
    };
    let mut resp = resp.expect("an HTTP answer");
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    (status, body)
}

fn ok_json(method: &str, url: &str, token: &str, body: Option<&str>) -> Value {
    let (status, text) = call(method, url, Some(token), body);
    assert_eq!(status, 200, "{method} {url}: {text}");
    serde_json::from_str(&text).expect("a JSON answer")
}

fn account_row(id: &str) -> String {
    json!({"id": id, "name": format!("Name {id}"), "balance": "100.00", "mobile": "+15550001111"})
        .to_string()
}

fn set_clock(s: &Server, t: &str, admin: &str) {
    ok_json(
        "POST",
        &format!("{}/v1/clock", s.base),
        admin,
        Some(&json!({"now": t}).to_string()),
    );
}

/// Every action of the feed from the start, following its cursor.
fn feed(s: &Server, t: &str) -> Vec<Value> {
    let mut after = 0;
    let mut all = Vec::new();
    loop {
        let page = ok_json(
            "GET",
            &format!("{}/v1/actions?after={after}&limit=2", s.base),
            t,
            None,
        );
        let actions = page["actions"].as_array().expect("actions").clone();
        if actions.is_empty() {
            assert_eq!(page["cursor"], after, "an empty page keeps the cursor");
            return all;
        }
        after = page["cursor"].as_i64().expect("a cursor");
        all.extend(actions);
    }
}

fn sends(actions: &[Value], account: &str) -> Vec<(String, String)> {
    actions
        .iter()
        .filter(|a| a["account"] == account && a["type"] == "send")
        .map(|a| {
            (
                a["template"].as_str().unwrap().to_string(),
                a["at"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("serve", name)
}

#[test]
fn a_promise_posted_at_ten_holds_the_eleven_o_clock_sms() {
    let dir = scratch("promise");
    let db = dir.join("store.db");
    let admin = token(&db, "admin");
    let s = Server::start(&db, &[]);
    let rows = format!("{}\n{}\n", account_row("A1"), account_row("B1"));
    let answer = ok_json(
        "POST",
        &format!("{}/v1/accounts", s.base),
        &admin,
        Some(&rows),
    );
    assert_eq!(answer["accepted"], 2, "{answer}");
    set_clock(&s, "2026-03-02T10:00:00Z", &admin);
    let promise = json!({"id": "E1", "account": "A1", "type": "promise_to_pay", "at": "2026-03-02T10:00:00Z", "due": "2026-03-05"}).to_string();
    let answer = ok_json(
        "POST",
        &format!("{}/v1/events", s.base),
        &admin,
        Some(&promise),
    );
    assert_eq!(answer["items"][0]["status"], "accepted", "{answer}");
    // The same event again changes nothing.
    let again = ok_json(
        "POST",
        &format!("{}/v1/events", s.base),
        &admin,
        Some(&promise),
    );
    assert_eq!(again["items"][0]["status"], "duplicate", "{again}");
    set_clock(&s, "2026-03-02T11:00:00Z", &admin);
    let actions = feed(&s, &admin);
    assert_eq!(
        sends(&actions, "B1"),
        vec![("first_sms".to_string(), "2026-03-02T11:00:00Z".to_string())]
    );
    assert_eq!(sends(&actions, "A1"), vec![], "the promise holds A1's text");
    let a1 = ok_json("GET", &format!("{}/v1/accounts/A1", s.base), &admin, None);
    assert!(
        a1["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "held"),
        "the held text is in the audit trail: {a1}"
    );
    assert_eq!(a1["events"][0]["processed"], true, "{a1}");
    let (status, metrics) = call("GET", &format!("{}/metrics", s.base), Some(&admin), None);
    assert_eq!(status, 200);
    assert!(
        metrics.contains("dun_held_contacts_total{reason=\"paused\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("dun_events_total{verdict=\"accepted\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("dun_events_total{verdict=\"duplicate\"} 1"),
        "{metrics}"
    );
    assert!(s.stop().success());
}

#[test]
fn a_payment_stops_the_next_reminder_and_a_waiting_feed_wakes() {
    let dir = scratch("payment");
    let db = dir.join("store.db");
    let admin = token(&db, "admin");
    let reader = token(&db, "read");
    let s = Server::start(&db, &[]);
    let rows = format!("{}\n{}\n", account_row("A1"), account_row("B1"));
    ok_json(
        "POST",
        &format!("{}/v1/accounts", s.base),
        &admin,
        Some(&rows),
    );
    let cursor = ok_json(
        "GET",
        &format!("{}/v1/actions?after=0&limit=1000", s.base),
        &reader,
        None,
    )["cursor"]
        .as_i64()
        .unwrap();
    // A reader waits for the next actions; the clock moving to 11:00 brings them.
    let (url, t) = (
        format!("{}/v1/actions?after={cursor}&wait=30", s.base),
        reader.clone(),
    );
    let waiting = std::thread::spawn(move || call("GET", &url, Some(&t), None));
    std::thread::sleep(Duration::from_millis(300));
    set_clock(&s, "2026-03-02T11:00:00Z", &admin);
    let (status, body) = waiting.join().unwrap();
    assert_eq!(status, 200);
    let woke: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        woke["actions"].as_array().map(Vec::len),
        Some(2),
        "both first texts: {woke}"
    );
    set_clock(&s, "2026-03-02T12:00:00Z", &admin);
    let pay = json!({"id": "P1", "account": "A1", "type": "payment", "at": "2026-03-02T12:00:00Z", "amount": "100.00"}).to_string();
    let answer = ok_json("POST", &format!("{}/v1/events", s.base), &admin, Some(&pay));
    assert_eq!(answer["accepted"], 1, "{answer}");
    // The event stepped its account at once: it has ended.
    let a1 = ok_json("GET", &format!("{}/v1/accounts/A1", s.base), &reader, None);
    assert_eq!(a1["outcome"], "paid", "{a1}");
    set_clock(&s, "2026-03-03T12:00:00Z", &admin);
    let actions = feed(&s, &reader);
    assert_eq!(
        sends(&actions, "A1"),
        vec![("first_sms".to_string(), "2026-03-02T11:00:00Z".to_string())]
    );
    assert_eq!(
        sends(&actions, "B1"),
        vec![
            ("first_sms".to_string(), "2026-03-02T11:00:00Z".to_string()),
            ("second_sms".to_string(), "2026-03-03T11:00:00Z".to_string())
        ]
    );
    let portfolio = ok_json("GET", &format!("{}/v1/portfolio", s.base), &reader, None);
    assert_eq!(portfolio["accounts"], 2, "{portfolio}");
    assert!(s.stop().success());
}

#[test]
fn every_endpoint_refuses_a_missing_wrong_or_under_scoped_token() {
    let dir = scratch("tokens");
    let db = dir.join("store.db");
    let ingest = token(&db, "ingest");
    let read = token(&db, "read");
    let admin = token(&db, "admin");
    let s = Server::start(&db, &[]);
    let endpoints: [(&str, &str, &str); 8] = [
        ("POST", "/v1/events", "ingest"),
        ("POST", "/v1/accounts", "ingest"),
        ("GET", "/v1/accounts/A1", "read"),
        ("GET", "/v1/portfolio", "read"),
        ("GET", "/v1/actions?after=0", "read"),
        ("GET", "/v1/openapi.json", "read"),
        ("GET", "/metrics", "read"),
        ("POST", "/v1/clock", "admin"),
    ];
    let wrong = format!("dun_{}", "0".repeat(64));
    for (method, path, scope) in endpoints {
        let url = format!("{}{path}", s.base);
        for (tok, want) in [
            (None, 401),
            (Some(wrong.as_str()), 401),
            (Some("not even a token"), 401),
        ] {
            let (status, body) = call(method, &url, tok, Some("{}"));
            assert_eq!(status, want, "{method} {path} with {tok:?}: {body}");
            assert!(
                !body.contains(&wrong) && !body.contains("not even"),
                "a refusal never echoes the token: {body}"
            );
        }
        let under = match scope {
            "ingest" => &read,
            _ => &ingest,
        };
        let (status, body) = call(method, &url, Some(under), Some("{}"));
        assert_eq!(status, 403, "{method} {path} under-scoped: {body}");
        assert!(body.contains(&format!("`{scope}` scope")), "{body}");
        assert!(!body.contains(under.as_str()));
        // The scope, or admin, gets past the door.
        let right = match scope {
            "ingest" => &ingest,
            "read" => &read,
            _ => &admin,
        };
        for tok in [right, &admin] {
            let (status, body) = call(
                method,
                &url,
                Some(tok),
                Some("{\"now\": \"2026-03-02T09:00:00Z\"}"),
            );
            assert!(
                status != 401 && status != 403,
                "{method} {path}: {status} {body}"
            );
        }
    }
    for path in ["/healthz", "/readyz"] {
        let (status, body) = call("GET", &format!("{}{path}", s.base), None, None);
        assert_eq!(status, 200, "{path}");
        assert!(body.len() < 10, "{path} reveals nothing: {body}");
    }
    let logs = s.logs().join("\n");
    for t in [&ingest, &read, &admin, &wrong] {
        assert!(!logs.contains(t.as_str()), "no token in the logs");
    }
    assert!(s.stop().success());
}

#[test]
fn oversized_and_malformed_bodies_get_4xx_with_the_reasons_dun_run_gives() {
    let dir = scratch("bodies");
    let db = dir.join("store.db");
    let t = token(&db, "ingest,read");
    let s = Server::start(&db, &["--max-body", "2048"]);
    let url = format!("{}/v1/events", s.base);
    let (status, _) = call("POST", &url, Some(&t), Some(&"x".repeat(4096)));
    assert_eq!(status, 413, "a body over --max-body");
    let (status, body) = call("POST", &url, Some(&t), Some("  \n"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("empty"), "{body}");
    ok_json(
        "POST",
        &format!("{}/v1/accounts", s.base),
        &t,
        Some(&account_row("A1")),
    );
    // Each bad line is answered with the reason `dun run` gives in its
    // rejects file; the good line is taken.
    let lines = [
        json!({"id": "E1", "account": "A1", "type": "payment", "at": "2026-03-02T09:30:00Z", "amount": "5.00"}).to_string(),
        "{not json".to_string(),
        json!({"id": "E2", "account": "A1", "type": "refund", "at": "2026-03-02T09:30:00Z"}).to_string(),
        json!({"id": "E3", "account": "A1", "type": "payment", "at": "yesterday", "amount": "5"}).to_string(),
        json!({"id": "E4", "account": "A1", "type": "payment", "at": "2026-03-02T09:30:00Z", "amount": "five"}).to_string(),
        json!({"id": "E5", "account": "ZZ", "type": "payment", "at": "2026-03-02T09:30:00Z", "amount": "5"}).to_string(),
        json!({"id": "E1", "account": "A1", "type": "payment", "at": "2026-03-02T09:30:00Z", "amount": "6.00"}).to_string(),
    ];
    let body = lines.join("\n");
    let (status, answer) = call("POST", &url, Some(&t), Some(&body));
    assert_eq!(status, 422, "{answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0]["status"], "accepted", "{answer}");
    let served: Vec<String> = items[1..]
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "rejected");
            i["reason"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        served[5].contains("duplicate event id `E1` with different content"),
        "{served:?}"
    );
    assert!(served[4].contains("unknown account `ZZ`"), "{served:?}");
    // `dun run` on the same lines (but the repeated id, which it takes
    // against the first line) rejects them with the same reasons.
    let events = dir.join("events.jsonl");
    std::fs::write(&events, lines[1..6].join("\n") + "\n").unwrap();
    let accounts = dir.join("accounts.jsonl");
    std::fs::write(&accounts, account_row("A1") + "\n").unwrap();
    let out = dir.join("actions.jsonl");
    let rejects = dir.join("rejects.jsonl");
    let run = dun(&[
        "run",
        &flow(),
        "--db",
        &dir.join("run.db").display().to_string(),
        "--accounts",
        &accounts.display().to_string(),
        "--events",
        &events.display().to_string(),
        "--start",
        "2026-03-02T09:00:00Z",
        "--until",
        "2026-03-02T10:00:00Z",
        "--actions",
        &out.display().to_string(),
        "--rejects",
        &rejects.display().to_string(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let by_run: Vec<String> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["reason"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(by_run, served[..5].to_vec());
    let (status, body) = call(
        "GET",
        &format!("{}/v1/actions?after=minus", s.base),
        Some(&t),
        None,
    );
    assert_eq!(status, 400, "{body}");
    assert!(s.stop().success());
}

#[test]
fn the_openapi_document_served_is_the_one_in_the_repository() {
    let dir = scratch("openapi");
    let db = dir.join("store.db");
    let t = token(&db, "read");
    let s = Server::start(&db, &[]);
    let (status, served) = call(
        "GET",
        &format!("{}/v1/openapi.json", s.base),
        Some(&t),
        None,
    );
    assert_eq!(status, 200);
    let file = std::fs::read_to_string(root().join("docs/openapi.json")).unwrap();
    assert_eq!(served, file);
    let doc: Value = serde_json::from_str(&file).expect("docs/openapi.json is JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/events",
        "/v1/accounts",
        "/v1/accounts/{id}",
        "/v1/portfolio",
        "/v1/actions",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "docs/openapi.json describes {path}"
        );
    }
}

#[test]
fn a_killed_server_keeps_every_accepted_event_and_its_feed() {
    let dir = scratch("kill");
    let db = dir.join("store.db");
    let t = token(&db, "admin");
    let s = Server::start(&db, &[]);
    let rows: Vec<String> = (0..20).map(|i| account_row(&format!("K{i}"))).collect();
    ok_json(
        "POST",
        &format!("{}/v1/accounts", s.base),
        &t,
        Some(&rows.join("\n")),
    );
    set_clock(&s, "2026-03-02T11:30:00Z", &t);
    let events: Vec<String> = (0..10)
        .map(|i| json!({"id": format!("P{i}"), "account": format!("K{i}"), "type": "payment", "at": "2026-03-02T11:30:00Z", "amount": "100"}).to_string())
        .collect();
    let answer = ok_json(
        "POST",
        &format!("{}/v1/events", s.base),
        &t,
        Some(&events.join("\n")),
    );
    assert_eq!(answer["accepted"], 10);
    let before = feed(&s, &t);
    s.kill();
    let s = Server::start(&db, &["--clock", "2026-03-02T11:30:00Z"]);
    let after = feed(&s, &t);
    assert_eq!(
        after, before,
        "the feed has the same actions, ids and order after a kill"
    );
    for i in 0..10 {
        let a = ok_json("GET", &format!("{}/v1/accounts/K{i}", s.base), &t, None);
        assert_eq!(a["events"][0]["id"], format!("P{i}"));
        assert_eq!(a["outcome"], "paid");
    }
    // A repeat after the restart is a duplicate.
    let again = ok_json(
        "POST",
        &format!("{}/v1/events", s.base),
        &t,
        Some(&events[0]),
    );
    assert_eq!(again["duplicate"], 1, "{again}");
    assert!(s.stop().success());
}

/// A webhook receiver on a loopback port: answers the first post 503,
/// then 200, and hands each post (headers and body) to the test.
/// One post the receiver got: its headers (names in lower case) and body.
type Post = (Vec<(String, String)>, String);

fn receiver() -> (String, mpsc::Receiver<Post>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            let mut length = 0usize;
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                    if k == "content-length" {
                        length = v.parse().unwrap_or(0);
                    }
                    headers.push((k, v));
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let status = if n == 0 {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            if n > 0
                && tx
                    .send((headers, String::from_utf8_lossy(&body).into_owned()))
                    .is_err()
            {
                break;
            }
        }
    });
    (url, rx)
}

#[test]
fn the_webhook_gets_each_action_signed_and_retried() {
    use hmac::{Hmac, KeyInit, Mac};
    let dir = scratch("webhook");
    let db = dir.join("store.db");
    let t = token(&db, "admin");
    let (url, posts) = receiver();
    std::env::set_var("DUN_TEST_HOOK_SECRET", "s3cret");
    let s = Server::start(
        &db,
        &[
            "--webhook",
            &url,
            "--webhook-secret-env",
            "DUN_TEST_HOOK_SECRET",
        ],
    );
    ok_json(
        "POST",
        &format!("{}/v1/accounts", s.base),
        &t,
        Some(&account_row("W1")),
    );
    set_clock(&s, "2026-03-02T11:00:00Z", &t);
    let actions = feed(&s, &t);
    assert_eq!(
        actions.len(),
        2,
        "a stage action and the first text: {actions:?}"
    );
    for want in &actions {
        let (headers, body) = posts.recv_timeout(Duration::from_secs(30)).expect("a post");
        let header = |k: &str| {
            headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let got: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(&got, want, "posted in the feed's order");
        assert_eq!(header("x-dun-action-id"), want["id"].as_str().unwrap());
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(header("x-dun-timestamp").as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(header("x-dun-signature"), format!("sha256={hex}"));
    }
    assert!(s.stop().success());
}
