//! `dun check` front end (parse, names, types, structure) on a generated
//! flow of about 1 MiB. Goal (issue 2): at least 10 MiB/s on one core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dun_bench::generate::large_flow_of_size;
use std::hint::black_box;
use std::path::Path;

fn check(c: &mut Criterion) {
    let text = large_flow_of_size(1 << 20);
    let analysis = dun_compiler::analyze(Some(Path::new("generated.dun")), &text);
    assert!(
        !analysis.has_errors(),
        "the generated flow must check clean: {:?}",
        analysis.diagnostics.first()
    );
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("analyze_1mib", |b| {
        b.iter(|| dun_compiler::analyze(Some(Path::new("generated.dun")), black_box(&text)))
    });
    // Issue 5: verification (lowering and the passes of compiler::verify)
    // may add at most 30% to `analyze`; compare these two in one run.
    group.bench_function("analyze_unverified_1mib", |b| {
        b.iter(|| {
            dun_compiler::analysis::analyze_unverified(
                Some(Path::new("generated.dun")),
                black_box(&text),
            )
        })
    });
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .expect("the generated flow lowers");
    group.bench_function("lower_1mib", |b| {
        b.iter(|| dun_compiler::lower::lower(black_box(&analysis.file), black_box(&analysis.model)))
    });
    group.bench_function("verify_1mib", |b| {
        b.iter(|| dun_compiler::verify::verify(black_box(&analysis.file), black_box(&machine)))
    });
    group.bench_function("parse_1mib", |b| {
        b.iter(|| dun_compiler::syntax::parse(black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
