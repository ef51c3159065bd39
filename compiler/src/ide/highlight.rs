//! Document highlight: the other places the name under the cursor is
//! written, each marked as where it is declared or where it is used. Built
//! on [`Document::references`] and [`Document::definition`], so it lists
//! exactly what "find references" lists.

use super::Document;
use crate::syntax::ast::Span;

/// Whether an occurrence declares the name or uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HighlightKind {
    Declaration,
    Use,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Highlight {
    pub span: Span,
    pub kind: HighlightKind,
}

pub(crate) fn document_highlights(doc: &Document, offset: usize) -> Vec<Highlight> {
    let declared = doc.definition(offset);
    doc.references(offset, true)
        .into_iter()
        .map(|span| Highlight {
            span,
            kind: if declared.contains(&span) {
                HighlightKind::Declaration
            } else {
                HighlightKind::Use
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_is_declared_once_and_used_by_each_goto() {
        let text = "flow f\nstart calls\nstage calls {\n  wait 1 day\n  goto calls\n}\n";
        let doc = Document::new(None, text);
        let at = doc.span_of_line_text(4, "calls").start as usize;
        let found = doc.document_highlights(at);
        assert_eq!(
            found,
            vec![
                Highlight {
                    span: doc.span_of_line_text(1, "calls"),
                    kind: HighlightKind::Use
                },
                Highlight {
                    span: doc.span_of_line_text(2, "calls"),
                    kind: HighlightKind::Declaration
                },
                Highlight {
                    span: doc.span_of_line_text(4, "calls"),
                    kind: HighlightKind::Use
                },
            ]
        );
        // Nothing to highlight on a keyword.
        assert!(doc
            .document_highlights(doc.span_of_line_text(3, "wait").start as usize)
            .is_empty());
    }
}
