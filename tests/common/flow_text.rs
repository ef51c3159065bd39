//! Flows written in a test's own text, run as `dun test` runs them: checked,
//! compiled, and every `test` block on the simulated clock.

use dun_runtime::testing::run_test;

/// Checks, lowers and runs every test of a flow; the flow must check clean
/// and every test must pass.
pub fn passes(flow: &str) {
    run_all(flow, |_| false);
}

/// As [`passes`], for flows that break contact rules on purpose to show the
/// runtime enforcing them: the verifier's refusal is not the subject there
/// (tests/cases/invalid/verify_* is).
pub fn passes_unverified(flow: &str) {
    run_all(flow, |code| code.starts_with("dun::verify::"));
}

fn run_all(flow: &str, ignored: fn(&str) -> bool) {
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
    for case in &cases {
        let report = run_test(&machine, case);
        let failures: Vec<&str> = report
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.message.as_str())
            .chain(report.problems.iter().map(String::as_str))
            .collect();
        assert!(
            report.passed,
            "test \"{}\" failed:\n  {}",
            case.title,
            failures.join("\n  ")
        );
    }
}
