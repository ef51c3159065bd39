//! Workspace symbols: the declarations, stages, steps and tests of a file
//! as a flat list with the name of what holds each, filtered by what the
//! user typed. The server gathers them over every flow of the workspace.

use super::{Document, SymbolKind};
use crate::syntax::ast::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The name's span in the file.
    pub selection: Span,
    /// What holds it (`stage calls` for a step), if anything.
    pub container: Option<String>,
}

/// Whether `query` matches `name`: its characters appear in `name` in
/// order, ignoring case (`plof` finds `plan_offer`), as editors' fuzzy
/// pickers expect. An empty query matches everything.
pub fn matches(query: &str, name: &str) -> bool {
    let mut wanted = query.chars().flat_map(char::to_lowercase).peekable();
    for c in name.chars().flat_map(char::to_lowercase) {
        if wanted.peek() == Some(&c) {
            wanted.next();
        }
    }
    wanted.peek().is_none()
}

pub(crate) fn workspace_symbols(doc: &Document, query: &str) -> Vec<WorkspaceSymbol> {
    let mut out = Vec::new();
    let mut stack: Vec<(Option<String>, Vec<super::DocumentSymbol>)> =
        vec![(None, doc.document_symbols())];
    while let Some((container, symbols)) = stack.pop() {
        for symbol in symbols {
            // Steps are named after their keyword (`send`, `wait`): only
            // names someone would search for are listed.
            let named = symbol.kind != SymbolKind::Step && !symbol.name.is_empty();
            if named && matches(query, &symbol.name) {
                out.push(WorkspaceSymbol {
                    name: symbol.name.clone(),
                    kind: symbol.kind,
                    selection: symbol.selection,
                    container: container.clone(),
                });
            }
            if !symbol.children.is_empty() {
                stack.push((Some(symbol.name.clone()), symbol.children));
            }
        }
    }
    out.sort_by_key(|s| s.selection.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matching_ignores_case_and_gaps() {
        assert!(matches("plof", "plan_offer"));
        assert!(matches("", "anything"));
        assert!(matches("PLAN", "plan_offer"));
        assert!(!matches("offerplan", "plan_offer"));
    }

    #[test]
    fn stages_and_tests_are_found_by_part_of_their_name() {
        let text =
            "flow f\nstart calls\nevent paid\nstage calls {\n  wait 1 day\n  goto calls\n}\n\
                    test \"calls go on\" {\n  expect stage calls\n}\n";
        let doc = Document::new(None, text);
        let names: Vec<(String, SymbolKind)> = doc
            .workspace_symbols("cal")
            .into_iter()
            .map(|s| (s.name, s.kind))
            .collect();
        assert!(
            names.contains(&("calls".into(), SymbolKind::Stage)),
            "{names:?}"
        );
        assert!(
            names.contains(&("calls go on".into(), SymbolKind::Test)),
            "{names:?}"
        );
        assert!(!names.iter().any(|(n, _)| n == "paid"), "{names:?}");
        assert!(doc
            .workspace_symbols("paid")
            .iter()
            .any(|s| s.kind == SymbolKind::Event));
    }
}
