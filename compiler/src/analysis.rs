//! The one entry point every front end uses: parse, resolve, check, and
//! verify the lowered machine when the file has no errors.

use crate::diagnostics::{self, Diagnostic};
use crate::model::Model;
use crate::modules::{self, FileId, Options, Sources};
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
    /// The files the flow imports, which `file`'s later declarations and
    /// some diagnostics point into; empty for a flow without imports.
    pub sources: Sources,
    /// How many of `file.decls` are the flow's own (they come first; the
    /// imported files' declarations follow).
    pub own_decls: usize,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The declarations written in the flow's own file.
    pub fn own_decls(&self) -> &[ast::Decl] {
        &self.file.decls[..self.own_decls.min(self.file.decls.len())]
    }
}

/// Analyses a flow. `path` locates template files (`file "..."` is relative
/// to the flow's folder); `None` for unsaved buffers, where file templates
/// are reported as unresolvable.
pub fn analyze(path: Option<&Path>, text: &str) -> Analysis {
    analyze_with(path, text, true, Options::default())
}

/// [`analyze`] with imports read as `options` say: from folders the
/// command line allows, or from the editor's open buffers.
pub fn analyze_in(path: Option<&Path>, text: &str, options: Options<'_>) -> Analysis {
    analyze_with(path, text, true, options)
}

/// [`analyze`] without verification of the lowered machine: for the
/// benchmark that measures what verification costs.
pub fn analyze_unverified(path: Option<&Path>, text: &str) -> Analysis {
    analyze_with(path, text, false, Options::default())
}

fn analyze_with(path: Option<&Path>, text: &str, verify: bool, options: Options<'_>) -> Analysis {
    let mut parsed = syntax::parse(text);
    let mut diagnostics = parsed.diagnostics;
    let own_decls = parsed.file.decls.len();
    let sources = if modules::imports_anything(&parsed.file) {
        modules::resolve(
            path,
            text.len(),
            &mut parsed.file,
            options,
            &mut diagnostics,
        )
    } else {
        Sources::default()
    };
    let flow_dir = path.map(|p| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    });
    let mut model = names::collect(&parsed.file, flow_dir, &sources, &mut diagnostics);
    let walked = types::check(&parsed.file, &model, &mut diagnostics);
    checks::check(&parsed.file, &model, &walked, &mut diagnostics);
    syntax::cascade::withhold(text, &parsed.file, &parsed.recovered, &mut diagnostics);
    if !sources.is_empty() {
        // A shared file offers more than each flow that imports it uses.
        diagnostics.retain(|d| {
            d.code != checks::codes::UNUSED || sources.file_of(d.primary.span.start) == FileId::Root
        });
    }
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
        sources,
        own_decls,
    }
}
