//! Template files in the editor: links from `file "..."` to the file, the
//! problems the checker finds inside each file published on that file's
//! own lines, and the flows that use a file checked again when it changes
//! on disk (`workspace/didChangeWatchedFiles`).

use crate::documents::{Published, Snapshot};
use crate::position;
use dun_compiler::ide::LineMap;
use dun_compiler::syntax::ast::Span;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{self as lsp, DocumentLink, Uri};

pub fn links(s: &Snapshot) -> Option<Vec<DocumentLink>> {
    let links: Vec<DocumentLink> = s
        .doc
        .template_links()
        .into_iter()
        .filter_map(|l| {
            Some(DocumentLink {
                range: s.range(l.span),
                target: Some(Uri::from_file_path(&l.path)?),
                // Not every client shows tooltips (a capability); the link
                // speaks for itself.
                tooltip: None,
                data: None,
            })
        })
        .collect();
    (!links.is_empty()).then_some(links)
}

/// Whether `path` is a template file the snapshot's flow reads.
pub fn uses(s: &Snapshot, path: &Path) -> bool {
    s.doc.template_links().iter().any(|l| l.path == path)
}

/// Diagnostics for every template file of the flow (an empty list for a
/// file without problems, so that fixed problems disappear).
pub fn diagnostics(s: &Snapshot, errors_page: &str) -> Vec<Published> {
    let mut by_file: BTreeMap<PathBuf, (String, Vec<lsp::Diagnostic>)> = BTreeMap::new();
    for link in s.doc.template_links() {
        by_file
            .entry(link.path.clone())
            .or_insert_with(|| (link.text.clone(), Vec::new()));
    }
    for found in s.doc.template_file_diagnostics() {
        let Some((text, list)) = by_file.get_mut(&found.path) else {
            continue;
        };
        let lines = LineMap::new(text);
        let start = lines.line_start(found.line);
        let end = lines.line_end(text, found.line);
        let range =
            position::range_to_lsp(lines.range(text, Span::new(start, end.max(start)), s.encoding));
        let mut d = crate::diagnostics::one(s, &found.diagnostic, errors_page);
        d.range = range;
        d.related_information = Some(vec![lsp::DiagnosticRelatedInformation {
            location: s.location(found.diagnostic.primary.span),
            message: "the template that reads this file".into(),
        }]);
        list.push(d);
    }
    by_file
        .into_iter()
        .filter_map(|(path, (_, diagnostics))| {
            Some(Published {
                uri: Uri::from_file_path(&path)?,
                version: None,
                diagnostics,
            })
        })
        .collect()
}
