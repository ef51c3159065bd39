//! What the end-to-end tests of the `dun` binary share: the repository's
//! root, scratch folders, running the binary.
// Each test file uses its own subset of these.
#![allow(dead_code)]

pub mod flow_text;
pub mod portfolio;
pub mod serve;

/// The folder of the policy that `examples/auto_loans` and
/// `examples/utilities` import: outside their own folders, so a command
/// given one of those flows must allow it.
pub const SHARED_POLICIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policies");

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An empty folder of its own for one test: `group/name` under Cargo's
/// scratch folder for integration tests.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    // A test's PostgreSQL half runs alongside its SQLite half: each has
    // folders of its own.
    let group = if on_postgres() {
        format!("{group}-pg")
    } else {
        group.to_string()
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The flow `examples/NAME/NAME.dun`.
pub fn flow(name: &str) -> String {
    root()
        .join("examples")
        .join(name)
        .join(format!("{name}.dun"))
        .display()
        .to_string()
}

pub fn dun<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .output()
        .expect("the dun binary runs")
}

/// Starts `dun` with these arguments: what it prints on standard output
/// is dropped, its errors are kept for `wait_with_output`.
pub fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dun binary starts")
}

/// Starts `dun` to be killed: nothing it prints is kept, so that no full
/// pipe ever holds it up.
pub fn spawn_silent<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the dun binary starts")
}

/// The consumer cards example compiled into `dir/flow.dunc`, so that runs
/// started together reach the store at nearly one moment instead of each
/// compiling first; its path.
pub fn compiled_consumer_cards(dir: &Path) -> String {
    let out = dir.join("flow.dunc").display().to_string();
    let built = dun(&["build", &consumer_cards("consumer_cards.dun"), "-o", &out]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    out
}

/// A file of the consumer cards example (`examples/consumer_cards/FILE`).
pub fn consumer_cards(file: &str) -> String {
    root()
        .join("examples/consumer_cards")
        .join(file)
        .display()
        .to_string()
}

/// `dun run FLOW` over these files, from the consumer cards example's start
/// to 2026-05-15.
pub fn run_args<'a>(
    flow: &'a str,
    db: &'a str,
    accounts: &'a str,
    events: &'a str,
    out: &'a str,
) -> Vec<&'a str> {
    vec![
        "run",
        flow,
        "--db",
        db,
        "--accounts",
        accounts,
        "--events",
        events,
        "--start",
        "2026-03-02T15:00:00Z",
        "--until",
        "2026-05-15T00:00:00Z",
        "--actions",
        out,
    ]
}

/// Export lines by action id; an id exported twice fails the test.
pub fn exported(path: &Path) -> std::collections::BTreeMap<String, String> {
    let mut by_id = std::collections::BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let id = v["id"].as_str().expect("an id").to_string();
        assert!(
            by_id.insert(id.clone(), line.to_string()).is_none(),
            "action {id} exported twice"
        );
    }
    by_id
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `dun`, which must succeed, and reads its standard output as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = dun(args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on standard output")
}

// --- stores on SQLite and PostgreSQL (issue 16) ---------------------------

thread_local! {
    /// Whether this test's stores are PostgreSQL databases (see `on_both!`).
    static POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a test on SQLite, or on databases of the test cluster when one
/// can run (`dun_runtime::store::testpg`: skipped with a printed reason
/// when PostgreSQL is not installed, failed under `CI=true`).
pub fn with_backend(postgres: bool, test: fn()) {
    if postgres && dun_runtime::store::testpg::cluster().is_none() {
        return;
    }
    POSTGRES.with(|p| p.set(postgres));
    test();
}

/// Whether the test under way runs on PostgreSQL.
pub fn on_postgres() -> bool {
    POSTGRES.with(|p| p.get())
}

/// Each test named runs twice, `NAME::sqlite` and `NAME::postgres`: the
/// same assertions over either store.
#[allow(unused_macros)]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::common::with_backend(false, super::$name)
            }
            #[test]
            fn postgres() {
                $crate::common::with_backend(true, super::$name)
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use on_both;

/// A new, empty store named `name` (unique across the test files) for the
/// test under way: a file in `dir`, or a database of the test cluster, as
/// `--db` takes them.
pub fn store_at(dir: &Path, name: &str) -> String {
    if on_postgres() {
        let cluster = dun_runtime::store::testpg::cluster().expect("a running cluster");
        cluster.database(name)
    } else {
        dir.join(format!("{name}.db")).display().to_string()
    }
}

/// `dun run` of `flow` over `accounts` in `dir`: the exported sends, as
/// JSON objects in order.
pub fn sends(dir: &std::path::Path, flow: &str, accounts: &str) -> Vec<serde_json::Value> {
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    let out = dun(&[
        "run",
        flow,
        "--db",
        ":memory:",
        "--accounts",
        &dir.join("accounts.csv").display().to_string(),
        "--start",
        "2026-03-24T10:00:00Z",
        "--until",
        "2026-03-25",
        "--actions",
        &dir.join("actions.jsonl").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(dir.join("actions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|a| a["type"] == "send")
        .collect()
}
