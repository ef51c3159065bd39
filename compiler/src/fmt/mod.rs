//! `dun fmt`: one canonical layout for every flow file, with no options.
//!
//! The rules (2-space indentation, one step a line, lists in braces on one
//! line when they fit in 100 columns, comments kept where they were) are
//! documented in `docs/fmt-and-graph.md`. The formatter never changes what a
//! flow means and never drops a comment: before returning, it parses its own
//! output and compares the trees and the comments with the input's, and
//! refuses to answer if they differ.

mod expr;
mod items;
mod layout;
mod tree;

pub(crate) use expr::duration;
pub use expr::Spelling;
pub use items::type_expr;
pub use tree::{comment_texts, same_meaning, shape};

use crate::diagnostics::Diagnostic;
use crate::syntax::{self, ast};
use layout::Printer;

/// Formats a flow file. A file with syntax errors is not formatted: its
/// diagnostics come back instead, and the caller leaves the file alone.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(text);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(parsed.diagnostics);
    }
    let (out, written) = print(text, &parsed.file);
    if written != parsed.file.comments.len() {
        return Err(vec![refusal(
            "the formatter would have lost a comment of this file",
        )]);
    }
    let again = syntax::parse(&out);
    if again.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(vec![refusal(
            "the formatter produced text that does not parse",
        )]);
    }
    if !same_meaning(&parsed.file, &again.file) {
        return Err(vec![refusal(
            "the formatter would have changed what this flow means",
        )]);
    }
    if comment_texts(&parsed.file) != comment_texts(&again.file) {
        return Err(vec![refusal(
            "the formatter would have moved or changed a comment",
        )]);
    }
    Ok(out)
}

/// Prints a parsed file in the canonical layout, without the safety checks
/// of [`format`]. Returns the text and how many comments it wrote.
pub fn print(text: &str, file: &ast::File) -> (String, usize) {
    let mut printer = Printer::new(text, &file.comments);
    printer.file(file);
    printer.finish_file()
}

/// Canonical spelling of one expression, as the formatter writes it
/// (used by `dun graph` for edge labels, so they do not depend on layout).
pub fn expr_text(text: &str, e: &ast::Expr) -> String {
    Spelling { src: text }.expr(e)
}

/// A unified diff between the file as it is and as `dun fmt` would write
/// it, with git's `a/PATH` and `b/PATH` headers (so `git apply` takes it).
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    let path = path.trim_start_matches('/');
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

fn refusal(what: &str) -> Diagnostic {
    Diagnostic::error(
        "dun::fmt::refused",
        format!("{what}, so the file was left unchanged"),
        ast::Span::default(),
    )
    .with_label("this file")
    .with_help(
        "This is a bug in `dun fmt`, not in your flow. Please report it with the file attached.",
    )
}
