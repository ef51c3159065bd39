//! Code actions: quick fixes for diagnostics.
//! - apply the diagnostic's own fixes (`Diagnostic::fixes`: edits of the
//!   text the pass that found the problem wrote, such as the close name a
//!   misspelt one is changed to), a safe one preferred;
//! - declare a missing event (`event NAME`) or variable (`var NAME: TYPE =
//!   VALUE`, the type read from what the flow assigns to it);
//! - add the missing `end` of a stage that falls off its end (one action per
//!   outcome the flow already uses, or `end escalated`), and the missing
//!   closing bracket of a block that is never closed.

use super::navigate::TextEdit;
use super::Document;
use crate::checks::codes::{FALLS_OFF, UNKNOWN_EVENT, UNKNOWN_NAME, UNKNOWN_VARIABLE};
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::syntax::ast::{Decl, Span, StepKind};

const UNCLOSED: &str = "dun::syntax::unclosed";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    /// The diagnostic it fixes, as an index into [`Document::diagnostics`].
    pub diagnostic: Option<usize>,
    pub edits: Vec<TextEdit>,
    /// The one fix an editor may apply without asking ("fix all").
    pub preferred: bool,
}

pub(crate) fn code_actions(doc: &Document, range: Span) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for (i, d) in doc.diagnostics().iter().enumerate() {
        let span = d.primary.span;
        if span.end < range.start || span.start > range.end {
            continue;
        }
        for fix in &d.fixes {
            out.push(CodeAction {
                title: fix.title.clone(),
                diagnostic: Some(i),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| TextEdit {
                        span: e.span,
                        new_text: e.replacement.clone(),
                    })
                    .collect(),
                preferred: fix.safe || d.fixes.len() == 1,
            });
        }
        let name = doc.text().get(span.range()).unwrap_or("").to_string();
        match d.code {
            UNKNOWN_EVENT if is_name(&name) => out.push(CodeAction {
                title: format!("Declare `event {name}`"),
                diagnostic: Some(i),
                edits: vec![insert_decl(doc, &[Kind::Event], &format!("event {name}"))],
                preferred: false,
            }),
            UNKNOWN_VARIABLE | UNKNOWN_NAME if is_name(&name) => {
                let decl = var_decl(doc, &name);
                out.push(CodeAction {
                    title: format!("Declare `{decl}`"),
                    diagnostic: Some(i),
                    edits: vec![insert_decl(doc, &[Kind::Var], &decl)],
                    preferred: false,
                });
            }
            FALLS_OFF => out.extend(add_end(doc, i, d)),
            // An unclosed text carries its own fix; this is for brackets.
            UNCLOSED if d.fixes.is_empty() => {
                let closing = match doc.text().as_bytes().get(span.start as usize) {
                    Some(b'[') => "]",
                    Some(b'(') => ")",
                    _ => "}",
                };
                let at = d
                    .secondary
                    .first()
                    .map_or(doc.text().len(), |l| l.span.start as usize);
                let line_start = doc
                    .lines()
                    .line_start(doc.lines().line_of(span.start as usize));
                let indent: String = doc.text()[line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                out.push(CodeAction {
                    title: format!("Insert the missing `{closing}`"),
                    diagnostic: Some(i),
                    edits: vec![TextEdit {
                        span: Span::new(at, at),
                        new_text: format!("\n{indent}{closing}"),
                    }],
                    preferred: true,
                });
            }
            _ => {}
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    super::navigate::valid_name(s).is_ok()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Event,
    Var,
}

/// Inserts a declaration after the last one of its kind, else after the
/// schema (flow, currency, account, events, calendars, policy), else at the
/// top.
fn insert_decl(doc: &Document, kinds: &[Kind], line: &str) -> TextEdit {
    let decls = doc.analysis.own_decls();
    let same = decls.iter().rev().find(|d| match d {
        Decl::Event(_) => kinds.contains(&Kind::Event),
        Decl::Var(_) => kinds.contains(&Kind::Var),
        _ => false,
    });
    let schema = || {
        decls.iter().rev().find(|d| {
            matches!(
                d,
                Decl::Flow(_)
                    | Decl::Currency(_)
                    | Decl::Account(_)
                    | Decl::Event(_)
                    | Decl::Calendar(_)
                    | Decl::Policy(_)
                    | Decl::Var(_)
            )
        })
    };
    match same.or_else(schema) {
        Some(d) => {
            let end = d.span().end as usize;
            let line_end = doc.lines().line_end(doc.text(), doc.lines().line_of(end));
            let at = line_end.max(end);
            TextEdit {
                span: Span::new(at, at),
                new_text: format!("\n{line}"),
            }
        }
        None => TextEdit {
            span: Span::new(0, 0),
            new_text: format!("{line}\n"),
        },
    }
}

/// `var NAME: TYPE = VALUE`, the type from a `set NAME = ...` of the flow.
fn var_decl(doc: &Document, name: &str) -> String {
    let model = &doc.analysis.model;
    let mut ty: Option<Type> = None;
    fn find(block: &crate::syntax::ast::Block, name: &str, out: &mut Vec<Span>) {
        for step in &block.steps {
            match &step.kind {
                StepKind::Set { var, value } if var.name == name => out.push(value.span),
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (_, b) in branches {
                        find(b, name, out);
                    }
                    if let Some(b) = otherwise {
                        find(b, name, out);
                    }
                }
                StepKind::Repeat { body, .. } => find(body, name, out),
                _ => {}
            }
        }
    }
    let mut values = Vec::new();
    for d in &doc.analysis.file.decls {
        match d {
            Decl::Stage(s) => {
                find(&s.body, name, &mut values);
                for h in &s.handlers {
                    if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                        find(b, name, &mut values);
                    }
                }
            }
            Decl::Handler(h) => {
                if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                    find(b, name, &mut values);
                }
            }
            _ => {}
        }
    }
    for v in values {
        if let Some(t) = model.usage.expr_types.get(&v) {
            if *t != Type::Unknown {
                ty = Some(t.clone());
                break;
            }
        }
    }
    let ty = ty.unwrap_or(Type::Number);
    let currency = model.currency.as_ref().map_or("USD", |(c, _)| c.as_str());
    let init = match &ty {
        Type::Bool => "false".to_string(),
        Type::Number => "0".to_string(),
        Type::Money => format!("0 {currency}"),
        Type::Percent => "0%".to_string(),
        Type::Date => "today".to_string(),
        Type::DateTime => "now".to_string(),
        Type::Duration => "0 days".to_string(),
        Type::Time => "00:00".to_string(),
        Type::Enum(id) => model.variants(*id).first().cloned().unwrap_or_default(),
        _ => "\"\"".to_string(),
    };
    format!("var {name}: {} = {init}", model.type_name(&ty))
}

fn add_end(doc: &Document, index: usize, d: &Diagnostic) -> Vec<CodeAction> {
    let Some(stage) = doc.analysis.file.decls.iter().find_map(|decl| match decl {
        Decl::Stage(s) if s.name.span == d.primary.span => Some(s),
        _ => None,
    }) else {
        return Vec::new();
    };
    let close = stage.body.span.end.saturating_sub(1) as usize;
    if doc.text().as_bytes().get(close) != Some(&b'}') {
        return Vec::new();
    }
    let text = doc.text();
    let line = doc.lines().line_of(close);
    let line_start = doc.lines().line_start(line);
    let before = &text[line_start..close];
    // `}` on its own line: a new line above it, indented one level in;
    // else the step goes just before the `}`.
    let own_line = before.trim().is_empty();
    let at = if own_line { line_start } else { close };
    let new_text_of = |o: &str| {
        if own_line {
            format!("{before}  end {o}\n")
        } else {
            format!("end {o} ")
        }
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    for o in doc.index().occurrences() {
        if let super::Target::Outcome(name) = &o.target {
            match counts.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name.clone(), 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut outcomes: Vec<String> = counts.into_iter().map(|(n, _)| n).take(3).collect();
    if outcomes.is_empty() {
        outcomes.push("escalated".to_string());
    }
    outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| CodeAction {
            title: format!("End stage `{}` with `end {o}`", stage.name.name),
            diagnostic: Some(index),
            edits: vec![TextEdit {
                span: Span::new(at, at),
                new_text: new_text_of(o),
            }],
            preferred: i == 0,
        })
        .collect()
}
