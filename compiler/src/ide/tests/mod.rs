//! Editor queries, tested without any protocol. A fixture marks the cursor
//! with `$0`; queries on the reference flow (`consumer_early.dun`, the
//! language reference's example with doc comments and multi-byte text) find their
//! spot by a snippet of that flow with `$0` inside it.

mod actions;
mod complete;
mod editor_fixes;
mod hints;
mod hover;
mod navigate;
mod outline;

use super::{Document, Encoding};
use crate::syntax::ast::Span;
use std::path::{Path, PathBuf};

pub(super) const FLOW: &str = include_str!("consumer_early.dun");

fn flow_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ide/tests/consumer_early.dun")
}

/// The text without its `$0` marker, and the marker's byte offset.
pub(super) fn cursor(fixture: &str) -> (String, usize) {
    let offset = fixture
        .find("$0")
        .unwrap_or_else(|| panic!("fixture has no `$0` cursor:\n{fixture}"));
    (fixture.replacen("$0", "", 1), offset)
}

/// A small fixture with a `$0` cursor.
pub(super) fn doc_at(fixture: &str) -> (Document, usize) {
    let (text, offset) = cursor(fixture);
    (Document::new(None, text), offset)
}

/// The reference flow, with the cursor where `$0` sits in `snippet` (a
/// piece of the flow that occurs once).
pub(super) fn flow_at(snippet: &str) -> (Document, usize) {
    let (plain, inner) = cursor(snippet);
    let mut found = FLOW.match_indices(&plain);
    let (start, _) = found
        .next()
        .unwrap_or_else(|| panic!("`{plain}` is not in the reference flow"));
    assert!(found.next().is_none(), "`{plain}` occurs twice in the flow");
    (Document::new(Some(&flow_path()), FLOW), start + inner)
}

pub(super) fn flow() -> Document {
    Document::new(Some(&flow_path()), FLOW)
}

/// The line of `offset` with a caret under the cursor, as a snapshot shows it.
pub(super) fn show_cursor(doc: &Document, offset: usize) -> String {
    let pos = doc.position(offset, Encoding::Utf8);
    let line = pos.line as usize;
    let start = doc.lines().line_start(line);
    let end = doc.lines().line_end(doc.text(), line);
    let text = &doc.text()[start..end];
    let col = doc.text()[start..offset].chars().count();
    format!("{text}\n{}^", " ".repeat(col))
}

/// The spans as `line:col text` lines (1-based, columns in characters).
pub(super) fn show_spans(doc: &Document, spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            let pos = doc.position(s.start as usize, Encoding::Utf16);
            format!(
                "{}:{} `{}`",
                pos.line + 1,
                pos.character + 1,
                &doc.text()[s.range()]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
