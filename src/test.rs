//! `dun test [PATHS...]`: run the `test` blocks of flows on a simulated
//! clock and report each as PASS or FAIL, with coverage and traces.

use crate::build::{compile_found, Failure};
use crate::exit;
use crate::inputs::shown;
use crate::outputs::write_stdout;
use dun_compiler::diagnostics::LineIndex;
use dun_compiler::lower::{lower_tests_with_diagnostics, transitions};
use dun_runtime::format::{Machine, SrcSpan};
use dun_runtime::testing::{run_test, write_trace, TestCase, TestReport};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Flow files, or folders to search for `*.dun` files (the current
    /// folder when none is given).
    paths: Vec<PathBuf>,
    /// How to report: for people, or JUnit XML for CI.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Run only the tests whose title contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Print, per flow, the stages entered and the transitions taken.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit status 1) when a flow's transition coverage is below this
    /// percentage; implies `--coverage`.
    #[arg(long, value_name = "PERCENT")]
    min_coverage: Option<f64>,
    /// Print every step the account took in the test with this title (or,
    /// without a title, in the only test selected by `--filter`).
    #[arg(long, value_name = "TITLE", num_args = 0..=1, default_missing_value = "")]
    trace: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Junit,
}

/// One flow and the reports of its tests.
struct FlowRun {
    shown: String,
    lines: LineIndex,
    machine: Machine,
    ran: Vec<(TestCase, TestReport)>,
    /// Faults of the tests' text (values that do not fit...), reported as
    /// failures of the whole file.
    problems: Vec<String>,
}

impl FlowRun {
    fn line(&self, span: SrcSpan) -> usize {
        self.lines.line(span.start as usize) + 1
    }

    fn at(&self, span: SrcSpan) -> String {
        format!("{}:{}", self.shown, self.line(span))
    }
}

pub fn run(args: &Args) -> u8 {
    let found = crate::inputs::find(&args.paths);
    let mut trouble = !found.ok;
    let files = found.files;

    let mut findings = false;
    let mut flows = Vec::new();
    for path in &files {
        if is_library(path) {
            // A file of shared declarations has no tests; the flows that
            // import it test what it declares.
            continue;
        }
        match run_flow(path, args) {
            Ok(flow) => flows.push(flow),
            Err(Failure::Findings) => findings = true,
            Err(Failure::Trouble) => trouble = true,
        }
    }

    let mut out = String::new();
    match args.format {
        Format::Human => human(&flows, &mut out),
        Format::Junit => junit(&flows, &mut out),
    }
    let mut below = false;
    if args.coverage || args.min_coverage.is_some() {
        for flow in &flows {
            below |= coverage(flow, args.min_coverage, &mut out);
        }
    }
    if let Some(title) = &args.trace {
        match pick_trace(&flows, title, args.filter.is_some()) {
            Ok((flow, case, report)) => trace(flow, case, report, &mut out),
            Err(message) => {
                eprintln!("error: {message}");
                trouble = true;
            }
        }
    }
    if let Err(error) = write_stdout(&out) {
        eprintln!("error: cannot write the report: {error}");
        trouble = true;
    }

    let total: usize = flows.iter().map(|f| f.ran.len()).sum();
    let failed: usize = flows
        .iter()
        .map(|f| f.ran.iter().filter(|(_, r)| !r.passed).count())
        .sum();
    let broken = flows.iter().filter(|f| !f.problems.is_empty()).count();
    eprintln!(
        "ran {total} test{} in {} flow{}: {} passed, {failed} failed",
        plural(total),
        flows.len(),
        plural(flows.len()),
        total - failed
    );
    if trouble {
        exit::TROUBLE
    } else if findings || failed > 0 || broken > 0 || below {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A file other flows import: it has neither a `flow` line nor a test.
fn is_library(path: &Path) -> bool {
    use dun_compiler::syntax::ast::Decl;
    let Ok(text) = crate::inputs::read(path) else {
        return false;
    };
    let parsed = dun_compiler::syntax::parse(&text);
    parsed.diagnostics.is_empty()
        && parsed
            .file
            .decls
            .iter()
            .all(|d| !matches!(d, Decl::Flow(_) | Decl::Test(_)))
}

fn run_flow(path: &Path, args: &Args) -> Result<FlowRun, Failure> {
    let compiled = compile_found(path, &args.paths)?;
    let (cases, diagnostics) = lower_tests_with_diagnostics(&compiled.file, &compiled.machine);
    crate::diagnostics_out::eprint(&compiled.shown, &compiled.text, &diagnostics);
    let lines = LineIndex::new(&compiled.text);
    let problems = diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {}",
                compiled.shown,
                lines.line(d.primary.span.start as usize) + 1,
                d.message
            )
        })
        .collect();
    let ran = cases
        .into_iter()
        .filter(|c| {
            args.filter
                .as_ref()
                .is_none_or(|f| c.title.contains(f.as_str()))
        })
        .map(|c| {
            let report = run_test(&compiled.machine, &c);
            (c, report)
        })
        .collect();
    Ok(FlowRun {
        shown: shown(path),
        lines,
        machine: compiled.machine,
        ran,
        problems,
    })
}

fn human(flows: &[FlowRun], out: &mut String) {
    for flow in flows {
        for p in &flow.problems {
            let _ = writeln!(out, "FAIL {p}");
        }
        for (case, report) in &flow.ran {
            let verdict = if report.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{verdict} {} ({})", case.title, flow.at(case.span));
            if report.passed {
                continue;
            }
            for p in &report.problems {
                let _ = writeln!(out, "     {}: {p}", flow.at(case.span));
            }
            for r in report.results.iter().filter(|r| !r.passed) {
                let _ = writeln!(out, "     {}: {}", flow.at(r.span), r.message);
            }
        }
    }
}

fn xml(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => s.push(c),
        }
    }
    s
}

/// JUnit XML: one `testsuite` per flow file, one `testcase` per test, a
/// `failure` holding every failed expectation.
fn junit(flows: &[FlowRun], out: &mut String) {
    let total: usize = flows.iter().map(|f| f.ran.len()).sum();
    let failed = |f: &FlowRun| f.ran.iter().filter(|(_, r)| !r.passed).count();
    let failures: usize = flows.iter().map(failed).sum();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<testsuites name=\"dun test\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">"
    );
    for flow in flows {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            xml(&flow.shown),
            flow.ran.len(),
            failed(flow),
            flow.problems.len()
        );
        for p in &flow.problems {
            let _ = writeln!(
                out,
                "    <testcase name=\"test blocks\" classname=\"{}\">\n      <error message=\"{}\"/>\n    </testcase>",
                xml(&flow.machine.flow),
                xml(p)
            );
        }
        for (case, report) in &flow.ran {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&case.title),
                xml(&flow.machine.flow),
                xml(&flow.shown),
                flow.line(case.span)
            );
            if report.passed {
                let _ = writeln!(out, "/>");
                continue;
            }
            let lines: Vec<String> = report
                .problems
                .iter()
                .map(|p| format!("{}: {p}", flow.at(case.span)))
                .chain(
                    report
                        .results
                        .iter()
                        .filter(|r| !r.passed)
                        .map(|r| format!("{}: {}", flow.at(r.span), r.message)),
                )
                .collect();
            let first = lines.first().cloned().unwrap_or_default();
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml(&first),
                xml(&lines.join("\n"))
            );
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Prints a flow's coverage; true when it is below `min`.
fn coverage(flow: &FlowRun, min: Option<f64>, out: &mut String) -> bool {
    let m = &flow.machine;
    let visited: BTreeSet<u32> = flow
        .ran
        .iter()
        .flat_map(|(_, r)| r.states.iter().copied())
        .collect();
    let observed: BTreeSet<(u32, u32)> = flow
        .ran
        .iter()
        .flat_map(|(_, r)| r.transitions.iter().copied())
        .collect();
    let entered: Vec<bool> = m
        .stages
        .iter()
        .map(|s| visited.contains(&s.entry))
        .collect();
    let stages_hit = entered.iter().filter(|e| **e).count();
    let all = transitions(m);
    let code: BTreeSet<(u32, u32)> = all
        .iter()
        .filter_map(|t| match t.kind {
            dun_compiler::lower::TransitionKind::Code { from } => Some((from, t.to)),
            _ => None,
        })
        .collect();
    let taken = all
        .iter()
        .filter(|t| observed.iter().any(|(f, to)| t.taken_by(m, *f, *to, &code)))
        .count();
    let pct = percent(taken, all.len());
    let _ = writeln!(
        out,
        "coverage of {} ({}): stages {stages_hit}/{} ({:.1}%), transitions {taken}/{} ({pct:.1}%)",
        m.flow,
        flow.shown,
        m.stages.len(),
        percent(stages_hit, m.stages.len()),
        all.len()
    );
    let never: Vec<String> = m
        .stages
        .iter()
        .zip(&entered)
        .filter(|(_, e)| !**e)
        .map(|(s, _)| format!("{} ({})", m.str(s.name), flow.at(s.span)))
        .collect();
    if !never.is_empty() {
        let _ = writeln!(out, "  never entered: {}", never.join(", "));
    }
    match min {
        Some(min) if pct < min => {
            let _ = writeln!(
                out,
                "  below the minimum: {pct:.1}% of transitions taken, at least {min}% required"
            );
            true
        }
        _ => false,
    }
}

type Picked<'a> = (&'a FlowRun, &'a TestCase, &'a TestReport);

fn pick_trace<'a>(flows: &'a [FlowRun], title: &str, filtered: bool) -> Result<Picked<'a>, String> {
    let all = flows
        .iter()
        .flat_map(|f| f.ran.iter().map(move |(c, r)| (f, c, r)));
    if title.is_empty() {
        let mut selected: Vec<Picked<'a>> = all.collect();
        if selected.len() == 1 && filtered {
            return Ok(selected.remove(0));
        }
        return Err(format!(
            "`--trace` without a title needs `--filter` to select exactly one test ({} selected); or write `--trace \"TITLE\"`",
            selected.len()
        ));
    }
    let mut exact = all.clone().filter(|(_, c, _)| c.title == title);
    if let Some(found) = exact.next() {
        return Ok(found);
    }
    let mut partial: Vec<Picked<'a>> = all.filter(|(_, c, _)| c.title.contains(title)).collect();
    match partial.len() {
        1 => Ok(partial.remove(0)),
        0 => Err(format!(
            "no test titled \"{title}\" was run; check the title (or the `--filter`)"
        )),
        n => Err(format!(
            "{n} tests have \"{title}\" in their title; give the whole title to `--trace`"
        )),
    }
}

/// Every step the account took: time, what, and why.
fn trace(flow: &FlowRun, case: &TestCase, report: &TestReport, out: &mut String) {
    let _ = writeln!(
        out,
        "trace of \"{}\" ({}), times in {}:",
        case.title,
        flow.at(case.span),
        case.zone.as_deref().unwrap_or("UTC")
    );
    write_trace(report, out);
}
