//! The fuzz targets (fuzz/src/lib.rs) on the stable toolchain: every seed
//! and every input that once crashed dun (fuzz/regressions/TARGET/) is run
//! through its target, then each target gets a short time-boxed run of
//! random mutations of those inputs. The coverage-guided campaign itself
//! runs with cargo-fuzz on nightly (docs/reliability.md); this keeps what
//! it found fixed on every CI run.
//!
//! The mutations are a function of the seed alone: mutation `i` of a
//! target is drawn from `DUN_FUZZ_SEED` and `i`, and each target runs a
//! fixed number of them, so a printed seed repeats a run exactly, however
//! fast the machine is. Settings (environment):
//!
//! - `DUN_FUZZ_SEED`: the seed (printed at the start; a fresh one if unset);
//! - `DUN_FUZZ_RUNS`: mutations per target (default: each target's own
//!   count below, times `DUN_FUZZ_SCALE`, default 1; 0 replays only);
//! - `DUN_FUZZ_FROM`: the first mutation to run (to go straight to one);
//! - `DUN_FUZZ_TARGETS`: the targets to run, comma-separated (all if unset);
//! - `DUN_FUZZ_KEEP`: when set, each input is written to
//!   `target/fuzz-smoke/TARGET-current.bin` before it runs, so an input
//!   that kills the process (a signal, an abort) is left on disk.
//!
//! A mutated input that panics is written to
//! `target/fuzz-smoke/TARGET-SEED-I.bin`, and the message says how to run
//! it again.

#[path = "../fuzz/src/lib.rs"]
mod targets;

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

type Target = fn(&[u8]);

/// Each target with its mutations per run: a few seconds each of the
/// debug build (measured beside other builds: `check` 210 inputs a second,
/// `fmt` 290, `dunc` 370, `data` 660, `lsp` 500), so that the whole smoke
/// stays well under two minutes in CI, which runs three times these
/// (`DUN_FUZZ_SCALE=3`).
const TARGETS: [(&str, Target, u64); 5] = [
    ("check", targets::check, 2_000),
    ("fmt", targets::fmt, 1_000),
    ("dunc", targets::dunc, 2_000),
    ("data", targets::data, 3_000),
    ("lsp", targets::lsp, 2_000),
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
    /// The generator of mutation `i` of a run seeded with `seed`
    /// (splitmix64 of both, never zero).
    fn of(seed: u64, i: u64) -> Rng {
        let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

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

fn setting(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a whole number"),
    }
}

/// The message of a caught panic.
fn message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

#[test]
fn every_seed_and_regression_passes_and_mutations_do_not_crash() {
    let seed = setting("DUN_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let scale = setting("DUN_FUZZ_SCALE").unwrap_or(1);
    let from = setting("DUN_FUZZ_FROM").unwrap_or(0);
    let only: Option<Vec<String>> = std::env::var("DUN_FUZZ_TARGETS")
        .ok()
        .map(|list| list.split(',').map(|t| t.trim().to_string()).collect());
    if let Some(only) = &only {
        for name in only {
            assert!(
                TARGETS.iter().any(|t| t.0 == name),
                "DUN_FUZZ_TARGETS names `{name}`, which is not a target (check, fmt, dunc, data, lsp)"
            );
        }
    }
    let keep = std::env::var_os("DUN_FUZZ_KEEP").is_some();
    println!("DUN_FUZZ_SEED={seed}");
    let out_dir = common::root().join("target/fuzz-smoke");
    if keep {
        std::fs::create_dir_all(&out_dir).unwrap();
    }
    for (name, target, default_runs) in TARGETS {
        if only.as_ref().is_some_and(|o| !o.iter().any(|t| t == name)) {
            continue;
        }
        let runs = setting("DUN_FUZZ_RUNS").unwrap_or(default_runs * scale);
        let corpus = inputs(name);
        assert!(!corpus.is_empty(), "no inputs for {name}");
        let began = Instant::now();
        for input in &corpus {
            target(input);
        }
        let replayed = began.elapsed();
        let current = out_dir.join(format!("{name}-current.bin"));
        let began = Instant::now();
        for i in from..from + runs {
            let mut rng = Rng::of(seed, i);
            let a = &corpus[rng.below(corpus.len())];
            let b = &corpus[rng.below(corpus.len())];
            let input = mutate(&mut rng, a, b);
            if keep {
                std::fs::write(&current, &input).unwrap();
            }
            let caught = std::panic::catch_unwind(|| target(&input));
            if let Err(panic) = caught {
                std::fs::create_dir_all(&out_dir).unwrap();
                let file = out_dir.join(format!("{name}-{seed}-{i}.bin"));
                std::fs::write(&file, &input).unwrap();
                std::panic::resume_unwind(Box::new(format!(
                    "the {name} target failed on mutation {i}, written to {} \
                     (again: DUN_FUZZ_SEED={seed} DUN_FUZZ_TARGETS={name} DUN_FUZZ_FROM={i} \
                     DUN_FUZZ_RUNS=1): {}",
                    file.display(),
                    message(&*panic)
                )));
            }
        }
        println!(
            "{name}: {} inputs replayed in {:.1} s, mutations {from}..{} in {:.1} s",
            corpus.len(),
            replayed.as_secs_f64(),
            from + runs,
            began.elapsed().as_secs_f64()
        );
    }
}
