//! Text → owned AST (`ast`), with recovery per declaration and per step.
//!
//! A clean file is parsed by one pest call. When that fails, the file is cut
//! into declarations (`recovery`), each parsed strictly for an exact message,
//! so one typo never hides the rest of the file from the checker.

mod arrangements;
pub mod ast;
mod build;
pub mod cascade;
mod charges;
mod deadlines;
mod errors;
mod expr;
mod grammar;
pub(crate) mod keywords;
pub(crate) mod lexer;
mod limits;
mod migrate;
pub mod precedence;
mod recovery;
mod scan;
mod settlements;
mod template_text;
mod templates_lang;

#[cfg(test)]
mod tests;

use crate::diagnostics::Diagnostic;
pub use recovery::{BrokenDecl, Recovered};
pub(crate) use template_text::expression_at;
pub use template_text::parse_template_text;

use build::Builder;
use grammar::{DunParser, Rule};
use pest::Parser;

pub(crate) const TOO_LARGE: &str = "dun::syntax::too_large";
/// The most bytes one flow file (or one flow with its imports) may hold.
pub(crate) const MAX_FILE_BYTES: usize = limits::MAX_FILE_BYTES;

/// The result of parsing one file: the declarations that parsed (broken ones
/// are left out) and one diagnostic per broken declaration or step.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub file: ast::File,
    pub diagnostics: Vec<Diagnostic>,
    /// What recovery could not read; empty for a file that parses.
    pub recovered: Recovered,
}

/// Parses a whole flow file. Never panics, whatever the text.
pub fn parse(text: &str) -> Parsed {
    if text.len() > limits::MAX_FILE_BYTES {
        let diagnostic = Diagnostic::error(
            TOO_LARGE,
            format!(
                "this file is {} MiB, more than the {} MiB a flow file may hold",
                text.len() / (1024 * 1024),
                limits::MAX_FILE_BYTES / (1024 * 1024)
            ),
            ast::Span::new(0, 0),
        )
        .with_label("file too large")
        .with_help("split the portfolio's flows into several files");
        return Parsed {
            file: ast::File {
                decls: Vec::new(),
                comments: Vec::new(),
            },
            diagnostics: vec![diagnostic],
            recovered: Recovered::default(),
        };
    }
    let scan = scan::scan(text, limits::MAX_DEPTH);
    if let Some(span) = scan.too_deep {
        let diagnostic = Diagnostic::error(
            expr::TOO_DEEP,
            format!(
                "brackets are nested more than {} deep here",
                limits::MAX_DEPTH
            ),
            span,
        )
        .with_label("too deeply nested")
        .with_help(
            "flatten the nesting: name parts of a condition with `segment`, or move nested steps into a stage of their own",
        );
        return Parsed {
            file: ast::File {
                decls: Vec::new(),
                comments: scan.comments,
            },
            diagnostics: vec![diagnostic],
            recovered: Recovered::default(),
        };
    }
    match DunParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let builder = Builder::new(0, &scan.docs);
            let decls = pairs
                .next()
                .map(|file| builder.file(file))
                .unwrap_or_default();
            Parsed {
                file: ast::File {
                    decls,
                    comments: scan.comments,
                },
                diagnostics: builder.into_diagnostics(),
                recovered: Recovered::default(),
            }
        }
        Err(err) => {
            let outcome = recovery::recover(text, scan, &err);
            Parsed {
                file: ast::File {
                    decls: outcome.decls,
                    comments: outcome.comments,
                },
                diagnostics: outcome.diagnostics,
                recovered: outcome.recovered,
            }
        }
    }
}

/// Parses an imported file whose first byte is at `base` in the flow's span
/// space (`crate::modules`). The text is parsed behind `base` line breaks,
/// so that every span the parser makes, in every path it takes (one pest
/// call, recovery per declaration, doc comments found by the pre-pass), is
/// already an offset in that space, and the file's first line is still the
/// start of a line. Costs `base` bytes and their skipping, only for imports.
pub fn parse_at(text: &str, base: usize) -> Parsed {
    if base == 0 {
        return parse(text);
    }
    let mut padded = String::with_capacity(base + text.len());
    padded.extend(std::iter::repeat_n('\n', base));
    padded.push_str(text);
    parse(&padded)
}
