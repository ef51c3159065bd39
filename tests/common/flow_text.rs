//! Flows written in a test's own text, run as `dun test` runs them: checked,
//! compiled, and every `test` block on the simulated clock.

use dun_runtime::format::Machine;
use dun_runtime::testing::{run_test, TestReport};

/// Checks, lowers and runs every test of a flow; the flow must check clean
/// and every test must pass. The reports, for what a test reads further
/// (the trace).
pub fn passes(flow: &str) -> Vec<TestReport> {
    all_pass(run_all(flow, |_| false).1)
}

/// As [`passes`], for flows that break contact rules on purpose to show the
/// runtime enforcing them: the verifier's refusal is not the subject there
/// (tests/cases/invalid/verify_* is).
pub fn passes_unverified(flow: &str) -> Vec<TestReport> {
    all_pass(run_all(flow, |code| code.starts_with("dun::verify::")).1)
}

/// Checks, lowers and runs every test of a flow, which must check clean:
/// the compiled machine and each test's report, passed or not.
pub fn reports(flow: &str) -> (Machine, Vec<TestReport>) {
    run_all(flow, |_| false)
}

/// What a test's report says went wrong: the messages of its failed
/// expectations, then its problems.
pub fn failures(report: &TestReport) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.message.clone())
        .chain(report.problems.iter().cloned())
        .collect()
}

/// What went wrong in every test of a flow (see [`failures`]), in order.
pub fn failures_of(flow: &str) -> Vec<String> {
    reports(flow).1.iter().flat_map(failures).collect()
}

fn all_pass(reports: Vec<TestReport>) -> Vec<TestReport> {
    for report in &reports {
        assert!(
            report.passed,
            "test \"{}\" failed:\n  {}",
            report.title,
            failures(report).join("\n  ")
        );
    }
    reports
}

fn run_all(flow: &str, ignored: fn(&str) -> bool) -> (Machine, Vec<TestReport>) {
    let analysis = dun_compiler::analyze(None, flow);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && !ignored(d.code))
        .collect();
    assert!(errors.is_empty(), "the flow does not check: {errors:#?}");
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let (cases, problems) =
        dun_compiler::lower::lower_tests_with_diagnostics(&analysis.file, &machine);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!cases.is_empty(), "the flow has no test");
    let reports = cases.iter().map(|case| run_test(&machine, case)).collect();
    (machine, reports)
}
