//! What the end-to-end tests of the `dun` binary share: the repository's
//! root, scratch folders, running the binary.
// Each test file uses its own subset of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An empty folder of its own for one test: `group/name` under Cargo's
/// scratch folder for integration tests.
pub fn scratch(group: &str, name: &str) -> PathBuf {
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

pub fn dun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .output()
        .expect("the dun binary runs")
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
