//! Flow tests in the editor: a code lens on every `test` block ("Run test",
//! "Trace") and on the flow ("Run all tests"); running them goes through
//! the same code as `dun test` (the compiler lowers the `test` blocks, the
//! runtime's `testing::run_test` runs them on a simulated clock), and each
//! failed expectation becomes a diagnostic on its line with the explanation
//! `dun test` prints.

use crate::documents::Snapshot;
use dun_compiler::lower::lower_tests_with_diagnostics;
use dun_compiler::syntax::ast::{Decl, Span};
use dun_runtime::testing::{run_test, write_trace};
use serde_json::{json, Value};
use std::fmt::Write as _;
use tower_lsp_server::ls_types::{
    self as lsp, CodeLens, Command, DiagnosticSeverity, NumberOrString, Uri,
};

/// Runs the tests of a document (all, or the one with a title).
pub const RUN: &str = "dun.runTests";
/// Runs one test and answers with every step its account took.
pub const TRACE: &str = "dun.traceTest";
/// The diagnostic code of a failed expectation.
pub const FAILED: &str = "dun::test::failed";

/// What a run found.
#[derive(Debug, Default)]
pub struct Run {
    pub passed: usize,
    pub failed: usize,
    /// Failed expectations and faults of the tests, where they are written.
    pub diagnostics: Vec<lsp::Diagnostic>,
    /// `dun test`'s report: one PASS or FAIL line per test, the
    /// explanations under each failure.
    pub report: String,
    /// The trace of the test asked for, as `dun test --trace` prints it.
    pub trace: Option<String>,
}

impl Run {
    /// The command's answer, for clients that show it.
    pub fn to_json(&self) -> Value {
        json!({
            "passed": self.passed,
            "failed": self.failed,
            "report": self.report,
            "trace": self.trace,
        })
    }

    /// One line for a status message.
    pub fn summary(&self) -> String {
        let total = self.passed + self.failed;
        format!(
            "dun test: {total} test{} run, {} passed, {} failed",
            if total == 1 { "" } else { "s" },
            self.passed,
            self.failed
        )
    }
}

/// The lenses: "Run all tests" above the `flow` line when the file has
/// tests, "Run test" and "Trace" above each `test` block.
pub fn lenses(s: &Snapshot) -> Vec<CodeLens> {
    let file = &s.doc.analysis().file;
    let tests: Vec<(String, Span)> = file
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Test(t) => Some((t.title.plain().unwrap_or_default(), t.span)),
            _ => None,
        })
        .collect();
    if tests.is_empty() {
        return Vec::new();
    }
    let lens = |span: Span, title: &str, command: &str, args: Vec<Value>| {
        let start = s.range(span).start;
        CodeLens {
            range: lsp::Range::new(start, start),
            command: Some(Command {
                title: title.to_string(),
                command: command.to_string(),
                arguments: Some(args),
            }),
            data: None,
        }
    };
    let uri = json!(s.uri.as_str());
    let flow = file
        .decls
        .iter()
        .find_map(|d| match d {
            Decl::Flow(f) => Some(f.span),
            _ => None,
        })
        .unwrap_or(tests[0].1);
    let mut out = vec![lens(
        flow,
        &format!("Run all tests ({})", tests.len()),
        RUN,
        vec![json!({ "uri": uri })],
    )];
    for (title, span) in tests {
        let arg = json!({ "uri": uri, "title": title });
        out.push(lens(span, "Run test", RUN, vec![arg.clone()]));
        out.push(lens(span, "Trace", TRACE, vec![arg]));
    }
    out
}

/// The document a command's arguments name, and the test title if any.
pub fn arguments(args: &[Value]) -> Option<(Uri, Option<String>)> {
    let first = args.first()?;
    let uri: Uri = first.get("uri")?.as_str()?.parse().ok()?;
    let title = first
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((uri, title))
}

/// Runs the document's tests, or the one titled `only`; `trace` keeps the
/// steps of that test. `None` when the flow has errors (its diagnostics say
/// why; `dun test` refuses such a flow too).
pub fn run(s: &Snapshot, only: Option<&str>, trace: bool, errors_page: &str) -> Option<Run> {
    let analysis = s.doc.analysis();
    let machine = analysis.machine.as_ref()?;
    let (cases, problems) = lower_tests_with_diagnostics(&analysis.file, machine);
    let mut run = Run::default();
    for d in &problems {
        let mut diagnostic = crate::diagnostics::one(s, d, errors_page);
        diagnostic.source = Some("dun test".into());
        run.diagnostics.push(diagnostic);
        let _ = writeln!(run.report, "FAIL {}", d.message);
    }
    for case in cases.iter().filter(|c| only.is_none_or(|t| c.title == t)) {
        let report = run_test(machine, case);
        let line = s.range(span(case.span)).start.line + 1;
        let verdict = if report.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(run.report, "{verdict} {} (line {line})", case.title);
        if report.passed {
            run.passed += 1;
        } else {
            run.failed += 1;
        }
        // A fault of the test itself: on the test's first line.
        let title_line = first_line(s, span(case.span));
        for p in &report.problems {
            let _ = writeln!(run.report, "     line {line}: {p}");
            run.diagnostics
                .push(failure(s, title_line, &case.title, p.clone()));
        }
        for r in report.results.iter().filter(|r| !r.passed) {
            let at = s.range(span(r.span)).start.line + 1;
            let _ = writeln!(run.report, "     line {at}: {}", r.message);
            run.diagnostics
                .push(failure(s, span(r.span), &case.title, r.message.clone()));
        }
        if trace && only.is_some() {
            let mut out = format!(
                "trace of \"{}\" (line {line}), times in {}:\n",
                case.title,
                case.zone.as_deref().unwrap_or("UTC")
            );
            write_trace(&report, &mut out);
            run.trace = Some(out);
        }
    }
    Some(run)
}

fn span(s: dun_runtime::format::SrcSpan) -> Span {
    Span::new(s.start as usize, s.end as usize)
}

/// The span's first line (a test block's header).
fn first_line(s: &Snapshot, span: Span) -> Span {
    let text = s.text();
    let start = (span.start as usize).min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Span::new(start, end.min(span.end as usize).max(start))
}

fn failure(s: &Snapshot, at: Span, title: &str, message: String) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: s.range(at),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(FAILED.into())),
        source: Some("dun test".into()),
        message: format!("test \"{title}\" failed: {message}"),
        ..Default::default()
    }
}
