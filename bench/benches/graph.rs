//! `dun graph`: the diagram of a flow with 1,000, 10,000 and 100,000
//! handlers into ten stages (issue 20 measured 12 s at 1,000), built and
//! laid out as SVG by the built-in layout. Linear-ish means each tenfold
//! step costs about ten times as much, not a hundred.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// Ten stages in a line and `n` top-level handlers, one event each, into
/// them in turn.
fn flow(n: usize) -> String {
    let mut s = String::from("flow big version 1\ncurrency USD\naccount {\n  balance: money\n}\n");
    for i in 0..n {
        s.push_str(&format!("event e{i}\n"));
    }
    for i in 0..n {
        s.push_str(&format!("on e{i} -> s{}\n", i % 10));
    }
    s.push_str("start s0\n");
    for i in 0..10 {
        let next = if i < 9 {
            format!("goto s{}", i + 1)
        } else {
            "end done".to_string()
        };
        s.push_str(&format!("stage s{i} {{\n  wait 1 day\n  {next}\n}}\n"));
    }
    s
}

fn graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_svg");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let text = flow(n);
        let analysis = dun_compiler::analyze(None, &text);
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics.first());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("handlers", n),
            &analysis.file,
            |b, file| {
                b.iter(|| {
                    let g = dun_compiler::graph::build(black_box(file));
                    dun_compiler::graph::to_svg(&g).expect("laid out")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, graph);
criterion_main!(benches);
