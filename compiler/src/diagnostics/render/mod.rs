//! Renderers of the one diagnostic model, shared by the command line, the
//! tests and the language server so that every front end shows the same
//! positions and words: `human` (miette, for people), `json` (one document for
//! scripts), `github` (workflow commands that annotate pull requests) and
//! `sarif` (SARIF 2.1.0 for code-scanning dashboards).

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
mod trim;

use super::{Diagnostic, LineIndex, Severity};
use crate::syntax::ast::Span;
use serde::Serialize;
use std::fmt;
use std::ops::Range;

/// One checked file and what analysis said about it.
#[derive(Clone, Copy, Debug)]
pub struct FileReport<'a> {
    /// The path as shown to people and written into reports: relative where
    /// possible, with forward slashes, so that reports are the same on every
    /// machine.
    pub path: &'a str,
    pub text: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

/// How many diagnostics of each severity a set of files produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Summary {
    pub fn of(files: &[FileReport<'_>]) -> Self {
        let mut summary = Summary::default();
        for file in files {
            for diagnostic in file.diagnostics {
                summary.count(diagnostic);
            }
        }
        summary
    }

    pub fn count(&mut self, diagnostic: &Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }

    /// The closing line of `dun check`: `checked 7 files: 2 errors, 1 warning`.
    pub fn describe(&self, files: usize) -> String {
        let mut parts = Vec::new();
        for (count, word) in [
            (self.errors, "error"),
            (self.warnings, "warning"),
            (self.notes, "note"),
        ] {
            if count > 0 {
                parts.push(plural(count, word));
            }
        }
        let findings = if parts.is_empty() {
            "no problems found".to_string()
        } else {
            parts.join(", ")
        };
        format!("checked {}: {findings}", plural(files, "file"))
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// A 1-based line and a 1-based column counted in characters (Unicode code
/// points), the way editors and people count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Start and end (just after the last character) of a span.
pub(crate) fn positions(text: &str, lines: &LineIndex, span: Span) -> (Position, Position) {
    let range = clamp(text, span);
    let at = |offset| {
        let (line, column) = lines.line_col(text, offset);
        Position { line, column }
    };
    (at(range.start), at(range.end))
}

/// The span as a byte range that is safe to slice `text` with: inside the
/// text, on character boundaries, start not after end. A span from a buggy
/// pass must degrade the report, never crash it.
pub(crate) fn clamp(text: &str, span: Span) -> Range<usize> {
    let floor = |offset: usize| {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_files_and_findings_in_plain_words() {
        let none = Summary::default();
        assert_eq!(none.describe(1), "checked 1 file: no problems found");
        let some = Summary {
            errors: 2,
            warnings: 1,
            notes: 0,
        };
        assert_eq!(some.describe(7), "checked 7 files: 2 errors, 1 warning");
    }

    #[test]
    fn spans_outside_the_text_or_inside_a_character_are_clamped() {
        let text = "añb";
        assert_eq!(clamp(text, Span::new(2, 99)), 1..4);
        assert_eq!(clamp(text, Span::new(3, 1)), 3..3);
    }
}
