//! `dun fmt [PATHS...]`: rewrite flow files in the one canonical layout.
//!
//! Exit status: 0 when everything is (now) formatted; 1 when a file has
//! syntax errors, or under `--check`/`--diff` when a file would change;
//! 2 when a file cannot be read or written, or the command is misused.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Flow files, or folders to search for `*.dun` files (the current
    /// folder when none is given). `-` reads a flow from standard input and
    /// writes it, formatted, to standard output.
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit with
    /// status 1 if there are any.
    #[arg(long, conflicts_with = "diff")]
    pub check: bool,
    /// Change nothing; print what would change as unified diffs and exit
    /// with status 1 if anything would.
    #[arg(long)]
    pub diff: bool,
}

const CLEAN: u8 = 0;
const FINDINGS: u8 = 1;
const TROUBLE: u8 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
    Diff,
}

/// What became of one file.
enum Outcome {
    Unchanged,
    Changed,
    SyntaxErrors,
    Trouble,
}

pub fn run(args: Args) -> ExitCode {
    let mode = if args.check {
        Mode::Check
    } else if args.diff {
        Mode::Diff
    } else {
        Mode::Write
    };
    let stdin = Path::new("-");
    if args.paths.iter().any(|p| p == stdin) {
        if args.paths.len() > 1 {
            eprintln!(
                "error: `-` (standard input) cannot be mixed with file paths; \
                 run `dun fmt -` on its own"
            );
            return ExitCode::from(TROUBLE);
        }
        return ExitCode::from(run_stdin(mode));
    }

    let found = crate::inputs::find(&args.paths);
    let mut trouble = !found.ok;
    let files = found.files;

    let (mut changed, mut broken) = (0usize, 0usize);
    for path in &files {
        match format_file(path, mode) {
            Outcome::Unchanged => {}
            Outcome::Changed => changed += 1,
            Outcome::SyntaxErrors => broken += 1,
            Outcome::Trouble => trouble = true,
        }
    }
    summarise(mode, files.len(), changed, broken);

    let status = if trouble {
        TROUBLE
    } else if broken > 0 || (mode != Mode::Write && changed > 0) {
        FINDINGS
    } else {
        CLEAN
    };
    ExitCode::from(status)
}

fn summarise(mode: Mode, total: usize, changed: usize, broken: usize) {
    let files = |n: usize| if n == 1 { "file" } else { "files" };
    let mut parts = Vec::new();
    match mode {
        Mode::Write => parts.push(format!("{changed} {} reformatted", files(changed))),
        Mode::Check | Mode::Diff => {
            parts.push(format!("{changed} {} would be reformatted", files(changed)))
        }
    }
    if broken > 0 {
        parts.push(format!(
            "{broken} {} left untouched because of syntax errors",
            files(broken)
        ));
    }
    eprintln!(
        "dun fmt: {} ({total} {} looked at)",
        parts.join(", "),
        files(total)
    );
}

fn run_stdin(mode: Mode) -> u8 {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read a flow from standard input: {error}");
        return TROUBLE;
    }
    match dun_compiler::fmt::format(&text) {
        Err(diagnostics) => {
            crate::diagnostics_out::eprint("<stdin>", &text, &diagnostics);
            FINDINGS
        }
        Ok(formatted) => match mode {
            Mode::Write => write_stdout(&formatted),
            Mode::Check if formatted != text => {
                println!("<stdin>");
                FINDINGS
            }
            Mode::Diff if formatted != text => {
                let diff = dun_compiler::fmt::unified_diff("<stdin>", &text, &formatted);
                match write_stdout(&diff) {
                    CLEAN => FINDINGS,
                    status => status,
                }
            }
            Mode::Check | Mode::Diff => CLEAN,
        },
    }
}

fn write_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => CLEAN,
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            TROUBLE
        }
    }
}

fn format_file(path: &Path, mode: Mode) -> Outcome {
    let shown = crate::inputs::shown(path);
    let text = match crate::inputs::read(path) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Trouble;
        }
    };
    let formatted = match dun_compiler::fmt::format(&text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            crate::diagnostics_out::eprint(&shown, &text, &diagnostics);
            eprintln!(
                "note: `{shown}` was left unchanged; fix the errors above and run `dun fmt` again"
            );
            return Outcome::SyntaxErrors;
        }
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    match mode {
        Mode::Write => {
            if let Err(error) = std::fs::write(path, &formatted) {
                eprintln!("error: cannot write `{shown}`: {error}");
                return Outcome::Trouble;
            }
        }
        Mode::Check => println!("{shown}"),
        Mode::Diff => print!(
            "{}",
            dun_compiler::fmt::unified_diff(&shown, &text, &formatted)
        ),
    }
    Outcome::Changed
}
