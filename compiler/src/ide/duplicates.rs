//! A declaration of a name already declared: the checker keeps the first
//! and reports the second, and every use goes to the first. As in
//! rust-analyzer, the duplicate is still a declaration of its own: its
//! definition and only reference is itself, renaming it renames it alone
//! (the first declaration and its uses are left as they are), and
//! renaming the first leaves the duplicate alone.

use super::index::Target;
use super::Document;
use crate::model::{Duplicate, SymbolKind};
use crate::syntax::ast::Span;

/// The duplicate declaration whose name is at `offset`.
pub(crate) fn at(doc: &Document, offset: usize) -> Option<&Duplicate> {
    doc.analysis
        .model
        .duplicates
        .iter()
        .find(|d| d.span.contains(offset))
}

/// What the name of the duplicate would name were it the first: for the
/// clash check of a rename.
pub(crate) fn target(d: &Duplicate) -> Option<Target> {
    let name = d.name.clone();
    Some(match d.kind {
        SymbolKind::Stage => Target::Stage(name),
        SymbolKind::Template => Target::Template(name),
        SymbolKind::Event => Target::Event(name),
        SymbolKind::Var => Target::Var(name),
        SymbolKind::Segment => Target::Segment(name),
        SymbolKind::Calendar => Target::Calendar(name),
        SymbolKind::Action => Target::Action(name),
        _ => return None,
    })
}

/// Where the declaration that took the name first is.
pub(crate) fn first(doc: &Document, d: &Duplicate) -> Option<Span> {
    let m = &doc.analysis.model;
    let name = d.name.as_str();
    match d.kind {
        SymbolKind::Stage => m.stages.get(name).map(|x| x.span),
        SymbolKind::Template => m.templates.get(name).map(|x| x.span),
        SymbolKind::Event => m.events.get(name).map(|x| x.span),
        SymbolKind::Var | SymbolKind::Segment => m
            .vars
            .get(name)
            .map(|x| x.span)
            .or_else(|| m.segments.get(name).map(|x| x.span)),
        SymbolKind::Calendar => m.calendars.get(name).map(|x| x.span),
        SymbolKind::Action => m.actions.get(name).map(|x| x.span),
        _ => None,
    }
}

/// The hover on a duplicate: what it is and which declaration the flow uses.
pub(crate) fn hover(doc: &Document, offset: usize) -> Option<super::Hover> {
    let d = at(doc, offset)?;
    let kind = target(d)?.kind();
    // Every kind's keyword is its name in words, but for variables.
    let keyword = if d.kind == SymbolKind::Var {
        "var"
    } else {
        kind
    };
    let line = first(doc, d)
        .map(|s| doc.position(s.start as usize, super::Encoding::Utf8).line + 1)
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default();
    Some(super::Hover {
        span: d.span,
        markdown: format!(
            "```dun\n{keyword} {name}\n```\n\nDeclared twice: every use of `{name}` goes to the first {kind} `{name}`{line}. Rename this one to keep both.",
            name = d.name
        ),
    })
}
