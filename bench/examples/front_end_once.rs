//! One parse and one whole analysis of the benchmark's generated 1 MiB flow,
//! for profilers: `valgrind --tool=callgrind` counts the same instructions
//! every run, which a shared, noisy machine cannot promise of wall time.
//!
//! `cargo build --profile bench -p dun-bench --example front_end_once` then
//! `valgrind --tool=callgrind target/release/examples/front_end_once [parse|unverified|analyze]`;
//! `unverified` skips lowering and verification, to price them.

use dun_bench::generate::large_flow_of_size;
use std::path::Path;

fn main() {
    let text = large_flow_of_size(1 << 20);
    let which = std::env::args().nth(1).unwrap_or_else(|| "analyze".into());
    let started = std::time::Instant::now();
    let errors = match which.as_str() {
        "parse" => dun_compiler::syntax::parse(&text)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count(),
        "unverified" => {
            dun_compiler::analysis::analyze_unverified(Some(Path::new("generated.dun")), &text)
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count()
        }
        _ => dun_compiler::analyze(Some(Path::new("generated.dun")), &text)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count(),
    };
    println!(
        "{which}: {} bytes in {:?}, {errors} errors",
        text.len(),
        started.elapsed()
    );
}
