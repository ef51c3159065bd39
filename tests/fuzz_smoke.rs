//! The fuzz targets (fuzz/src/lib.rs) on the stable toolchain: every seed
//! and every input that once crashed dun (fuzz/regressions/TARGET/) is run
//! through its target, then each target gets a short time-boxed run of
//! random mutations of those inputs. The coverage-guided campaign itself
//! runs with cargo-fuzz on nightly (docs/reliability.md); this keeps what
//! it found fixed on every CI run.
//!
//! `DUN_FUZZ_SECONDS` sets the mutation time per target (default 5; 0
//! replays only); `DUN_FUZZ_SEED` repeats a run. A mutated input that
//! fails is written to `target/fuzz-smoke/TARGET-SEED.bin`.

#[path = "../fuzz/src/lib.rs"]
mod targets;

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("check", targets::check),
    ("fmt", targets::fmt),
    ("dunc", targets::dunc),
    ("data", targets::data),
    ("lsp", targets::lsp),
];

/// Every file under `dir` whose name ends with one of `exts` (any, if
/// empty).
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, exts, out);
        } else if exts.is_empty() || exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
            out.push(path);
        }
    }
}

/// The inputs a target starts from: its seeds and its regressions.
fn inputs(target: &str) -> Vec<Vec<u8>> {
    let root = common::root();
    let mut paths = Vec::new();
    match target {
        "check" | "fmt" => {
            files(&root.join("tests/cases"), &[".dun"], &mut paths);
            files(&root.join("examples"), &[".dun"], &mut paths);
        }
        _ => files(&root.join("fuzz/seeds").join(target), &[], &mut paths),
    }
    files(&root.join("fuzz/regressions").join(target), &[], &mut paths);
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `input`, sometimes with a piece of `other` spliced in.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            2 => {
                let bytes = [
                    b'"', b',', b'\n', b'{', b'}', b'(', b')', b'0', b'9', b'@', 0xff, 0,
                ];
                out.insert(at, bytes[rng.below(bytes.len())]);
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(64)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            4 if !out.is_empty() => {
                let from = rng.below(out.len());
                let end = (from + 1 + rng.below(32)).min(out.len());
                let piece = out[from..end].to_vec();
                out.splice(at..at, piece);
            }
            _ => {
                let i = rng.below(out.len() + 1);
                out.truncate(i.max(1).min(out.len()));
            }
        }
    }
    out.truncate(16 * 1024);
    out
}

#[test]
fn every_seed_and_regression_passes_and_mutations_do_not_crash() {
    let seconds: u64 = std::env::var("DUN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let seed: u64 = std::env::var("DUN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    println!("DUN_FUZZ_SEED={seed}");
    let out_dir = common::root().join("target/fuzz-smoke");
    for (name, target) in TARGETS {
        let corpus = inputs(name);
        assert!(!corpus.is_empty(), "no inputs for {name}");
        for input in &corpus {
            target(input);
        }
        let mut rng = Rng(seed);
        let began = Instant::now();
        let mut runs = 0u64;
        while began.elapsed() < Duration::from_secs(seconds) {
            let a = &corpus[rng.below(corpus.len())];
            let b = &corpus[rng.below(corpus.len())];
            let input = mutate(&mut rng, a, b);
            let caught = std::panic::catch_unwind(|| target(&input));
            if let Err(panic) = caught {
                std::fs::create_dir_all(&out_dir).unwrap();
                let file = out_dir.join(format!("{name}-{seed}-{runs}.bin"));
                std::fs::write(&file, &input).unwrap();
                std::panic::resume_unwind(Box::new(format!(
                    "the {name} target failed on a mutated input, written to {}: {:?}",
                    file.display(),
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                )));
            }
            runs += 1;
        }
        println!(
            "{name}: {} inputs replayed, {runs} mutations in {seconds} s",
            corpus.len()
        );
    }
}
