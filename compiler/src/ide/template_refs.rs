//! Names inside template files (`template x for letter file "x.txt"`):
//! `{promised_amount}` names a variable of the flow, `{account.balance}` an
//! account field. The checker resolves them into
//! `Usage::resolved_in_files`, by offsets into the file's parsed text;
//! here they become places in the file's own text, so that references list
//! them, a rename rewrites them with the flow, and a request made inside a
//! placeholder of the file answers for the name it names.

use super::index::{self, Target};
use super::navigate::{self, RenameError, TextEdit};
use super::Document;
use crate::names::template_file::file_offset;
use crate::syntax::ast::Span;
use std::path::PathBuf;

/// A place in a template file: the file, and byte offsets into its text
/// (as `TemplateLink::text` holds it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileSpan {
    pub path: PathBuf,
    pub span: Span,
}

/// A replacement in a template file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileEdit {
    pub path: PathBuf,
    pub edit: TextEdit,
}

/// Every resolved name in the flow's template files, with what it names,
/// by file and position.
fn occurrences(doc: &Document) -> Vec<(FileSpan, Target)> {
    let model = &doc.analysis.model;
    let mut out = Vec::new();
    for t in model.templates.iter() {
        let (Some(file), Some(resolved)) = (&t.file, model.usage.resolved_in_files.get(&t.name))
        else {
            continue;
        };
        for (&span, &id) in resolved {
            let Some(target) = index::target(model, id) else {
                continue;
            };
            let start = file_offset(file, span.start as usize);
            let end = file_offset(file, span.end as usize);
            if let (Some(start), Some(end)) = (start, end) {
                let place = FileSpan {
                    path: file.path.clone(),
                    span: Span::new(start, end),
                };
                out.push((place, target));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The places in template files that name `target`, in file order.
pub(crate) fn of(doc: &Document, target: &Target) -> Vec<FileSpan> {
    occurrences(doc)
        .into_iter()
        .filter(|(_, t)| t == target)
        .map(|(place, _)| place)
        .collect()
}

/// The places in template files that name what the name at `offset` of
/// the flow names.
pub(crate) fn references(doc: &Document, offset: usize) -> Vec<FileSpan> {
    match doc.index.at(offset) {
        Some(occ) => of(doc, &occ.target),
        None => Vec::new(),
    }
}

/// A rename at `offset` of the flow, with the placeholders of its template
/// files: the flow's edits and the files' edits.
pub(crate) fn rename(
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Result<(Vec<TextEdit>, Vec<FileEdit>), RenameError> {
    let edits = navigate::rename_in_flow(doc, offset, new_name)?;
    let Some(occ) = doc.index.at(offset) else {
        return Ok((edits, Vec::new()));
    };
    if edits.is_empty() {
        return Ok((edits, Vec::new()));
    }
    let files = of(doc, &occ.target)
        .into_iter()
        .map(|place| FileEdit {
            path: place.path,
            edit: TextEdit {
                span: place.span,
                new_text: new_name.to_string(),
            },
        })
        .collect();
    Ok((edits, files))
}

/// The name written at byte `offset` of the template file `path`: its
/// span in the file, and the span of its declaration in the flow, where a
/// query (references, rename, definition) answers for it.
pub(crate) fn declaration_of(
    doc: &Document,
    path: &std::path::Path,
    offset: usize,
) -> Option<(Span, Span)> {
    let (place, target) = occurrences(doc)
        .into_iter()
        .find(|(place, _)| place.path == path && place.span.contains(offset))?;
    let decl = doc.index.declarations(&target).into_iter().next()?;
    Some((place.span, decl))
}
