//! One diagnostic model for every front end: the terminal (miette), JSON,
//! GitHub workflow commands, SARIF and the language server all render this.

pub mod catalog;
pub mod edits;
mod lines;
pub mod registry;
pub mod render;

pub use lines::LineIndex;

use crate::syntax::ast::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code such as `dun::types::mismatch`; documented in
    /// `docs/errors.md` and printed by `dun explain`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is, with a short label ("this is text").
    pub primary: Label,
    /// Other places that explain it (the first declaration of a duplicate).
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Fixes as edits of the text, for `dun check --fix` and the editor's
    /// quick fixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
}

/// One change of the text: `span` replaced by `replacement` (an insertion
/// when the span is empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A suggestion as edits. `safe` fixes keep what the author evidently
/// meant (a missing quote, a currency in capitals) and `dun check --fix`
/// applies them; the others (a name swapped for the closest known one) are
/// offered in the editor, where the author chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub safe: bool,
}

impl Fix {
    /// One replacement.
    pub fn replace(
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
        safe: bool,
    ) -> Self {
        Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                replacement: replacement.into(),
            }],
            safe,
        }
    }
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self::new(Severity::Error, code, message, span)
    }
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self::new(Severity::Warning, code, message, span)
    }
    pub fn note(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self::new(Severity::Note, code, message, span)
    }
    /// The short text under the primary span.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.primary.message = label.into();
        self
    }
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }
    /// The fix that puts `name` where the misspelt `written` is (the
    /// primary span), for a close match: not safe, the author may mean
    /// another name.
    pub fn with_name_fix(self, written: &str, name: Option<&str>) -> Self {
        match name {
            Some(name) => {
                let span = self.primary.span;
                let title = format!("Change `{written}` to `{name}`");
                self.with_fix(Fix::replace(title, span, name, false))
            }
            None => self,
        }
    }
    /// What the registry says about this diagnostic's code.
    pub fn info(&self) -> Option<&'static registry::CodeInfo> {
        registry::lookup(self.code)
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts by position, then severity, so output is stable whatever order the
/// passes ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.primary.span.start, a.primary.span.end, a.severity, a.code).cmp(&(
            b.primary.span.start,
            b.primary.span.end,
            b.severity,
            b.code,
        ))
    });
}
