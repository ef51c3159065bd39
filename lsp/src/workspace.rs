//! Workspace symbols: every open flow as the editor has it, and the other
//! `.dun` files of the workspace's folders as they are on disk. The walk is
//! bounded (depth, file count, file size) so that a huge folder opened by
//! mistake costs a bounded answer, never a stalled server.

use crate::documents::Snapshot;
use dun_compiler::ide::{Document, Encoding, WorkspaceSymbol};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{self as lsp, Location, Uri};

/// Folders below a workspace folder that are looked into.
const MAX_DEPTH: usize = 8;
/// Flow files read from disk per request.
pub const MAX_FILES: usize = 500;
/// A larger file is not a flow anyone edits; it is left out.
const MAX_FILE_BYTES: u64 = 4 << 20;
/// Symbols per answer: a picker shows a few dozen.
pub const MAX_SYMBOLS: usize = 2_000;

/// The `.dun` files under `roots`, skipping hidden folders and `target`,
/// at most [`MAX_FILES`] of them.
pub fn flow_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending: Vec<(PathBuf, usize)> = roots.iter().map(|r| (r.clone(), 0)).collect();
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // Not following links keeps the walk inside the folders.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DEPTH && !name.starts_with('.') && name != "target" {
                    pending.push((entry.path(), depth + 1));
                }
            } else if kind.is_file() && name.ends_with(".dun") {
                if found.len() >= MAX_FILES {
                    return found;
                }
                found.push(entry.path());
            }
        }
    }
    found
}

/// The symbols of the open documents, then of the flows on disk that are
/// not open, matching `query`.
pub fn symbols(
    open: Vec<Arc<Snapshot>>,
    roots: &[PathBuf],
    query: &str,
    encoding: Encoding,
) -> Vec<lsp::SymbolInformation> {
    let mut out = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for s in &open {
        if let Some(path) = s.uri.to_file_path() {
            seen.insert(path.into_owned());
        }
        for symbol in s.doc.workspace_symbols(query) {
            out.push(information(&s.uri, symbol, |span| s.range(span)));
        }
    }
    for path in flow_files(roots) {
        if out.len() >= MAX_SYMBOLS || seen.contains(&path) {
            continue;
        }
        let Some(doc) = read(&path) else { continue };
        let Some(uri) = Uri::from_file_path(&path) else {
            continue;
        };
        for symbol in doc.workspace_symbols(query) {
            out.push(information(&uri, symbol, |span| {
                crate::position::range_to_lsp(doc.range(span, encoding))
            }));
        }
    }
    out.truncate(MAX_SYMBOLS);
    out
}

fn read(path: &Path) -> Option<Document> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some(Document::new(Some(path), text))
}

fn information(
    uri: &Uri,
    symbol: WorkspaceSymbol,
    range: impl Fn(dun_compiler::syntax::ast::Span) -> lsp::Range,
) -> lsp::SymbolInformation {
    #[allow(deprecated)] // `deprecated` is a required field of the type
    lsp::SymbolInformation {
        name: symbol.name,
        kind: crate::queries::symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        location: Location::new(uri.clone(), range(symbol.selection)),
        container_name: symbol.container,
    }
}
