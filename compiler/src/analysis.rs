//! The one entry point every front end uses: parse, resolve, check, and
//! verify the lowered machine when the file has no errors.

use crate::diagnostics::{self, Diagnostic};
use crate::model::Model;
use crate::syntax::{self, ast};
use crate::{checks, names, types};
use dun_machine::format::Machine;
use std::path::Path;

/// Everything known about one file after analysis. Front ends (CLI, language
/// server, lowering) read from here and never re-parse.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub file: ast::File,
    /// Sorted by position (`diagnostics::sort`).
    pub diagnostics: Vec<Diagnostic>,
    /// The resolved symbol table and what the checker learnt (types of
    /// expressions, references). Filled as far as the file allows even when
    /// it has errors, so that editors keep working.
    pub model: Model,
    /// The state machine verification read: lowered once here, when the
    /// file has no errors, so that `dun build` writes it without lowering
    /// again. `None` for a file with errors, one that does not lower (ask
    /// [`crate::lower::lower`] for why), or an unverified analysis.
    pub machine: Option<Machine>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyses a flow. `path` locates template files (`file "..."` is relative
/// to the flow's folder); `None` for unsaved buffers, where file templates
/// are reported as unresolvable.
pub fn analyze(path: Option<&Path>, text: &str) -> Analysis {
    analyze_with(path, text, true)
}

/// [`analyze`] without verification of the lowered machine: for the
/// benchmark that measures what verification costs.
pub fn analyze_unverified(path: Option<&Path>, text: &str) -> Analysis {
    analyze_with(path, text, false)
}

fn analyze_with(path: Option<&Path>, text: &str, verify: bool) -> Analysis {
    let parsed = syntax::parse(text);
    let mut diagnostics = parsed.diagnostics;
    let flow_dir = path.map(|p| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    });
    let mut model = names::collect(&parsed.file, flow_dir, &mut diagnostics);
    let walked = types::check(&parsed.file, &model, &mut diagnostics);
    checks::check(&parsed.file, &model, &walked, &mut diagnostics);
    syntax::cascade::withhold(text, &parsed.file, &parsed.recovered, &mut diagnostics);
    model.usage = walked.usage;
    // Verification reads the lowered machine, so it runs only on a file
    // that checked without errors; lowering problems are `dun build`'s to
    // report.
    let mut lowered = None;
    if verify && !diagnostics.iter().any(Diagnostic::is_error) {
        if let Ok(machine) = crate::lower::lower(&parsed.file, &model) {
            diagnostics.extend(crate::verify::verify(&parsed.file, &machine));
            lowered = Some(machine);
        }
    }
    diagnostics::sort(&mut diagnostics);
    Analysis {
        file: parsed.file,
        diagnostics,
        model,
        machine: lowered,
    }
}
