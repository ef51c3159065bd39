//! Requests answered from one snapshot: each maps protocol positions to
//! byte offsets, asks `compiler::ide`, and maps the answer back.

use crate::documents::Snapshot;
use dun_compiler::ide::{self, CompletionKind as Kind, FoldKind, SymbolKind as Sym};
use dun_compiler::syntax::ast::Span;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

/// Hover in Markdown, or in plain text for a client that prefers it
/// (`hover.contentFormat` listing `plaintext` first).
pub fn hover(s: &Snapshot, at: Position, plain: bool) -> Option<Hover> {
    let h = s.doc.hover(s.offset(at))?;
    let contents = if plain {
        MarkupContent {
            kind: MarkupKind::PlainText,
            value: plain_text(&h.markdown),
        }
    } else {
        MarkupContent {
            kind: MarkupKind::Markdown,
            value: h.markdown,
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(contents),
        range: Some(s.range(h.span)),
    })
}

/// The hover's Markdown as a terminal would show it: code fences and
/// inline code marks, emphasis and escapes removed, text kept as written.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            continue;
        }
        let line = line.replace("**", "").replace('`', "");
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            // A backslash escapes Markdown punctuation; the character stays.
            if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
                continue;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Every occurrence of the name under the cursor: declarations as `WRITE`,
/// uses as `READ` (editors colour them apart).
pub fn document_highlights(s: &Snapshot, at: Position) -> Option<Vec<DocumentHighlight>> {
    let sources = &s.doc.analysis().sources;
    let found: Vec<_> = s
        .doc
        .document_highlights(s.offset(at))
        .into_iter()
        // Highlights are of this document; an imported file's uses are
        // found with references.
        .filter(|h| sources.file_of(h.span.start) == dun_compiler::modules::FileId::Root)
        .collect();
    (!found.is_empty()).then(|| {
        found
            .into_iter()
            .map(|h| DocumentHighlight {
                range: s.range(h.span),
                kind: Some(match h.kind {
                    ide::HighlightKind::Declaration => DocumentHighlightKind::WRITE,
                    ide::HighlightKind::Use => DocumentHighlightKind::READ,
                }),
            })
            .collect()
    })
}

pub fn definition(s: &Snapshot, at: Position) -> Option<GotoDefinitionResponse> {
    let spans = s.doc.definition(s.offset(at));
    match spans.as_slice() {
        [] => None,
        [one] => Some(GotoDefinitionResponse::Scalar(s.location(*one))),
        many => Some(GotoDefinitionResponse::Array(
            many.iter().map(|sp| s.location(*sp)).collect(),
        )),
    }
}

/// The references in the flow, then those in its template files.
pub fn references(s: &Snapshot, at: Position, include_declaration: bool) -> Option<Vec<Location>> {
    let spans = s.doc.references(s.offset(at), include_declaration);
    let mut found: Vec<Location> = spans.iter().map(|sp| s.location(*sp)).collect();
    found.extend(crate::templates::references(s, at));
    (!found.is_empty()).then_some(found)
}

/// `Err` carries the reason a rename is refused, shown by the editor.
pub fn prepare_rename(s: &Snapshot, at: Position) -> Result<PrepareRenameResponse, String> {
    let span = s.doc.prepare_rename(s.offset(at)).map_err(|e| e.0)?;
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range: s.range(span),
        placeholder: s.text().get(span.range()).unwrap_or("").to_string(),
    })
}

/// The edits of the flow and of the placeholders of its template files.
pub fn rename(s: &Snapshot, at: Position, new_name: &str) -> Result<WorkspaceEdit, String> {
    crate::templates::rename(s, at, new_name)
}

/// Edits by file: a rename of a name declared or used in an imported file
/// edits that file too.
pub fn workspace_edit(s: &Snapshot, edits: Vec<dun_compiler::ide::TextEdit>) -> WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    changes.entry(s.uri.clone()).or_default();
    for e in edits {
        let at = s.location(e.span);
        changes
            .entry(at.uri)
            .or_default()
            .push(TextEdit::new(at.range, e.new_text));
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// Completion items replace the part of the name already typed, so that
/// editors filter and insert correctly whatever their word rules.
pub fn completion(s: &Snapshot, at: Position) -> Option<CompletionResponse> {
    let found = s.doc.completions(s.offset(at));
    if found.items.is_empty() {
        return None;
    }
    let replace = s.range(found.replace);
    let items = found
        .items
        .into_iter()
        .map(|c| CompletionItem {
            kind: Some(completion_kind(c.kind)),
            detail: c.detail,
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                replace,
                c.label.clone(),
            ))),
            label: c.label,
            ..Default::default()
        })
        .collect();
    Some(CompletionResponse::Array(items))
}

fn completion_kind(kind: Kind) -> CompletionItemKind {
    match kind {
        Kind::Keyword => CompletionItemKind::KEYWORD,
        Kind::Stage => CompletionItemKind::CLASS,
        Kind::Template => CompletionItemKind::TEXT,
        Kind::Event => CompletionItemKind::EVENT,
        Kind::Variable => CompletionItemKind::VARIABLE,
        Kind::Segment => CompletionItemKind::CONSTANT,
        Kind::Field => CompletionItemKind::FIELD,
        Kind::Variant => CompletionItemKind::ENUM_MEMBER,
        Kind::Calendar => CompletionItemKind::MODULE,
        Kind::Action => CompletionItemKind::FUNCTION,
        Kind::Name => CompletionItemKind::VALUE,
        Kind::Channel => CompletionItemKind::INTERFACE,
        Kind::Type => CompletionItemKind::TYPE_PARAMETER,
    }
}

pub fn document_symbols(s: &Snapshot) -> Option<DocumentSymbolResponse> {
    fn convert(s: &Snapshot, sym: ide::DocumentSymbol) -> DocumentSymbol {
        let children: Vec<DocumentSymbol> =
            sym.children.into_iter().map(|c| convert(s, c)).collect();
        #[allow(deprecated)] // `deprecated` is a required field of the type
        DocumentSymbol {
            name: if sym.name.is_empty() {
                "(unnamed)".into()
            } else {
                sym.name
            },
            detail: sym.detail,
            kind: symbol_kind(sym.kind),
            tags: None,
            deprecated: None,
            range: s.range(sym.span),
            selection_range: s.range(sym.selection),
            children: (!children.is_empty()).then_some(children),
        }
    }
    let symbols: Vec<DocumentSymbol> = s
        .doc
        .document_symbols()
        .into_iter()
        .map(|sym| convert(s, sym))
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

pub fn symbol_kind(kind: Sym) -> SymbolKind {
    match kind {
        Sym::Flow => SymbolKind::MODULE,
        Sym::Currency => SymbolKind::CONSTANT,
        Sym::Account => SymbolKind::STRUCT,
        Sym::Field => SymbolKind::FIELD,
        Sym::Event => SymbolKind::EVENT,
        Sym::Calendar => SymbolKind::NAMESPACE,
        Sym::Policy => SymbolKind::OBJECT,
        Sym::Variable => SymbolKind::VARIABLE,
        Sym::Segment => SymbolKind::BOOLEAN,
        Sym::Template => SymbolKind::STRING,
        Sym::Action => SymbolKind::INTERFACE,
        Sym::Handler => SymbolKind::OPERATOR,
        Sym::Start => SymbolKind::KEY,
        Sym::Stage => SymbolKind::CLASS,
        Sym::Step => SymbolKind::METHOD,
        Sym::Test => SymbolKind::FUNCTION,
        Sym::Import => SymbolKind::FILE,
    }
}

pub fn folding_ranges(s: &Snapshot) -> Option<Vec<FoldingRange>> {
    let ranges = s
        .doc
        .folding_ranges()
        .into_iter()
        .map(|f| FoldingRange {
            start_line: f.start_line,
            start_character: None,
            end_line: f.end_line,
            end_character: None,
            kind: Some(match f.kind {
                FoldKind::Region => FoldingRangeKind::Region,
                FoldKind::Comment => FoldingRangeKind::Comment,
            }),
            collapsed_text: None,
        })
        .collect();
    Some(ranges)
}

pub fn semantic_tokens_legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: ide::TOKEN_TYPES
            .iter()
            .map(|t| SemanticTokenType::new(t))
            .collect(),
        token_modifiers: ide::TOKEN_MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

/// The protocol's relative encoding: each token's line and start relative
/// to the previous one, lengths in the negotiated encoding. A token that
/// spans lines (a string over two lines) is cut at each line break, since
/// clients need not support multi-line tokens.
pub fn semantic_tokens(s: &Snapshot) -> Option<SemanticTokensResult> {
    let text = s.text();
    let mut tokens = s.doc.semantic_tokens();
    tokens.sort_by_key(|t| (t.span.start, t.span.end));
    let mut data = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    let mut last_end = 0usize;
    for token in tokens {
        let (mut start, end) = (token.span.start as usize, token.span.end as usize);
        // Overlapping tokens are not allowed; keep the first.
        if start < last_end || end <= start || end > text.len() {
            continue;
        }
        last_end = end;
        while start < end {
            let Some(rest) = text.get(start..end) else {
                break;
            };
            let line_end = rest.find('\n').map_or(end, |i| start + i);
            if line_end > start {
                let a = s.doc.position(start, s.encoding);
                let b = s.doc.position(line_end, s.encoding);
                let delta_line = a.line - prev_line;
                let delta_start = if delta_line == 0 {
                    a.character - prev_start
                } else {
                    a.character
                };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: b.character.saturating_sub(a.character),
                    token_type: token.token_type as u32,
                    token_modifiers_bitset: token.modifiers,
                });
                prev_line = a.line;
                prev_start = a.character;
            }
            start = line_end + 1;
        }
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}

pub fn inlay_hints(s: &Snapshot, range: Range) -> Option<Vec<InlayHint>> {
    let hints = s
        .doc
        .inlay_hints(s.span(range))
        .into_iter()
        .map(|h| InlayHint {
            position: s.range(Span::new(h.offset, h.offset)).start,
            label: InlayHintLabel::String(h.label),
            kind: None,
            text_edits: None,
            tooltip: h.tooltip.map(InlayHintTooltip::String),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect();
    Some(hints)
}

pub fn code_actions(s: &Snapshot, range: Range, errors_page: &str) -> Option<CodeActionResponse> {
    let diagnostics = s.doc.diagnostics();
    let actions: Vec<CodeActionOrCommand> = s
        .doc
        .code_actions(s.span(range))
        .into_iter()
        .map(|a| {
            let fixes = a
                .diagnostic
                .and_then(|i| diagnostics.get(i))
                .map(|d| vec![crate::diagnostics::one(s, d, errors_page)]);
            CodeActionOrCommand::CodeAction(CodeAction {
                title: a.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: fixes,
                edit: Some(workspace_edit(s, a.edits)),
                command: None,
                is_preferred: a.preferred.then_some(true),
                disabled: None,
                data: None,
            })
        })
        .collect();
    (!actions.is_empty()).then_some(actions)
}
