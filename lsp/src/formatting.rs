//! Formatting through `dun fmt`'s formatter. The whole document is one
//! edit (the editor keeps the cursor by diffing), none when it is already
//! in the canonical layout. A range is formatted by formatting the whole
//! file and keeping only the changed lines that meet the range: the
//! formatter's layout depends on the whole file (alignment, blank lines
//! between declarations), so no part is formatted on its own.

use crate::documents::Snapshot;
use dun_compiler::syntax::ast::Span;
use similar::{Algorithm, TextDiff};
use std::time::Duration;
use tower_lsp_server::ls_types::{Range, TextEdit};

/// A diff slower than this falls back to coarser hunks: still correct,
/// just less precise about what lies outside the range.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);

/// The edits, or why there are none: `Err(None)` when the file has syntax
/// errors (already shown as diagnostics), `Err(Some(reason))` when the
/// formatter refused to answer.
pub fn format(s: &Snapshot) -> Result<Vec<TextEdit>, Option<String>> {
    let text = s.text();
    let out = formatted(text)?;
    if out == text {
        return Ok(Vec::new());
    }
    let whole = s.range(Span::new(0, text.len()));
    Ok(vec![TextEdit::new(whole, out)])
}

/// The formatter's changes on the lines that `range` touches, each hunk of
/// changed lines as one edit; lines outside the range keep their text.
pub fn format_range(s: &Snapshot, range: Range) -> Result<Vec<TextEdit>, Option<String>> {
    let text = s.text();
    let out = formatted(text)?;
    let selected = s.span(range);
    let lines = s.doc.lines();
    let first = lines.line_of(selected.start as usize);
    let mut last = lines.line_of(selected.end as usize);
    // A selection ending at the start of a line does not include that line.
    if last > first && lines.line_start(last) == selected.end as usize {
        last -= 1;
    }
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: usize| {
        starts
            .get(line)
            .copied()
            .unwrap_or(text.len())
            .min(text.len())
    };
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DIFF_DEADLINE)
        .diff_lines(text, &out);
    let new_lines = diff.new_slices();
    let mut edits = Vec::new();
    for group in diff.grouped_ops(0) {
        let (Some(a), Some(b)) = (group.first(), group.last()) else {
            continue;
        };
        let old = a.old_range().start..b.old_range().end;
        let new = a.new_range().start..b.new_range().end;
        // A pure insertion touches the range when it lands inside it.
        let meets = if old.is_empty() {
            first <= old.start && old.start <= last + 1
        } else {
            old.start <= last && first < old.end
        };
        if !meets {
            continue;
        }
        let span = Span::new(offset(old.start), offset(old.end));
        let replacement: String = new_lines.get(new).unwrap_or_default().concat();
        edits.push(TextEdit::new(s.range(span), replacement));
    }
    Ok(edits)
}

fn formatted(text: &str) -> Result<String, Option<String>> {
    dun_compiler::fmt::format(text).map_err(|diagnostics| {
        if diagnostics
            .iter()
            .any(|d| d.code.starts_with("dun::syntax"))
        {
            None
        } else {
            Some(
                diagnostics
                    .first()
                    .map(|d| format!("dun fmt: {}", d.message))
                    .unwrap_or_else(|| "dun fmt refused to format this file".into()),
            )
        }
    })
}
