//! `--allow-import-outside DIR`, accepted by every subcommand that reads a
//! flow, and the one way the commands analyse a flow with its imports and
//! print the diagnostics of every file it is made of.

use dun_compiler::diagnostics::Diagnostic;
use dun_compiler::modules::{FileId, Options, Sources};
use dun_compiler::Analysis;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static ALLOWED: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// Records the folders the command line allows imports from, every link
/// followed, once, before any flow is read. A folder that does not exist
/// is refused with the flag named.
pub(crate) fn allow(dirs: &[PathBuf]) -> Result<(), String> {
    let mut allowed = Vec::with_capacity(dirs.len());
    for dir in dirs {
        match dir.canonicalize() {
            Ok(real) if real.is_dir() => allowed.push(real),
            Ok(_) => {
                return Err(format!(
                    "`--allow-import-outside {}`: not a folder",
                    dir.display()
                ))
            }
            Err(error) => {
                return Err(format!(
                    "`--allow-import-outside {}`: {error}",
                    dir.display()
                ))
            }
        }
    }
    let _ = ALLOWED.set(allowed);
    Ok(())
}

fn options() -> Options<'static> {
    Options {
        allowed: ALLOWED.get().map_or(&[], Vec::as_slice),
        ..Options::default()
    }
}

/// Analyses a flow, reading its imports from the flow's folder tree and
/// the folders the command line allows.
pub(crate) fn analyze(path: Option<&Path>, text: &str) -> Analysis {
    dun_compiler::analyze_in(path, text, options())
}

/// [`analyze`] for a flow found below folders named on the command line
/// (`dun check examples/`): a folder named there is a folder tree its flows
/// may import from, as the user chose it.
pub(crate) fn analyze_found(path: &Path, text: &str, given: &[PathBuf]) -> Analysis {
    let real = path.canonicalize().ok();
    let mut allowed: Vec<PathBuf> = ALLOWED.get().cloned().unwrap_or_default();
    for folder in given.iter().filter(|g| g.is_dir()) {
        if let Ok(tree) = folder.canonicalize() {
            if real.as_ref().is_some_and(|r| r.starts_with(&tree)) {
                allowed.push(tree);
            }
        }
    }
    dun_compiler::analyze_in(
        Some(path),
        text,
        Options {
            allowed: &allowed,
            ..Options::default()
        },
    )
}

/// One file's diagnostics, owned: the flow's own file first, then each
/// imported file that has any.
pub(crate) struct Report {
    pub shown: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Splits `diagnostics` of a flow by the file each lies in.
pub(crate) fn reports(
    shown: &str,
    text: &str,
    sources: &Sources,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Report> {
    sources
        .split(shown, text, diagnostics)
        .into_iter()
        .map(|part| {
            let (shown, text) = match part.file {
                FileId::Root => (shown.to_string(), text.to_string()),
                FileId::Imported(i) => match sources.imported.get(i) {
                    Some(f) => (f.shown.clone(), f.text.clone()),
                    None => (shown.to_string(), text.to_string()),
                },
            };
            Report {
                shown,
                text,
                diagnostics: part.diagnostics,
            }
        })
        .collect()
}

/// Prints a flow's diagnostics on standard error, each in its own file.
pub(crate) fn eprint(shown: &str, text: &str, sources: &Sources, diagnostics: &[Diagnostic]) {
    if sources.is_empty() {
        crate::diagnostics_out::eprint(shown, text, diagnostics);
        return;
    }
    for report in reports(shown, text, sources, diagnostics.to_vec()) {
        crate::diagnostics_out::eprint(&report.shown, &report.text, &report.diagnostics);
    }
}
