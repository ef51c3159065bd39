//! `import "policies/reg_f.dun"`: a flow made of several files.
//!
//! The flow's file is parsed as always; when it imports nothing, nothing
//! here runs beyond one look at its declarations. Otherwise each imported
//! file is found relative to the file that imports it, read once (however
//! many files import it), parsed into the flow's one span space
//! ([`Sources`]), and its declarations are appended to the flow's. Every
//! later pass (names, types, checks, lowering, verification) then sees one
//! program, so a name is resolved and checked across files by the same code
//! as within one, and a name declared in two files is the usual duplicate.
//!
//! What an imported file may hold and where it may be are decided here:
//! - declarations only: events, actions, calendars, policies, segments,
//!   variables, templates, the account block, the currency and further
//!   imports; never `flow`, `start`, stages, handlers, deadlines, `reenter`,
//!   `migrate` or tests, which make up one flow's behaviour;
//! - inside the flow's folder tree once every link is followed, or inside a
//!   folder the command line allows (`--allow-import-outside DIR`);
//! - no cycles; at most [`MAX_FILES`] files, and the flow with its imports
//!   at most the parser's bound on one file's size.

mod load;
mod sources;

pub use load::{Disk, Loader};
pub use sources::{FileDiagnostics, FileId, Imported, Sources};

use crate::diagnostics::{Diagnostic, LineIndex};
use crate::syntax::ast::Span;
use crate::syntax::{self, ast};
use std::path::{Component, Path, PathBuf};

pub const NOT_FOUND: &str = "dun::modules::not_found";
pub const OUTSIDE: &str = "dun::modules::outside";
pub const CYCLE: &str = "dun::modules::cycle";
pub const NOT_IN_LIBRARY: &str = "dun::modules::not_in_library";
pub const TOO_MANY: &str = "dun::modules::too_many";

/// Every code of this module, for the registry's test.
pub const ALL: &[&str] = &[NOT_FOUND, OUTSIDE, CYCLE, NOT_IN_LIBRARY, TOO_MANY];

/// The most files one flow may be made of, imports of imports included.
pub const MAX_FILES: usize = 256;

/// Where imports may be read from and how.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Folders outside the flow's folder tree that imports may read
    /// (`--allow-import-outside`), each with every link followed.
    pub allowed: &'a [PathBuf],
    /// Reads a file; the language server reads open buffers first.
    pub loader: &'a dyn Loader,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            allowed: &[],
            loader: &Disk,
        }
    }
}

/// Whether a file imports anything: the one cost a flow without imports
/// pays.
pub fn imports_anything(file: &ast::File) -> bool {
    file.decls.iter().any(|d| matches!(d, ast::Decl::Import(_)))
}

/// Reads every file `file` imports, directly or not, and appends their
/// declarations to it. `path` is the flow's file as the user named it,
/// `text_len` the length of its text;
/// the diagnostics go to `diags` with spans in the flow's span space.
pub fn resolve(
    path: Option<&Path>,
    text_len: usize,
    file: &mut ast::File,
    options: Options<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Sources {
    let mut sources = Sources::default();
    let imports: Vec<ast::ImportDecl> = own_imports(&file.decls);
    if imports.is_empty() {
        return sources;
    }
    let Some(path) = path else {
        for import in &imports {
            diags.push(
                Diagnostic::error(
                    NOT_FOUND,
                    "an unsaved flow cannot import files",
                    import.path.span,
                )
                .with_label("relative to the flow's folder")
                .with_help("save the flow file; imports are found next to it"),
            );
        }
        return sources;
    };
    let shown_dir = parent(path);
    let root_real = match path.canonicalize() {
        Ok(real) => real,
        Err(error) => {
            for import in &imports {
                diags.push(
                    Diagnostic::error(
                        NOT_FOUND,
                        format!(
                            "`{}` cannot be found to import from: {error}",
                            path.display()
                        ),
                        import.path.span,
                    )
                    .with_label("relative to the flow's folder")
                    .with_help("save the flow file; imports are found next to it"),
                );
            }
            return sources;
        }
    };
    let mut trees: Vec<PathBuf> = Vec::with_capacity(options.allowed.len() + 1);
    if let Some(dir) = root_real.parent() {
        trees.push(dir.to_path_buf());
    }
    trees.extend(options.allowed.iter().cloned());
    let mut walk = Walk {
        options,
        trees,
        sources: &mut sources,
        decls: Vec::new(),
        diags,
        // The flow's text ends where the first import may start.
        next_base: text_len as u32,
        stack: vec![root_real.clone()],
    };
    walk.imports(0, &shown_dir, root_real.parent(), &imports);
    let decls = std::mem::take(&mut walk.decls);
    file.decls.extend(decls);
    sources.root = Some(root_real);
    sources
}

/// The flow's own imports, in order.
fn own_imports(decls: &[ast::Decl]) -> Vec<ast::ImportDecl> {
    decls
        .iter()
        .filter_map(|d| match d {
            ast::Decl::Import(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

struct Walk<'a, 'd> {
    options: Options<'a>,
    /// The folder trees imports may read: the flow's folder first.
    trees: Vec<PathBuf>,
    sources: &'a mut Sources,
    /// The imported files' declarations, in the order the files were read.
    decls: Vec<ast::Decl>,
    diags: &'d mut Vec<Diagnostic>,
    next_base: u32,
    /// The files being read, the flow first: an import of one of them is
    /// a cycle.
    stack: Vec<PathBuf>,
}

impl Walk<'_, '_> {
    /// Reads the imports of one file (`importer`: 0 for the flow, else
    /// 1 + its index among the imported files).
    fn imports(
        &mut self,
        importer: usize,
        shown_dir: &Path,
        real_dir: Option<&Path>,
        imports: &[ast::ImportDecl],
    ) {
        let Some(real_dir) = real_dir else { return };
        for import in imports {
            self.import(importer, shown_dir, real_dir, import);
        }
    }

    fn import(
        &mut self,
        importer: usize,
        shown_dir: &Path,
        real_dir: &Path,
        import: &ast::ImportDecl,
    ) {
        let at = import.path.span;
        let Some(written) = import.path.plain() else {
            self.diags.push(
                Diagnostic::error(NOT_FOUND, "an import names a file, without `{...}`", at)
                    .with_label("a placeholder in a path")
                    .with_help("write the path as it is, e.g. `import \"policies/reg_f.dun\"`"),
            );
            return;
        };
        let shown = shown_path(shown_dir, &written);
        let full = real_dir.join(&written);
        let real = match full.canonicalize() {
            Ok(real) => real,
            Err(error) => {
                let d = if error.kind() == std::io::ErrorKind::NotFound {
                    Diagnostic::error(NOT_FOUND, format!("`{shown}` does not exist"), at)
                        .with_label("no such file")
                        .with_help(format!(
                            "create `{shown}` or correct the path; it is relative to the folder of the file that imports it"
                        ))
                } else {
                    Diagnostic::error(NOT_FOUND, format!("`{shown}` cannot be read: {error}"), at)
                        .with_label("unreadable")
                        .with_help("check that the file exists and can be read")
                };
                self.diags.push(d);
                return;
            }
        };
        if !self.trees.iter().any(|tree| real.starts_with(tree)) {
            let outside = parent(Path::new(&shown)).display().to_string();
            self.diags.push(
                Diagnostic::error(
                    OUTSIDE,
                    format!("`{written}` is outside the flow's folder tree"),
                    at,
                )
                .with_label(if written.contains("..") || Path::new(&written).is_absolute() {
                    "leaves the flow's folder"
                } else {
                    "a link that leads out of the flow's folder"
                })
                .with_help(format!(
                    "move the file into the flow's folder, or allow its folder on the command line: `--allow-import-outside {outside}`"
                )),
            );
            return;
        }
        if let Some(at_stack) = self.stack.iter().position(|f| *f == real) {
            let chain: Vec<String> = self.stack[at_stack..]
                .iter()
                .chain(std::iter::once(&real))
                .map(|p| format!("`{}`", file_name(p)))
                .collect();
            self.diags.push(
                Diagnostic::error(CYCLE, format!("imports go round in a circle: {}", chain.join(" imports ")), at)
                    .with_label("imports a file that imports this one")
                    .with_help("move what both files need into a third file that both import, and delete one of these imports"),
            );
            return;
        }
        if self.sources.find(&real).is_some() {
            // Read once, whichever file imports it first.
            return;
        }
        if self.sources.imported.len() >= MAX_FILES {
            self.diags.push(
                Diagnostic::error(
                    TOO_MANY,
                    format!("a flow is made of at most {MAX_FILES} files"),
                    at,
                )
                .with_label("one file too many")
                .with_help(
                    "merge small files: a flow's imports are meant for a few shared policies",
                ),
            );
            return;
        }
        let text = match self.options.loader.load(&real) {
            Ok(text) => text,
            Err(error) => {
                self.diags.push(
                    Diagnostic::error(NOT_FOUND, format!("`{shown}` cannot be read: {error}"), at)
                        .with_label("unreadable")
                        .with_help("import a readable UTF-8 `.dun` file"),
                );
                return;
            }
        };
        // One byte between files: an empty span at the end of one is not
        // the start of the next.
        let base = self.next_base as usize + 1;
        if base + text.len() > syntax::MAX_FILE_BYTES {
            self.diags.push(
                Diagnostic::error(
                    TOO_MANY,
                    format!(
                        "the flow and its imports hold more than the {} MiB one flow may hold",
                        syntax::MAX_FILE_BYTES / (1024 * 1024)
                    ),
                    at,
                )
                .with_label("too much to import")
                .with_help("split the portfolio's flows into several flows"),
            );
            return;
        }
        let parsed = syntax::parse_at(&text, base);
        self.diags.extend(parsed.diagnostics);
        let index = self.sources.imported.len();
        self.next_base = (base + text.len()) as u32;
        let lines = LineIndex::new(&text);
        self.sources.imported.push(Imported {
            shown: shown.clone(),
            real: real.clone(),
            text,
            base: base as u32,
            imported_at: (importer, at),
            lines,
        });
        let nested = own_imports(&parsed.file.decls);
        for decl in parsed.file.decls {
            if let Some(what) = behaviour(&decl) {
                let start = decl.span().start as usize;
                let keyword = Span::new(start, start + what.0.len());
                self.diags.push(
                    Diagnostic::error(
                        NOT_IN_LIBRARY,
                        format!("an imported file holds declarations only, not {}", what.1),
                        keyword,
                    )
                    .with_label("not allowed in an imported file")
                    .with_help(format!(
                        "move it into the flow that imports `{shown}`: {} belong to one flow",
                        what.2
                    )),
                );
                continue;
            }
            if !matches!(decl, ast::Decl::Import(_)) {
                self.decls.push(decl);
            }
        }
        self.stack.push(real.clone());
        let shown_dir = parent(Path::new(&shown));
        self.imports(index + 1, &shown_dir, real.parent(), &nested);
        self.stack.pop();
    }
}

/// The keyword, what it is and why it stays in the flow, for a declaration
/// an imported file may not hold.
fn behaviour(decl: &ast::Decl) -> Option<(&'static str, &'static str, &'static str)> {
    use ast::Decl::*;
    let flow = "the stages, handlers and tests";
    Some(match decl {
        Flow(_) => ("flow", "a `flow` line", "a name and a version"),
        Start(_) => ("start", "`start`", "where new accounts enter"),
        Stage(_) => ("stage", "a stage", flow),
        Handler(_) => ("on", "a handler", flow),
        Test(_) => ("test", "a test", flow),
        Migrate(_) => ("migrate", "a `migrate` block", "migrations"),
        Reenter(_) => ("reenter", "`reenter when`", "the reentry rule"),
        Deadline(_) => ("at", "a deadline", flow),
        _ => return None,
    })
}

/// The folder of a path as the user named it (`.` for a bare file name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir/written` with `.` dropped and `x/..` folded, forward slashes: the
/// path people read in messages.
fn shown_path(dir: &Path, written: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in dir.join(written).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != ".." && !p.is_empty()) {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        return ".".into();
    }
    parts.join("/")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests;
