//! `dun lsp` under a client none of us wrote: pytest-lsp (PyPI), which
//! speaks the protocol through pygls and lsprotocol. The suite lives in
//! `tests/lsp_py/`; this test runs it so that `cargo test` covers it.
//!
//! The Python comes from `DUN_PYTHON`, else the virtualenv `.ci/run`
//! creates (`target/pytest-lsp-venv`), else `python3`. Without pytest-lsp
//! the test says so and passes, except under `CI=true`, where a missing
//! client is a failure: CI must never skip it silently.

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("DUN_PYTHON") {
        candidates.push(p.into());
    }
    candidates.push(root.join("target/pytest-lsp-venv/bin/python"));
    candidates.push("python3".into());
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import pytest_lsp"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn pytest_lsp_suite_passes() {
    let Some(python) = python() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "pytest-lsp is not installed: .ci/run installs it into target/pytest-lsp-venv \
             (python3 -m venv target/pytest-lsp-venv && target/pytest-lsp-venv/bin/pip install pytest-lsp)"
        );
        eprintln!("skipped: pytest-lsp is not installed (see tests/lsp_client.rs)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/lsp_py",
        ])
        .current_dir(root)
        .env("DUN_BIN", env!("CARGO_BIN_EXE_dun"))
        .output()
        .expect("run pytest");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pytest-lsp failed:\n{report}");
    assert!(
        report.contains("11 passed"),
        "every pytest-lsp test ran:\n{report}"
    );
}
