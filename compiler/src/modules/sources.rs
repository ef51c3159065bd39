//! The files of one flow and where each lies in the one space of byte
//! offsets their spans share, and the diagnostics of that space split back
//! into each file's own offsets for the front ends.
//!
//! The flow's own file is first, at offset 0, so that a flow without
//! imports is exactly what it was: its spans are offsets into its text.
//! Each imported file starts one byte past the end of the one before it;
//! no span of one file can then be mistaken for a span of another, which
//! the model's maps by span rely on.

use crate::diagnostics::{Diagnostic, LineIndex};
use crate::syntax::ast::Span;
use std::path::{Path, PathBuf};

/// One file imported by the flow (directly or through another import).
#[derive(Clone, Debug)]
pub struct Imported {
    /// The path as people read it: the importer's shown folder joined with
    /// the path as written, `..` folded where it can be.
    pub shown: String,
    /// Where the file really is, every link followed.
    pub real: PathBuf,
    pub text: String,
    /// Its first byte in the flow's span space.
    pub base: u32,
    /// The `import` that first brought it in: the importing file's index in
    /// [`Sources::files`] order (0 for the flow) and the path's span.
    pub imported_at: (usize, Span),
    pub lines: LineIndex,
}

/// The files a flow's spans point into. For a flow without imports it is
/// empty and costs nothing.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The flow's own file, every link followed; `None` for an unsaved
    /// buffer or a flow without imports.
    pub root: Option<PathBuf>,
    /// The imported files in the order they were read.
    pub imported: Vec<Imported>,
}

/// Which file a span lies in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileId {
    /// The flow's own file.
    Root,
    /// `Sources::imported[i]`.
    Imported(usize),
}

/// Diagnostics of one file, with spans in that file's own offsets.
#[derive(Clone, Debug)]
pub struct FileDiagnostics {
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
}

impl Sources {
    /// Whether the flow imports anything.
    pub fn is_empty(&self) -> bool {
        self.imported.is_empty()
    }

    /// The file `offset` (in the flow's span space) lies in.
    pub fn file_of(&self, offset: u32) -> FileId {
        // Bases increase: the last file starting at or before the offset.
        match self.imported.iter().rposition(|f| f.base <= offset) {
            Some(i) => FileId::Imported(i),
            None => FileId::Root,
        }
    }

    fn base(&self, file: FileId) -> u32 {
        match file {
            FileId::Root => 0,
            FileId::Imported(i) => self.imported.get(i).map_or(0, |f| f.base),
        }
    }

    /// `span` in its own file's offsets.
    pub fn local(&self, span: Span) -> (FileId, Span) {
        let file = self.file_of(span.start);
        let base = self.base(file);
        (
            file,
            Span {
                start: span.start - base,
                end: span.end.saturating_sub(base).max(span.start - base),
            },
        )
    }

    /// `span` of `file` in the flow's span space.
    pub fn global(&self, file: FileId, span: Span) -> Span {
        let base = self.base(file);
        Span {
            start: span.start + base,
            end: span.end + base,
        }
    }

    /// The imported file at `real` (every link followed), if the flow
    /// imports it.
    pub fn find(&self, real: &Path) -> Option<usize> {
        self.imported.iter().position(|f| f.real == real)
    }

    /// The folder of the file a span lies in, for paths written in it
    /// (template files); `None` for the flow's own file.
    pub fn imported_dir(&self, span: Span) -> Option<&Path> {
        match self.file_of(span.start) {
            FileId::Root => None,
            FileId::Imported(i) => self.imported.get(i).and_then(|f| f.real.parent()),
        }
    }

    /// `path:line:column` of a span, for a message in another file.
    fn place(&self, root_shown: &str, root_text: &str, span: Span) -> String {
        let (file, local) = self.local(span);
        match file {
            FileId::Root => {
                let (line, col) =
                    LineIndex::new(root_text).line_col(root_text, local.start as usize);
                format!("{root_shown}:{line}:{col}")
            }
            FileId::Imported(i) => match self.imported.get(i) {
                Some(f) => {
                    let (line, col) = f.lines.line_col(&f.text, local.start as usize);
                    format!("{}:{line}:{col}", f.shown)
                }
                None => root_shown.to_string(),
            },
        }
    }

    /// Splits the flow's diagnostics by the file their primary span lies
    /// in, each moved into its file's own offsets: the flow's own file
    /// first (always present), then each imported file that has any. A
    /// second place in another file (the first declaration of a name
    /// declared twice) becomes a line of the help naming that file, line
    /// and column, since one excerpt shows one file; fixes are kept only
    /// when every edit is in the diagnostic's file.
    pub fn split(
        &self,
        root_shown: &str,
        root_text: &str,
        diagnostics: Vec<Diagnostic>,
    ) -> Vec<FileDiagnostics> {
        let mut out = vec![FileDiagnostics {
            file: FileId::Root,
            diagnostics: Vec::new(),
        }];
        if self.is_empty() {
            out[0].diagnostics = diagnostics;
            return out;
        }
        for mut d in diagnostics {
            let (file, primary) = self.local(d.primary.span);
            d.primary.span = primary;
            let mut elsewhere = Vec::new();
            let secondary = std::mem::take(&mut d.secondary);
            for mut label in secondary {
                let (other, span) = self.local(label.span);
                if other == file {
                    label.span = span;
                    d.secondary.push(label);
                } else {
                    let place = self.place(root_shown, root_text, label.span);
                    elsewhere.push(format!("{}: `{place}`", label.message));
                }
            }
            if !elsewhere.is_empty() {
                let mut help = d.help.take().unwrap_or_default();
                for line in elsewhere {
                    if !help.is_empty() {
                        help.push('\n');
                    }
                    help.push_str(&line);
                }
                d.help = Some(help);
            }
            d.fixes.retain_mut(|fix| {
                fix.edits.iter_mut().all(|edit| {
                    let (other, span) = self.local(edit.span);
                    edit.span = span;
                    other == file
                })
            });
            match out.iter_mut().find(|f| f.file == file) {
                Some(f) => f.diagnostics.push(d),
                None => out.push(FileDiagnostics {
                    file,
                    diagnostics: vec![d],
                }),
            }
        }
        out
    }
}
