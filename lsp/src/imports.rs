//! Flows made of several files in the editor: a span in an imported file is
//! a location in that file, the diagnostics the flow's analysis finds in an
//! imported file are published in it, imports read the editor's open
//! buffers before the disk, and a flow is checked again when a file it
//! imports changes.

use crate::documents::{Published, Snapshot};
use crate::position;
use dun_compiler::ide::LineMap;
use dun_compiler::modules::{Disk, FileId, Loader};
use dun_compiler::syntax::ast::Span;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// The location of `span` when it lies in a file the snapshot's flow
/// imports; `None` for a span of the document itself.
pub fn location(s: &Snapshot, span: Span) -> Option<lsp::Location> {
    let sources = &s.doc.analysis().sources;
    let (FileId::Imported(i), local) = sources.local(span) else {
        return None;
    };
    let file = sources.imported.get(i)?;
    let uri = Uri::from_file_path(&file.real)?;
    let lines = LineMap::new(&file.text);
    let range = position::range_to_lsp(lines.range(&file.text, local, s.encoding));
    Some(lsp::Location::new(uri, range))
}

/// The diagnostics of every file the flow imports, each published in its
/// file (an empty list for a file without problems, so that fixed
/// problems disappear).
pub fn diagnostics(s: &Snapshot, errors_page: &str) -> Vec<Published> {
    let sources = &s.doc.analysis().sources;
    let mut by_file: Vec<Vec<lsp::Diagnostic>> = vec![Vec::new(); sources.imported.len()];
    for d in s.doc.diagnostics() {
        if let FileId::Imported(i) = sources.file_of(d.primary.span.start) {
            if let Some(list) = by_file.get_mut(i) {
                list.push(crate::diagnostics::one(s, d, errors_page));
            }
        }
    }
    sources
        .imported
        .iter()
        .zip(by_file)
        .filter_map(|(file, diagnostics)| {
            Some(Published {
                uri: Uri::from_file_path(&file.real)?,
                version: None,
                diagnostics,
            })
        })
        .collect()
}

/// Whether the snapshot's flow imports the file at `real` (every link
/// followed).
pub fn imports(s: &Snapshot, real: &Path) -> bool {
    s.doc.analysis().sources.find(real).is_some()
}

/// The file of a document, every link followed.
pub fn real_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path()?.canonicalize().ok()
}

/// Reads an imported file from the editor's buffer when it is open there
/// (as edited, saved or not), else from the disk.
pub struct OpenBuffers<'a>(pub &'a HashMap<PathBuf, String>);

impl Loader for OpenBuffers<'_> {
    fn load(&self, real: &Path) -> std::io::Result<String> {
        match self.0.get(real) {
            Some(text) => Ok(text.clone()),
            None => Disk.load(real),
        }
    }
}
