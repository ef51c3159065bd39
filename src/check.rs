//! `dun check [PATHS...]`: analyse flow files and report what is wrong.

use crate::exit;
use dun_compiler::diagnostics::catalog;
use dun_compiler::diagnostics::render::{github, human, json, sarif, FileReport, Summary};
use dun_compiler::diagnostics::Diagnostic;
use std::io::{IsTerminal, Write};
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
    /// When to colour human output: `auto` colours a terminal unless
    /// `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// A file that was read and analysed.
struct Checked {
    shown: String,
    text: String,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: &Args) -> u8 {
    if args.from.is_some() || args.from_db.is_some() {
        return crate::migrate::check_from(
            &args.paths,
            args.from.as_deref(),
            args.from_db.as_deref(),
        );
    }
    let mut trouble = false;
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        trouble |= !collect(root, &mut files);
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(file.clone()));

    let mut checked = Vec::new();
    for path in &files {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let mut text = text;
                    let mut analysis = dun_compiler::analyze(Some(path), &text);
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
                    checked.push(Checked {
                        shown: shown(path),
                        text,
                        diagnostics: analysis.diagnostics,
                    });
                }
                Err(_) => {
                    eprintln!(
                        "error: `{}` is not UTF-8 text; save it as UTF-8 and check again",
                        path.display()
                    );
                    trouble = true;
                }
            },
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", path.display());
                trouble = true;
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
        let (fixed, applied) = edits::apply(&current, &latest.diagnostics, args.unsafe_fixes);
        if applied == 0 {
            break;
        }
        total += applied;
        latest = dun_compiler::analyze(Some(path), &fixed);
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
        let original = dun_compiler::analyze(Some(path), text);
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
            Err(Box::new(dun_compiler::analyze(Some(path), text)))
        }
    }
}

fn render(args: &Args, reports: &[FileReport<'_>]) -> String {
    match args.format {
        Format::Human => {
            let style = human_style(args.color);
            reports.iter().map(|file| style.render_file(file)).collect()
        }
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

/// Colour and box-drawing only for a terminal; `NO_COLOR` (any non-empty
/// value) turns colour off, `CLICOLOR_FORCE` turns it on for pipes, and an
/// explicit `--color` beats both.
fn human_style(color: Color) -> human::Human {
    let terminal = std::io::stdout().is_terminal();
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => !set("NO_COLOR") && (terminal || forced),
    };
    let width = terminal_size::terminal_size()
        .map(|(width, _)| usize::from(width.0))
        .filter(|_| terminal)
        .unwrap_or(100)
        .clamp(60, 200);
    human::Human {
        color,
        unicode: terminal,
        width,
    }
}

/// Adds `root` itself, or every `*.dun` file below it in name order, to
/// `files`. Returns false (after saying why) when the path cannot be used.
pub(crate) fn collect(root: &Path, files: &mut Vec<PathBuf>) -> bool {
    let metadata = match std::fs::metadata(root) {
        Ok(metadata) => metadata,
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", root.display());
            return false;
        }
    };
    if !metadata.is_dir() {
        // A file named explicitly is checked whatever its extension.
        files.push(root.to_path_buf());
        return true;
    }
    let mut ok = true;
    let before = files.len();
    let walk = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        // Hidden folders (`.git`, editor state) never hold flows to check.
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walk {
        match entry {
            Ok(entry) => {
                let is_flow = entry.path().extension().is_some_and(|ext| ext == "dun");
                if entry.file_type().is_file() && is_flow {
                    files.push(entry.into_path());
                }
            }
            Err(error) => {
                eprintln!("error: cannot search `{}`: {error}", root.display());
                ok = false;
            }
        }
    }
    if ok && files.len() == before {
        eprintln!(
            "error: no .dun files found in `{}`; give the path of a flow file or of a folder that holds some",
            root.display()
        );
        ok = false;
    }
    ok
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

/// The path as written into reports: without a leading `./`, with forward
/// slashes, so that reports compare equal across machines.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.to_string()
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that stopped early (`| head`) is not the flow's problem.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_drop_the_leading_dot_folder_and_use_forward_slashes() {
        assert_eq!(shown(Path::new("./flows/a.dun")), "flows/a.dun");
        assert_eq!(shown(Path::new("flows\\a.dun")), "flows/a.dun");
    }
}
