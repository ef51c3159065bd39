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

/// A range of a template file, from byte offsets into its text.
fn file_range(text: &str, span: Span, encoding: dun_compiler::ide::Encoding) -> lsp::Range {
    position::range_to_lsp(LineMap::new(text).range(text, span, encoding))
}

/// The placeholders of the flow's template files that name what the name
/// at `at` names, as locations in those files.
pub fn references(s: &Snapshot, at: lsp::Position) -> Vec<lsp::Location> {
    let links = s.doc.template_links();
    s.doc
        .template_file_references(s.offset(at))
        .into_iter()
        .filter_map(|place| {
            let link = links.iter().find(|l| l.path == place.path)?;
            Some(lsp::Location::new(
                Uri::from_file_path(&place.path)?,
                file_range(&link.text, place.span, s.encoding),
            ))
        })
        .collect()
}

/// A rename in the flow and in the placeholders of its template files, as
/// one workspace edit; `Err` carries the reason it is refused.
pub fn rename(
    s: &Snapshot,
    at: lsp::Position,
    new_name: &str,
) -> Result<lsp::WorkspaceEdit, String> {
    let (edits, files) = s
        .doc
        .rename_with_template_files(s.offset(at), new_name)
        .map_err(|e| e.0)?;
    let mut edit = crate::queries::workspace_edit(s, edits);
    let links = s.doc.template_links();
    let changes = edit.changes.get_or_insert_with(Default::default);
    for f in files {
        let (Some(link), Some(uri)) = (
            links.iter().find(|l| l.path == f.path),
            Uri::from_file_path(&f.path),
        ) else {
            continue;
        };
        let range = file_range(&link.text, f.edit.span, s.encoding);
        changes
            .entry(uri)
            .or_default()
            .push(lsp::TextEdit::new(range, f.edit.new_text));
    }
    Ok(edit)
}

/// A name under the cursor in a template file.
pub struct InTemplateFile {
    /// The open flow that reads the file.
    pub flow: std::sync::Arc<Snapshot>,
    /// Where the name is declared in that flow.
    pub declaration: lsp::Position,
    /// The name in the file.
    pub range: lsp::Range,
}

/// A request made inside a template file (a file the server does not
/// analyse itself): the open flow that reads it and the name there; `None`
/// when no open flow reads the file or no name is there.
pub fn in_template_file(
    snapshots: &[std::sync::Arc<Snapshot>],
    uri: &Uri,
    at: lsp::Position,
) -> Option<InTemplateFile> {
    let path = uri.to_file_path()?;
    snapshots.iter().find_map(|s| {
        let link = s
            .doc
            .template_links()
            .into_iter()
            .find(|l| l.path == path)?;
        let offset =
            LineMap::new(&link.text).offset(&link.text, position::from_lsp(at), s.encoding);
        let (name, decl) = s.doc.template_file_declaration(&path, offset)?;
        Some(InTemplateFile {
            flow: s.clone(),
            declaration: s.range(decl).start,
            range: file_range(&link.text, name, s.encoding),
        })
    })
}
