//! `serve` returns only once every thread of its session has ended. A
//! process that runs sessions one after another (a test suite, the fuzz
//! target) crashed now and then with a SIGSEGV in `pthread_detach` while
//! the runtime's threads of a finished session were left to end on their
//! own (docs/reliability.md). This file holds one test, so that no other
//! test's threads come and go beside it.

#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

fn message(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// The threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// A flow the document thread takes a while to analyse: the session ends
/// while it is still at work.
fn large_flow(stages: usize) -> String {
    let mut s = String::from(
        "flow big version 1\ncurrency USD\naccount {\n  balance: money\n}\nstart s0\n",
    );
    for i in 0..stages {
        let next = if i + 1 < stages {
            format!("goto s{}", i + 1)
        } else {
            "end paid".to_string()
        };
        s.push_str(&format!(
            "stage s{i} {{\n  wait 1 day\n  if account.balance > {i} {{\n    wait 2 days\n  }}\n  {next}\n}}\n"
        ));
    }
    s
}

#[test]
fn a_session_leaves_no_thread_running_when_serve_returns() {
    let text = large_flow(8_000);
    let open = serde_json::json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": {
            "uri": "file:///nowhere/big.dun", "languageId": "dun", "version": 1, "text": text
        }}
    });
    let input = [
        message(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#),
        message(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
        message(&open.to_string()),
    ]
    .concat();
    let before = threads();
    assert!(before > 0, "/proc/self/task cannot be read");
    for round in 0..3 {
        let mut out = Vec::new();
        let began = Instant::now();
        // The input ends (the editor went away) while the document thread
        // analyses the flow.
        dun_lsp::serve(input.as_bytes(), &mut out, "https://example.invalid/errors")
            .expect("the session runs");
        let took = began.elapsed();
        assert!(
            String::from_utf8_lossy(&out).contains(r#""id":1"#),
            "no answer to initialize: {}",
            String::from_utf8_lossy(&out)
        );
        // A thread that was joined may still be listed for a moment while
        // the kernel reaps it; one that still works is listed far longer
        // (the analysis of this flow takes seconds).
        let deadline = Instant::now() + Duration::from_millis(300);
        while threads() != before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            threads(),
            before,
            "round {round}: threads of the session still run after `serve` returned (in {took:?})"
        );
    }
}
