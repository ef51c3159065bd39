//! Requests answered from one snapshot: each maps protocol positions to
//! byte offsets, asks `compiler::ide`, and maps the answer back.

use crate::documents::Snapshot;
use dun_compiler::ide::CompletionKind as Kind;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

pub fn hover(s: &Snapshot, at: Position) -> Option<Hover> {
    let h = s.doc.hover(s.offset(at))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: h.markdown,
        }),
        range: Some(s.range(h.span)),
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

pub fn references(s: &Snapshot, at: Position, include_declaration: bool) -> Option<Vec<Location>> {
    let spans = s.doc.references(s.offset(at), include_declaration);
    (!spans.is_empty()).then(|| spans.iter().map(|sp| s.location(*sp)).collect())
}

/// `Err` carries the reason a rename is refused, shown by the editor.
pub fn prepare_rename(s: &Snapshot, at: Position) -> Result<PrepareRenameResponse, String> {
    let span = s.doc.prepare_rename(s.offset(at)).map_err(|e| e.0)?;
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range: s.range(span),
        placeholder: s.text().get(span.range()).unwrap_or("").to_string(),
    })
}

pub fn rename(s: &Snapshot, at: Position, new_name: &str) -> Result<WorkspaceEdit, String> {
    let edits = s.doc.rename(s.offset(at), new_name).map_err(|e| e.0)?;
    Ok(workspace_edit(s, edits))
}

pub fn workspace_edit(s: &Snapshot, edits: Vec<dun_compiler::ide::TextEdit>) -> WorkspaceEdit {
    let edits = edits
        .into_iter()
        .map(|e| TextEdit::new(s.range(e.span), e.new_text))
        .collect();
    WorkspaceEdit {
        changes: Some(HashMap::from([(s.uri.clone(), edits)])),
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
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(replace, c.label.clone()))),
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
