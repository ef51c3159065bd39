//! `dun check [PATHS...]`: analyse flow files and report what is wrong.

use crate::diagnostics_out::{self, Stream};
use crate::exit;
use crate::inputs::{self, shown};
use crate::outputs::write_stdout;
use dun_compiler::diagnostics::catalog;
use dun_compiler::diagnostics::render::{github, json, sarif, FileReport, Summary};
use dun_compiler::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Flow files, or folders to search for `*.dun` files (the current
    /// folder when none is given).
    paths: Vec<PathBuf>,
    /// How to report what was found.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit status 1) on warnings too, not only on errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Checks the flow's `migrate` block against the version accounts run
    /// on, read from its compiled `.dunc` (docs/runtime.md, "Changing a
    /// running flow").
    #[arg(long, value_name = "OLD.dunc", conflicts_with = "from_db")]
    from: Option<PathBuf>,
    /// The same, reading the machines accounts run on from a store.
    #[arg(long, value_name = "PATH")]
    from_db: Option<PathBuf>,
    /// Apply the fixes marked safe (a missing closing quote, ...) to the
    /// files, then report what is left.
    #[arg(long)]
    fix: bool,
    /// With `--fix`: print the changes as a unified diff instead of writing
    /// them.
    #[arg(long, requires = "fix")]
    diff: bool,
    /// With `--fix`: apply the unsafe fixes too (a misspelt name changed to
    /// the closest known one, which may not be the one meant).
    #[arg(long, requires = "fix")]
    unsafe_fixes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Source excerpts with underlined spans, for people.
    Human,
    /// One JSON document, for scripts.
    Json,
    /// GitHub Actions workflow commands: annotations on pull requests.
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// A file that was read and analysed.
struct Checked {
    shown: String,
    text: String,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: &Args) -> u8 {
    let migration = args.from.is_some() || args.from_db.is_some();
    if migration && args.paths.len() != 1 {
        eprintln!("error: `--from` and `--from-db` check one flow: give its file");
        return exit::TROUBLE;
    }
    let found = inputs::find(&args.paths);
    let mut trouble = !found.ok;
    if migration && found.files.len() != 1 {
        if found.ok {
            eprintln!(
                "error: `--from` and `--from-db` check one flow: give its file, not a folder"
            );
        }
        return exit::TROUBLE;
    }

    // Every flow is analysed first: a file another flow imports is checked
    // as part of that flow (its diagnostics shown in it), not on its own,
    // where the names the flow gives it would be missing.
    let mut analysed = Vec::new();
    for path in &found.files {
        match inputs::read(path) {
            Ok(mut text) => {
                let mut analysis = crate::imports::analyze_found(path, &text, &args.paths);
                if args.fix {
                    match fix(args, path, &text, analysis) {
                        Ok((fixed, again)) => {
                            text = fixed;
                            analysis = again;
                        }
                        Err(again) => {
                            trouble = true;
                            analysis = *again;
                        }
                    }
                }
                analysed.push((path, text, analysis));
            }
            Err(message) => {
                eprintln!("error: {message}");
                trouble = true;
            }
        }
    }
    let imported: std::collections::HashSet<PathBuf> = analysed
        .iter()
        .flat_map(|(_, _, analysis)| analysis.sources.imported.iter().map(|f| f.real.clone()))
        .collect();

    let mut checked: Vec<Checked> = Vec::new();
    for (path, text, analysis) in analysed {
        if path
            .canonicalize()
            .is_ok_and(|real| imported.contains(&real))
        {
            continue;
        }
        let mut diagnostics = analysis.diagnostics;
        if migration {
            match &analysis.machine {
                Some(new) => {
                    match crate::migrate::old_machines(
                        args.from.as_deref(),
                        args.from_db.as_deref(),
                        new,
                    ) {
                        Ok(olds) => {
                            crate::migrate::check_from(&olds, new, &analysis.file, &mut diagnostics)
                        }
                        Err(status) => return status,
                    }
                }
                None => eprintln!(
                    "note: the migration was not checked; fix the errors in `{}` first",
                    shown(path)
                ),
            }
        }
        let reports = crate::imports::reports(&shown(path), &text, &analysis.sources, diagnostics);
        for report in reports {
            // A file two flows import is shown once, with each of its
            // diagnostics once.
            match checked.iter_mut().find(|c| c.shown == report.shown) {
                Some(earlier) => {
                    for d in report.diagnostics {
                        if !earlier.diagnostics.contains(&d) {
                            earlier.diagnostics.push(d);
                        }
                    }
                }
                None => checked.push(Checked {
                    shown: report.shown,
                    text: report.text,
                    diagnostics: report.diagnostics,
                }),
            }
        }
    }

    let reports: Vec<FileReport<'_>> = checked
        .iter()
        .map(|file| FileReport {
            path: &file.shown,
            text: &file.text,
            diagnostics: &file.diagnostics,
        })
        .collect();
    let output = render(args, &reports);
    let summary = Summary::of(&reports);
    if let Err(error) = write_stdout(&output) {
        eprintln!("error: cannot write the report: {error}");
        trouble = true;
    }
    eprintln!("{}", summary.describe(reports.len()));

    if trouble {
        exit::TROUBLE
    } else if summary.errors > 0 || (args.deny_warnings && summary.warnings > 0) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

/// Applies the safe fixes (and with `--unsafe-fixes` the others) to one file, round after round, and writes it
/// (or prints the diff with `--diff`, leaving the file and the report as
/// they were). Returns the text and analysis to report; `Err` when the file
/// could not be written.
fn fix(
    args: &Args,
    path: &Path,
    text: &str,
    analysis: dun_compiler::Analysis,
) -> Result<(String, dun_compiler::Analysis), Box<dun_compiler::Analysis>> {
    use dun_compiler::diagnostics::edits;
    let mut current = text.to_string();
    let mut latest = analysis;
    let mut total = 0;
    for _ in 0..edits::MAX_ROUNDS {
        // Fixes are applied to the flow's own text; an imported file's are
        // shown in it and applied by checking that file's flow there.
        let own: Vec<_> = latest
            .diagnostics
            .iter()
            .filter(|d| (d.primary.span.end as usize) <= current.len())
            .cloned()
            .collect();
        let (fixed, applied) = edits::apply(&current, &own, args.unsafe_fixes);
        if applied == 0 {
            break;
        }
        total += applied;
        latest = crate::imports::analyze_found(path, &fixed, &args.paths);
        current = fixed;
    }
    if total == 0 {
        return Ok((current, latest));
    }
    if args.diff {
        let diff = dun_compiler::fmt::unified_diff(&shown(path), text, &current);
        if let Err(error) = write_stdout(&diff) {
            eprintln!("error: cannot write the diff: {error}");
        }
        let original = crate::imports::analyze(Some(path), text);
        return Ok((text.to_string(), original));
    }
    match std::fs::write(path, &current) {
        Ok(()) => {
            let s = if total == 1 { "" } else { "s" };
            eprintln!("fixed {total} problem{s} in {}", path.display());
            Ok((current, latest))
        }
        Err(error) => {
            eprintln!(
                "error: cannot write the fixes to `{}`: {error}",
                path.display()
            );
            Err(Box::new(crate::imports::analyze(Some(path), text)))
        }
    }
}

fn render(args: &Args, reports: &[FileReport<'_>]) -> String {
    match args.format {
        Format::Human => diagnostics_out::render(Stream::Stdout, reports),
        Format::Json => json::render(reports),
        Format::Github => github::render(reports),
        Format::Sarif => {
            let entries = catalog::entries();
            let summary = |code: &str| {
                entries
                    .iter()
                    .find(|entry| entry.code == code)
                    .map(|entry| entry.summary.clone())
            };
            sarif::render(
                reports,
                &sarif::Tool {
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: crate::HOME_PAGE,
                    help_uri: crate::ERRORS_PAGE,
                    summary: &summary,
                },
            )
        }
    }
}
