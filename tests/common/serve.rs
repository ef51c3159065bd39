//! `dun serve` as the HTTP tests start it: a token, and a server on a free
//! port of the loopback whose log lines the test can read.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The flow the HTTP tests serve: `tests/serve/reminders.dun`.
pub fn reminders() -> String {
    super::root()
        .join("tests/serve/reminders.dun")
        .display()
        .to_string()
}

/// A new API token with these scopes (`admin`, `ingest,read`) for the
/// store `db`.
pub fn token(db: &str, scope: &str) -> String {
    let out = super::dun(&["token", "create", "--db", db, "--scope", scope]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    super::text(&out.stdout).trim().to_string()
}

/// A running `dun serve`.
pub struct Started {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its log lines after `listening`, as it writes them.
    pub log: mpsc::Receiver<String>,
}

/// Starts `dun ARGS` (`serve FLOW --db ... --listen 127.0.0.1:0 ...`) and
/// waits until it listens. Its standard error is read to the end on a
/// thread of its own, so the server never waits on a full pipe, whether or
/// not the test reads the log.
pub fn start<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Started {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dun serve starts");
    let stderr = child.stderr.take().expect("its standard error");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("dun serve did not start listening: {seen:?}"));
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("a log line that is not JSON: {line}"));
        if v["msg"] == "listening" {
            break v["addr"].as_str().expect("an address").to_string();
        }
        seen.push(line);
    };
    Started {
        child,
        base: format!("http://{addr}"),
        log: rx,
    }
}
