//! The bounds of issue 20 (#5, #7, the language server's requests), each
//! at 1×, 10× and 100× its size: criterion's parameter is the size, and a
//! cost that grows linearly takes about ten times as long at each step
//! (docs/performance.md records the ratios). The paths are those the
//! issue found quadratic or worse:
//!
//! - `suggest_long_name`: "did you mean" for a `goto` to an unknown stage
//!   whose name is N letters long, next to a stage one letter longer (the
//!   whole `dun check` analysis);
//! - `render_human`: the terminal rendering of N "never read" warnings
//!   (what `dun check` prints, the analysis done beforehand);
//! - `fmt`: `dun fmt` of a generated flow of N bytes;
//! - `nested_repeats`: the analysis of N stages each holding four nested
//!   `repeat 100 times` (each 10⁸ steps if unrolled; refused by the bound);
//! - `lsp_hover` and `lsp_formatting`: a request sent to the language
//!   server's document thread on an open flow of N lines, answered within
//!   its time budget.
//!
//! `dun graph --format svg` with many handlers is `benches/graph.rs`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dun_bench::generate::{large_flow_of_lines, large_flow_of_size};
use dun_compiler::diagnostics::render::{human::Human, FileReport};
use dun_lsp::documents::{Documents, Published};
use dun_lsp::ls_types::{Position, Uri};
use std::hint::black_box;
use std::time::Duration;

const HEAD: &str = "flow f\ncurrency USD\naccount { balance: money, mobile: phone }\nstart a\n";

/// A `goto` to a stage name of `n` letters that does not exist, beside a
/// stage whose name is one letter longer.
fn long_name(n: usize) -> String {
    let name = "a".repeat(n);
    format!("{HEAD}stage a {{\n  goto {name}\n}}\nstage {name}b {{\n  end done\n}}\n")
}

/// `n` variables that are set and never read: one warning each.
fn unread_variables(n: usize) -> String {
    let mut s = String::from(HEAD);
    for i in 0..n {
        s.push_str(&format!("var v{i}: number = 0\n"));
    }
    s.push_str("stage a {\n  end done\n}\n");
    s
}

/// `n` stages, each with four nested `repeat 100 times`.
fn nested_repeats(n: usize) -> String {
    let mut s = String::from(HEAD);
    for i in 0..n {
        let next = if i + 1 < n {
            format!("goto s{}", i + 1)
        } else {
            "end done".into()
        };
        let a = if i == 0 {
            "a".to_string()
        } else {
            format!("s{i}")
        };
        s.push_str(&format!(
            "stage {a} {{\n  repeat 100 times {{\n    repeat 100 times {{\n      repeat 100 times {{\n        repeat 100 times {{\n          send sms hello\n          wait 1 day\n        }}\n      }}\n    }}\n  }}\n  {next}\n}}\n"
        ));
    }
    s.push_str("template hello for sms \"Hello.\"\n");
    s
}

fn suggest_long_name(c: &mut Criterion) {
    let mut group = c.benchmark_group("suggest_long_name");
    group.sample_size(20);
    for n in [800usize, 8_000, 80_000] {
        let text = long_name(n);
        let analysis = dun_compiler::analyze(None, &text);
        assert!(
            analysis
                .diagnostics
                .iter()
                .any(|d| d.code == "dun::names::unknown_stage"),
            "{:?}",
            analysis.diagnostics
        );
        group.throughput(Throughput::Bytes(n as u64));
        group.bench_with_input(BenchmarkId::new("letters", n), &text, |b, text| {
            b.iter(|| dun_compiler::analyze(None, black_box(text)))
        });
    }
    group.finish();
}

fn render_human(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_human");
    group.sample_size(10);
    for n in [500usize, 5_000, 50_000] {
        let text = unread_variables(n);
        let analysis = dun_compiler::analyze(None, &text);
        assert!(
            analysis.diagnostics.len() >= n,
            "{} diagnostics for {n} variables",
            analysis.diagnostics.len()
        );
        let file = FileReport {
            path: "many.dun",
            text: &text,
            diagnostics: &analysis.diagnostics,
        };
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("warnings", n), &file, |b, file| {
            b.iter(|| Human::plain().render_file(black_box(file)))
        });
    }
    group.finish();
}

fn fmt(c: &mut Criterion) {
    let mut group = c.benchmark_group("fmt");
    group.sample_size(10);
    for n in [20_000usize, 200_000, 2_000_000] {
        let text = large_flow_of_size(n);
        assert!(dun_compiler::fmt::format(&text).is_ok(), "fmt refuses it");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("bytes", n), &text, |b, text| {
            b.iter(|| dun_compiler::fmt::format(black_box(text)))
        });
    }
    group.finish();
}

fn repeats(c: &mut Criterion) {
    let mut group = c.benchmark_group("nested_repeats");
    group.sample_size(10);
    for n in [10usize, 100, 1_000] {
        let text = nested_repeats(n);
        let analysis = dun_compiler::analyze(None, &text);
        let refused = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "dun::structure::repeat_size")
            .count();
        assert_eq!(refused, n, "{:?}", analysis.diagnostics.first());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("stages", n), &text, |b, text| {
            b.iter(|| dun_compiler::analyze(None, black_box(text)))
        });
    }
    group.finish();
}

/// One open flow on the language server's document thread.
struct Open {
    docs: Documents,
    uri: Uri,
    runtime: tokio::runtime::Runtime,
    /// Where a hover finds a stage's name in the middle of the file.
    stage_ref: Position,
}

impl Open {
    fn new(text: &str) -> Open {
        let (tx, mut published) = tokio::sync::mpsc::unbounded_channel::<Published>();
        let docs =
            Documents::start(tx, "https://example.invalid/errors".into()).expect("document thread");
        let uri: Uri = "file:///bench/bounds.dun".parse().expect("uri");
        docs.open(uri.clone(), 1, text.to_string());
        let p = published.blocking_recv().expect("diagnostics");
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics.first());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let middle = text.lines().count() / 2;
        let line = text
            .lines()
            .enumerate()
            .skip(middle)
            .find(|(_, l)| l.trim_start().starts_with("goto stage_"))
            .map(|(i, _)| i)
            .expect("a goto after the middle");
        Open {
            docs,
            uri,
            runtime,
            stage_ref: Position::new(line as u32, 8),
        }
    }

    fn hover(&self) -> bool {
        let at = self.stage_ref;
        let answer = self
            .runtime
            .block_on(self.docs.query(self.uri.clone(), move |s| {
                let offset = s.offset(at);
                s.doc.hover(offset).map(|h| h.markdown.len())
            }));
        matches!(answer, Ok(Some(_)))
    }

    fn formatting(&self) -> bool {
        let answer = self
            .runtime
            .block_on(self.docs.query(self.uri.clone(), |s| {
                dun_compiler::fmt::format(s.text()).ok()
            }));
        matches!(answer, Ok(Some(_)))
    }
}

fn lsp(c: &mut Criterion) {
    let mut group = c.benchmark_group("lsp_request");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for n in [500usize, 5_000, 50_000] {
        let open = Open::new(&large_flow_of_lines(n));
        // Answered, not refused for the budget (10 s by default).
        assert!(open.hover(), "no hover at {:?}", open.stage_ref);
        assert!(open.formatting(), "no formatting");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("hover_lines", n), &open, |b, open| {
            b.iter(|| assert!(open.hover()))
        });
        group.bench_with_input(BenchmarkId::new("formatting_lines", n), &open, |b, open| {
            b.iter(|| assert!(open.formatting()))
        });
    }
    group.finish();
}

criterion_group!(benches, suggest_long_name, render_human, fmt, repeats, lsp);
criterion_main!(benches);
