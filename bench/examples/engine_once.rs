//! One pass of the engine benchmark's workload, for profilers (see
//! `front_end_once.rs`): `valgrind --tool=callgrind
//! target/release/examples/engine_once`.

use dun_bench::portfolio::{accounts, monday, reference_machine, simulate};

fn main() {
    let m = reference_machine();
    let accounts = accounts(&m, 1_000);
    let started = std::time::Instant::now();
    let work = simulate(&m, &accounts, monday(), 60);
    println!(
        "{} steps, {} transitions in {:?}",
        work.steps,
        work.transitions,
        started.elapsed()
    );
}
