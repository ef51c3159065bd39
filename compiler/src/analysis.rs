//! The one entry point every front end uses: parse, resolve, check.

use crate::diagnostics::{self, Diagnostic};
use crate::syntax::{self, ast};
use std::path::Path;

/// Everything known about one file after analysis. Front ends (CLI, language
/// server, lowering) read from here and never re-parse.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub file: ast::File,
    /// Sorted by position (`diagnostics::sort`).
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyses a flow. `path` locates template files (`file "..."` is relative
/// to the flow's folder); `None` for unsaved buffers, where file templates
/// are reported as unresolvable.
pub fn analyze(_path: Option<&Path>, text: &str) -> Analysis {
    // CONTRACT PLACEHOLDER: names, types and structure checks are added on
    // branch `checker`.
    let parsed = syntax::parse(text);
    let mut diagnostics = parsed.diagnostics;
    diagnostics::sort(&mut diagnostics);
    Analysis {
        file: parsed.file,
        diagnostics,
    }
}
