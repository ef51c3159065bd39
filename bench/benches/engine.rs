//! The engine stepping many accounts through the language reference's flow
//! with every contact rule on (`dun_bench::portfolio`), 60 simulated days
//! each. Reports transitions (states entered) per second; prints the number
//! of steps and transitions and the instance size once.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dun_bench::portfolio::{accounts, monday, reference_machine, simulate};
use dun_runtime::{step, Input, Instance};
use std::hint::black_box;

const ACCOUNTS: usize = 1_000;
const DAYS: i64 = 60;

fn engine(c: &mut Criterion) {
    let m = reference_machine();
    let accounts = accounts(&m, ACCOUNTS);
    let start = monday();
    let work = simulate(&m, &accounts, start, DAYS);
    let mut inst = Instance::new();
    step(&m, &mut inst, &accounts[1], Input::Enrol, start);
    println!(
        "engine: {} steps, {} transitions for {ACCOUNTS} accounts over {DAYS} days; instance {} bytes inline + {} on the heap",
        work.steps,
        work.transitions,
        std::mem::size_of::<Instance>(),
        inst.heap_bytes()
    );
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(work.transitions as u64));
    group.sample_size(10);
    group.bench_function("consumer_early_1000_accounts_60_days", |b| {
        b.iter(|| simulate(&m, black_box(&accounts), start, DAYS))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
