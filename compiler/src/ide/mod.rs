//! Editor queries over one analysed flow file, free of any protocol
//! (the language server only translates). Every query takes and
//! returns **byte offsets** into the document's text; [`LineMap`] converts
//! them to and from `(line, UTF-16 column)` or `(line, UTF-8 byte column)`
//! at the edge. No query panics, whatever the text and whatever the offset
//! (offsets past the end or inside a character are clamped).
//!
//! # Use
//!
//! ```
//! use dun_compiler::ide::{Document, Encoding, Position};
//!
//! let text = "flow f\nstart calls\nstage calls {\n  goto calls\n}\n";
//! let doc = Document::new(None, text);
//! // The editor's cursor on `calls` of `goto calls` (line 3, UTF-16 column 8).
//! let offset = doc.offset(Position::new(3, 8), Encoding::Utf16);
//! assert_eq!(doc.definition(offset), vec![doc.span_of_line_text(2, "calls")]);
//! assert!(doc.hover(offset).unwrap().markdown.contains("stage calls"));
//! ```
//!
//! A [`Document`] owns its text and its [`Analysis`]; build a new one for
//! every version of the text (analysis is fast, see docs/performance.md) and
//! share it read-only (`Document` is `Send + Sync`).
//!
//! # Queries
//!
//! | method | answer |
//! |---|---|
//! | [`Document::diagnostics`] | every diagnostic of `dun check`, sorted, spans in bytes |
//! | [`Document::hover`] | Markdown for the name at an offset: types, payloads, doc comments, template text with sample values, a stage's entry points; for a duration or `wait until`, the calendar days it means ([`durations`]) |
//! | [`Document::definition`] | where the name is declared (a queue, outcome or team: its first use) |
//! | [`Document::references`] | every place the name is written |
//! | [`Document::prepare_rename`] / [`Document::rename`] | the edits, or a [`RenameError`] saying why not |
//! | [`Document::completions`] | [`Completions`]: the span the item replaces, and items with a [`CompletionKind`] and a detail (a field's type) |
//! | [`Document::document_symbols`] | the outline: declarations, stages and handlers with their steps |
//! | [`Document::folding_ranges`] | multi-line declarations and blocks, comment runs, with their 0-based lines |
//! | [`Document::semantic_tokens`] | classified tokens in file order, one line each; legend [`TOKEN_TYPES`] / [`TOKEN_MODIFIERS`] |
//! | [`Document::inlay_hints`] | `day N` at the end of each step's first line in a range |
//! | [`Document::document_highlights`] | the occurrences of the name under the cursor, declaration or use |
//! | [`Document::workspace_symbols`] | named symbols matching a fuzzy query, flat, with their container |
//! | [`Document::template_links`] / [`Document::template_file_diagnostics`] | template files: where each `file "..."` leads, and the problems inside each file by line |
//! | [`Document::template_file_references`] / [`Document::rename_with_template_files`] / [`Document::template_file_declaration`] | names in template files' placeholders: their places, a rename that rewrites them, and the name a placeholder names |
//! | [`Document::code_actions`] | quick fixes ([`CodeAction`]: title, edits, the diagnostic's index, preferred) |
//! | [`Document::formatted`] / [`Document::format_edits`] | `dun fmt`'s text, or the diagnostics that stop it |
//!
//! Edits ([`TextEdit`]) are byte spans with replacement text; apply them
//! from the last to the first, or convert each with [`Document::range`].
//! A server converting positions keeps one [`Encoding`] per client
//! (`Utf16` unless the client offers `utf-8`).
//!
//! Decisions behind the answers (what the day hints count, how "did you
//! mean" becomes an edit, which words complete where) are written in
//! `docs/ide.md`.
//!
//! Names are indexed by [`index::Index`]; [`index::Target`] says what a name
//! names.

pub mod actions;
pub mod complete;
mod duplicates;
pub mod durations;
pub mod highlight;
pub mod hints;
pub mod hover;
pub mod index;
mod lines;
pub mod links;
pub mod navigate;
pub mod symbols;
pub mod template_refs;
pub mod tokens;
pub mod workspace_symbols;

#[cfg(test)]
mod tests;

pub use actions::CodeAction;
pub use complete::{Completion, CompletionKind, Completions};
pub use highlight::{Highlight, HighlightKind};
pub use hints::InlayHint;
pub use hover::{Entry, Hover};
pub use index::{Index, Occurrence, Target};
pub use lines::{Encoding, LineMap, Position, Range};
pub use links::{TemplateFileDiagnostic, TemplateLink};
pub use navigate::{RenameError, TextEdit};
pub use symbols::{DocumentSymbol, FoldKind, FoldingRange, SymbolKind};
pub use template_refs::{FileEdit, FileSpan};
pub use tokens::{SemanticToken, TokenType, TOKEN_MODIFIERS, TOKEN_TYPES};
pub use workspace_symbols::WorkspaceSymbol;

use crate::analysis::Analysis;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;
use std::path::{Path, PathBuf};

/// One version of one flow file, analysed, with its name index and line map.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    path: Option<PathBuf>,
    analysis: Analysis,
    lines: LineMap,
    index: Index,
}

impl Document {
    /// Analyses `text`. `path` locates template files (`file "..."` is
    /// relative to the flow's folder); `None` for an unsaved buffer.
    pub fn new(path: Option<&Path>, text: impl Into<String>) -> Self {
        Self::new_in(path, text, crate::modules::Options::default())
    }

    /// [`Document::new`] with imports read as `options` say (the language
    /// server reads open buffers first and allows the workspace's folders).
    pub fn new_in(
        path: Option<&Path>,
        text: impl Into<String>,
        options: crate::modules::Options<'_>,
    ) -> Self {
        let text = text.into();
        let analysis = crate::analysis::analyze_in(path, &text, options);
        let lines = LineMap::new(&text);
        let index = Index::build(&analysis.model);
        Document {
            text,
            path: path.map(Path::to_path_buf),
            analysis,
            lines,
            index,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    pub fn lines(&self) -> &LineMap {
        &self.lines
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Every diagnostic of `dun check` for this text, sorted by position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.analysis.diagnostics
    }

    /// The position of a byte offset, columns in `encoding`.
    pub fn position(&self, offset: usize, encoding: Encoding) -> Position {
        self.lines.position(&self.text, offset, encoding)
    }

    /// The byte offset of a position, clamped into the text.
    pub fn offset(&self, position: Position, encoding: Encoding) -> usize {
        self.lines.offset(&self.text, position, encoding)
    }

    pub fn range(&self, span: Span, encoding: Encoding) -> Range {
        self.lines.range(&self.text, span, encoding)
    }

    pub fn span(&self, range: Range, encoding: Encoding) -> Span {
        self.lines.span(&self.text, range, encoding)
    }

    /// The span of the first `needle` on a 0-based line (for tests and
    /// examples); an empty span at the line's start when it is not there.
    pub fn span_of_line_text(&self, line: usize, needle: &str) -> Span {
        let start = self.lines.line_start(line);
        let end = self.lines.line_end(&self.text, line);
        match self.text.get(start..end).and_then(|l| l.find(needle)) {
            Some(i) => Span::new(start + i, start + i + needle.len()),
            None => Span::new(start, start),
        }
    }

    /// What the name at `offset` is.
    pub fn hover(&self, offset: usize) -> Option<Hover> {
        hover::hover(self, offset)
            .or_else(|| duplicates::hover(self, offset))
            .or_else(|| durations::hover(self, offset))
    }

    /// Where the name at `offset` is declared.
    pub fn definition(&self, offset: usize) -> Vec<Span> {
        navigate::definition(self, offset)
    }

    /// Every place the name at `offset` is written, in file order.
    pub fn references(&self, offset: usize, include_declaration: bool) -> Vec<Span> {
        navigate::references(self, offset, include_declaration)
    }

    /// The span of the name a rename at `offset` would change, or why it
    /// cannot be renamed (a keyword, a built-in, no name there).
    pub fn prepare_rename(&self, offset: usize) -> Result<Span, RenameError> {
        navigate::prepare_rename(self, offset)
    }

    /// The edits that rename the name at `offset` everywhere in the file,
    /// or why not: an invalid or reserved new name, a clash with a name of
    /// the same kind, a template file that uses it.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, RenameError> {
        navigate::rename(self, offset, new_name)
    }

    /// The candidates for what may be typed at `offset`, read from the text
    /// around it so that it works while the declaration is still broken.
    pub fn completions(&self, offset: usize) -> Completions {
        complete::completions(self, offset)
    }

    /// The outline: every declaration, stages and handlers with their steps.
    pub fn document_symbols(&self) -> Vec<DocumentSymbol> {
        symbols::document_symbols(self)
    }

    /// Multi-line declarations and blocks, and runs of comment lines.
    pub fn folding_ranges(&self) -> Vec<FoldingRange> {
        symbols::folding_ranges(self)
    }

    /// Every classified word, literal and comment, in file order; see
    /// [`tokens`] for the legend.
    pub fn semantic_tokens(&self) -> Vec<SemanticToken> {
        tokens::semantic_tokens(self)
    }

    /// The day each step in `range` runs when no event intervenes
    /// (`day 0`, `day 3`, `day 5–7`, `day 3 or later`); see [`hints`].
    pub fn inlay_hints(&self, range: Span) -> Vec<InlayHint> {
        hints::inlay_hints(self, range)
    }

    /// The occurrences of the name at `offset`, declaration or use: what
    /// an editor highlights around the cursor.
    pub fn document_highlights(&self, offset: usize) -> Vec<Highlight> {
        highlight::document_highlights(self, offset)
    }

    /// The named symbols of the file matching `query` (fuzzy, see
    /// [`workspace_symbols::matches`]), flat, with what holds each.
    pub fn workspace_symbols(&self, query: &str) -> Vec<WorkspaceSymbol> {
        workspace_symbols::workspace_symbols(self, query)
    }

    /// Each `file "..."` template and the file it names (read by the
    /// checker, inside the flow's folder).
    pub fn template_links(&self) -> Vec<TemplateLink> {
        links::template_links(self)
    }

    /// The problems found inside template files, on their line of the file.
    pub fn template_file_diagnostics(&self) -> Vec<TemplateFileDiagnostic> {
        links::template_file_diagnostics(self)
    }

    /// Quick fixes for the diagnostics whose primary span meets `range`.
    pub fn code_actions(&self, range: Span) -> Vec<CodeAction> {
        actions::code_actions(self, range)
    }

    /// The file as `dun fmt` writes it, or the diagnostics that stop the
    /// formatter (syntax errors, or a refusal to change the meaning): the
    /// editor then leaves the text alone.
    pub fn formatted(&self) -> Result<String, Vec<Diagnostic>> {
        crate::fmt::format(&self.text)
    }

    /// Formatting as edits: one edit replacing the whole text, none when
    /// the file is already formatted.
    pub fn format_edits(&self) -> Result<Vec<TextEdit>, Vec<Diagnostic>> {
        let out = self.formatted()?;
        if out == self.text {
            return Ok(Vec::new());
        }
        Ok(vec![TextEdit {
            span: Span::new(0, self.text.len()),
            new_text: out,
        }])
    }

    /// The placeholders of the flow's template files that name what the
    /// name at `offset` names (`{promised_amount}`, `{account.balance}`),
    /// as places in each file's text.
    pub fn template_file_references(&self, offset: usize) -> Vec<FileSpan> {
        template_refs::references(self, offset)
    }

    /// A rename at `offset` in the flow and in the placeholders of its
    /// template files: the flow's edits, and the files' edits (offsets
    /// into each file's text). [`Document::rename`] refuses a name a
    /// template file uses; this renames it there too.
    pub fn rename_with_template_files(
        &self,
        offset: usize,
        new_name: &str,
    ) -> Result<(Vec<TextEdit>, Vec<FileEdit>), RenameError> {
        template_refs::rename(self, offset, new_name)
    }

    /// For a request made at byte `offset` of the template file `path`:
    /// the span of the name there (in the file's text) and the span of its
    /// declaration in this flow, where queries answer for that name.
    pub fn template_file_declaration(&self, path: &Path, offset: usize) -> Option<(Span, Span)> {
        template_refs::declaration_of(self, path, offset)
    }
}
