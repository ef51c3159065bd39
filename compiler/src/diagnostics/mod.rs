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

/// What a diagnostic about an unknown name advises: the closest known name
/// (a "did you mean" and a fix that writes it over the misspelt name at the
/// primary span), or other advice when no known name is close. Built by
/// `names::near_miss`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suggestion {
    Near {
        written: String,
        near: String,
        /// What the fix writes: the name, or the name in quotes where the
        /// misspelt one is a quoted text (a time zone).
        replacement: String,
    },
    Advice(String),
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
    /// The help of a diagnostic about an unknown name. A close known name
    /// becomes "did you mean `x`?" and a fix that puts it where the
    /// misspelt name is (the primary span): not safe, the author may mean
    /// another name, so `dun check --fix` applies it only with
    /// `--unsafe-fixes`.
    pub fn with_suggestion(self, suggestion: Suggestion) -> Self {
        match suggestion {
            Suggestion::Near {
                written,
                near,
                replacement,
            } => {
                let span = self.primary.span;
                let title = format!("Change `{written}` to `{near}`");
                self.with_help(format!("did you mean `{near}`?"))
                    .with_fix(Fix::replace(title, span, replacement, false))
            }
            Suggestion::Advice(help) => self.with_help(help),
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
