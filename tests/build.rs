//! `dun build`, `dun inspect` and `dun test` as users and CI call them.
//!
//! Golden compiled files: `tests/golden/NAME.json` is the `--emit json` form
//! of `examples/NAME/NAME.dun`, compared byte for byte. After an intended
//! change of the compiled form, regenerate them with
//! `DUN_BLESS=1 cargo test --test build` and review the diff.

mod common;

use common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    common::scratch("build", name)
}

/// The language reference's flow, with its letter template, copied into `dir`.
fn reference_in(dir: &Path) -> PathBuf {
    let from = root().join("tests/cases/valid");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::copy(
        from.join("templates/final_demand.txt"),
        dir.join("templates/final_demand.txt"),
    )
    .unwrap();
    let flow = dir.join("reference.dun");
    std::fs::copy(from.join("reference.dun"), &flow).unwrap();
    flow
}

fn dun(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn build_writes_a_compiled_file_next_to_the_flow_that_the_runtime_loads() {
    let dir = scratch("binary");
    let flow = reference_in(&dir);
    let out = dun(&dir, &["build", "reference.dun"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = std::fs::read(dir.join("reference.dunc")).unwrap();
    let machine = dun_runtime::decode(&bytes).unwrap();
    assert_eq!(machine.flow, "consumer_early");
    assert_eq!(machine.version, 3);
    let source = std::fs::metadata(&flow).unwrap().len() as usize;
    assert!(bytes.len() < source, "{} bytes", bytes.len());
    let summary = stderr(&out);
    assert!(
        summary.contains(&format!("{} bytes", bytes.len())),
        "{summary}"
    );
    assert!(summary.contains("states"), "{summary}");
}

#[test]
fn a_realistic_flow_compiles_to_well_under_half_its_source() {
    let dir = scratch("examples");
    for name in ["consumer_cards", "b2b_invoices", "bnpl", "telecom_latam"] {
        let flow = root()
            .join("examples")
            .join(name)
            .join(format!("{name}.dun"));
        let target = dir.join(format!("{name}.dunc"));
        let out = dun(
            &dir,
            &[
                "build",
                flow.to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let compiled = std::fs::metadata(&target).unwrap().len();
        let source = std::fs::metadata(&flow).unwrap().len();
        assert!(
            compiled * 100 < source * 40,
            "{name}: {compiled} bytes for {source}"
        );
        assert!(dun_runtime::decode(&std::fs::read(&target).unwrap()).is_ok());
    }
}

#[test]
fn emit_json_writes_the_same_machine_readably_to_standard_output() {
    let dir = scratch("json");
    reference_in(&dir);
    let out = dun(
        &dir,
        &["build", "reference.dun", "--emit", "json", "-o", "-"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["flow"], "consumer_early");
    let from_json = dun_runtime::Machine::from_json(&stdout(&out)).unwrap();
    dun(&dir, &["build", "reference.dun"]);
    let binary = dun_runtime::decode(&std::fs::read(dir.join("reference.dunc")).unwrap()).unwrap();
    assert_eq!(from_json, binary);
}

#[test]
fn a_flow_with_errors_is_reported_and_nothing_is_written() {
    let dir = scratch("errors");
    std::fs::write(
        dir.join("broken.dun"),
        "flow broken\ncurrency USD\nstart reminders\nstage reminders {\n  wiat 3 days\n  end paid\n}\n",
    )
    .unwrap();
    let out = dun(&dir, &["build", "broken.dun"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.dun"), "{}", stderr(&out));
    assert!(!dir.join("broken.dunc").exists());
    let missing = dun(&dir, &["build", "nowhere.dun"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read `nowhere.dun`"));
}

#[test]
fn a_file_from_another_format_version_is_refused_with_what_to_do() {
    let dir = scratch("versions");
    reference_in(&dir);
    dun(&dir, &["build", "reference.dun"]);
    let good = std::fs::read(dir.join("reference.dunc")).unwrap();
    let ok = dun(&dir, &["inspect", "reference.dunc"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("flow consumer_early version 3"));

    for (version, words) in [
        (9u16, "compiled by a newer dun (format 9)"),
        (0, "compiled by an older dun (format 0)"),
    ] {
        let mut bytes = good.clone();
        bytes[4..6].copy_from_slice(&version.to_le_bytes());
        std::fs::write(dir.join("other.dunc"), &bytes).unwrap();
        let out = dun(&dir, &["inspect", "other.dunc"]);
        assert_eq!(out.status.code(), Some(1));
        let message = stderr(&out);
        assert!(message.contains(words), "{message}");
        assert!(message.contains("rebuild it with `dun build`"), "{message}");
    }
}

#[test]
fn golden_compiled_files_of_the_examples_are_stable() {
    let bless = std::env::var_os("DUN_BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let golden = root().join("tests/golden");
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.path()
                .join(format!("{}.dun", e.file_name().to_string_lossy()))
                .exists()
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut stale = Vec::new();
    for name in &names {
        let flow = format!("examples/{name}/{name}.dun");
        // Two examples import the house's shared policy (examples/policies).
        let out = dun(
            root(),
            &[
                "build",
                &flow,
                "--allow-import-outside",
                "examples/policies",
                "--emit",
                "json",
                "-o",
                "-",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let path = golden.join(format!("{name}.json"));
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(out.stdout.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "compiled form changed (or missing) for:\n  {}\nreview, then regenerate with DUN_BLESS=1 cargo test --test build",
        stale.join("\n  ")
    );
}

#[test]
fn test_runs_every_example_and_they_all_pass() {
    let out = dun(root(), &["test", "examples"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report = stdout(&out);
    assert!(report.lines().all(|l| l.starts_with("PASS ")), "{report}");
    assert!(
        report.contains("(examples/consumer_cards/consumer_cards.dun:"),
        "{report}"
    );
}

const FAILING: &str = r#"flow late
currency USD
account { name: text, email: email }
template hello for email { subject "Hi" body "Hello {account.name}" }
policy { contact_hours 08:00 to 21:00 }
start first
stage first {
  send email hello
  wait 2 days
  end done
}
stage unused { end never }

test "the welcome goes at once" {
  given account { name: "Ann", email: "ann@example.com" }
  start at 2026-03-02 22:00
  on day 0 expect sent email hello
  on day 3 expect end done
}

test "the flow ends" {
  given account { name: "Ann", email: "ann@example.com" }
  start at 2026-03-02 09:00
  on day 2 expect end done
}
"#;

#[test]
fn a_failing_test_says_what_happened_instead_and_where() {
    let dir = scratch("failing");
    std::fs::write(dir.join("late.dun"), FAILING).unwrap();
    let out = dun(&dir, &["test", "late.dun"]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains("FAIL the welcome goes at once (late.dun:14)"),
        "{report}"
    );
    assert!(
        report.contains("PASS the flow ends (late.dun:21)"),
        "{report}"
    );
    assert!(
        report.contains("late.dun:17: expected email `hello` on day 0; it was sent on day 1 at 08:00 because of contact_hours"),
        "{report}"
    );
    assert!(stderr(&out).contains("ran 2 tests in 1 flow: 1 passed, 1 failed"));

    let only = dun(&dir, &["test", "late.dun", "--filter", "ends"]);
    assert_eq!(only.status.code(), Some(0), "{}", stdout(&only));
}

#[test]
fn junit_output_has_a_suite_per_file_and_the_failure_messages() {
    let dir = scratch("junit");
    std::fs::write(dir.join("late.dun"), FAILING).unwrap();
    let out = dun(&dir, &["test", "late.dun", "--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<testsuites name=\"dun test\" tests=\"2\" failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"late.dun\" tests=\"2\" failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testcase name=\"the flow ends\" classname=\"late\" file=\"late.dun\" line=\"21\"/>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"late.dun:17: expected email `hello` on day 0;"),
        "{xml}"
    );
}

#[test]
fn coverage_lists_the_stages_never_entered_and_enforces_a_minimum() {
    let dir = scratch("coverage");
    std::fs::write(dir.join("late.dun"), FAILING).unwrap();
    let out = dun(
        &dir,
        &["test", "late.dun", "--filter", "ends", "--coverage"],
    );
    assert_eq!(out.status.code(), Some(0));
    let report = stdout(&out);
    assert!(
        report.contains("coverage of late (late.dun): stages 1/2 (50.0%), transitions 1/3 (33.3%)"),
        "{report}"
    );
    assert!(
        report.contains("never entered: unused (late.dun:12)"),
        "{report}"
    );
    let strict = dun(
        &dir,
        &[
            "test",
            "late.dun",
            "--filter",
            "ends",
            "--min-coverage",
            "90",
        ],
    );
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("below the minimum"));
}

#[test]
fn trace_prints_every_step_with_its_time_and_reason() {
    let dir = scratch("trace");
    std::fs::write(dir.join("late.dun"), FAILING).unwrap();
    let out = dun(
        &dir,
        &["test", "late.dun", "--trace", "the welcome goes at once"],
    );
    let report = stdout(&out);
    assert!(
        report.contains("trace of \"the welcome goes at once\" (late.dun:14), times in UTC:"),
        "{report}"
    );
    assert!(
        report.contains("held: contact_hours 08:00–21:00 UTC, goes 2026-03-03 08:00"),
        "{report}"
    );
    assert!(
        report.contains("day   1 08:00  did        sent email hello"),
        "{report}"
    );

    let single = dun(&dir, &["test", "late.dun", "--filter", "ends", "--trace"]);
    assert!(stdout(&single).contains("trace of \"the flow ends\""));
    let ambiguous = dun(&dir, &["test", "late.dun", "--trace"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous).contains("needs `--filter` to select exactly one test"));
}
