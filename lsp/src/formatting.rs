//! Formatting through `dun fmt`'s formatter: the whole document is one
//! edit (the editor keeps the cursor by diffing), none when it is already
//! in the canonical layout.

use crate::documents::Snapshot;
use dun_compiler::syntax::ast::Span;
use tower_lsp_server::ls_types::TextEdit;

/// The edits, or why there are none: `Err(None)` when the file has syntax
/// errors (already shown as diagnostics), `Err(Some(reason))` when the
/// formatter refused to answer.
pub fn format(s: &Snapshot) -> Result<Vec<TextEdit>, Option<String>> {
    let text = s.text();
    match dun_compiler::fmt::format(text) {
        Ok(out) if out == text => Ok(Vec::new()),
        Ok(out) => {
            let whole = s.range(Span::new(0, text.len()));
            Ok(vec![TextEdit::new(whole, out)])
        }
        Err(diagnostics) => {
            if diagnostics
                .iter()
                .any(|d| d.code.starts_with("dun::syntax"))
            {
                Err(None)
            } else {
                Err(Some(
                    diagnostics
                        .first()
                        .map(|d| format!("dun fmt: {}", d.message))
                        .unwrap_or_else(|| "dun fmt refused to format this file".into()),
                ))
            }
        }
    }
}
