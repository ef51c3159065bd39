//! One parse and one whole analysis of the benchmark's generated 1 MiB flow,
//! for profilers: `valgrind --tool=callgrind` counts the same instructions
//! every run, which a shared, noisy machine cannot promise of wall time.
//!
//! `cargo build --profile bench -p dun-bench --example front_end_once` then
//! `valgrind --tool=callgrind target/release/examples/front_end_once [parse|unverified|analyze|lower|verify]`;
//! `unverified` skips lowering and verification, to price them; `lower` and
//! `verify` analyse without them first, then run only that part once more
//! (subtract an `unverified` run to price it alone). `time` prints the
//! median wall time of 21 runs each of lowering and of verification, a
//! quicker look than the criterion benchmark while working on them.

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
        "time" => {
            let path = Path::new("generated.dun");
            let analysis = dun_compiler::analysis::analyze_unverified(Some(path), &text);
            let median = |f: &dyn Fn()| {
                let mut times: Vec<_> = (0..21)
                    .map(|_| {
                        let t = std::time::Instant::now();
                        f();
                        t.elapsed()
                    })
                    .collect();
                times.sort();
                times[times.len() / 2]
            };
            let lower = || dun_compiler::lower::lower(&analysis.file, &analysis.model);
            let Ok(machine) = lower() else {
                eprintln!("the generated flow does not lower");
                std::process::exit(1);
            };
            let lowering = median(&|| drop(std::hint::black_box(lower())));
            let verifying = median(&|| {
                drop(std::hint::black_box(dun_compiler::verify::verify(
                    &analysis.file,
                    &machine,
                )))
            });
            println!("lower: {lowering:?}, verify: {verifying:?} (medians of 21)");
            0
        }
        "lower" | "verify" => {
            let path = Path::new("generated.dun");
            let analysis = dun_compiler::analysis::analyze_unverified(Some(path), &text);
            match dun_compiler::lower::lower(&analysis.file, &analysis.model) {
                Ok(machine) if which == "verify" => {
                    dun_compiler::verify::verify(&analysis.file, &machine)
                        .iter()
                        .filter(|d| d.is_error())
                        .count()
                }
                Ok(_) => 0,
                Err(diagnostics) => diagnostics.len(),
            }
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
