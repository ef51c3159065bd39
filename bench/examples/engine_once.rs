//! The engine benchmark's workload, for profilers (see `front_end_once.rs`):
//! `valgrind --tool=callgrind target/release/examples/engine_once` counts
//! one pass; `engine_once N` runs N passes and prints the fastest and the
//! median, a quick check on a busy machine.

use dun_bench::portfolio::{accounts, monday, reference_machine, simulate};

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1)
        .max(1);
    let m = reference_machine();
    let accounts = accounts(&m, 1_000);
    let mut times = Vec::with_capacity(passes);
    let mut work = Default::default();
    for _ in 0..passes {
        let started = std::time::Instant::now();
        work = simulate(&m, &accounts, monday(), 60);
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let per_s = |t: std::time::Duration| work.transitions as f64 / t.as_secs_f64() / 1e6;
    println!(
        "{} steps, {} transitions per pass; {passes} passes: fastest {:?} ({:.2} M transitions/s), median {:?} ({:.2} M/s)",
        work.steps,
        work.transitions,
        times[0],
        per_s(times[0]),
        median,
        per_s(median)
    );
}
