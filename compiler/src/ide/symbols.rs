//! The outline of a file (document symbols: declarations, stages with their
//! steps) and its folding ranges (multi-line declarations and blocks, runs
//! of comment lines).

use super::Document;
use crate::syntax::ast::{Block, Decl, Span, StepKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Flow,
    Currency,
    Account,
    Field,
    Event,
    Calendar,
    Policy,
    Variable,
    Segment,
    Template,
    Action,
    Handler,
    Start,
    Stage,
    Step,
    Test,
    Import,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole declaration or step.
    pub span: Span,
    /// The part to select when the symbol is picked (its name).
    pub selection: Span,
    pub children: Vec<DocumentSymbol>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FoldKind {
    /// A declaration or a block.
    Region,
    /// Two or more comment lines in a row.
    Comment,
}

/// A foldable region, from the line of `span.start` to the line of `span.end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FoldingRange {
    pub span: Span,
    pub kind: FoldKind,
    /// 0-based lines of the span's ends.
    pub start_line: u32,
    pub end_line: u32,
}

fn symbol(
    name: impl Into<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
) -> DocumentSymbol {
    DocumentSymbol {
        name: name.into(),
        detail: None,
        kind,
        span,
        selection,
        children: Vec::new(),
    }
}

/// The first line of a step as written, without its `{ ...`.
fn step_title(text: &str, span: Span) -> String {
    let src = text.get(span.range()).unwrap_or("");
    let line = src.lines().next().unwrap_or("");
    // Up to the block's `{`, which is never inside a string.
    let mut in_string = false;
    let mut cut = line.len();
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '{' if !in_string => {
                cut = i;
                break;
            }
            _ => {}
        }
    }
    let line = &line[..cut];
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn steps(text: &str, block: &Block) -> Vec<DocumentSymbol> {
    block
        .steps
        .iter()
        .map(|step| {
            let title = step_title(text, step.span);
            let keyword = Span::new(
                step.span.start as usize,
                step.span.start as usize + title.split(' ').next().map_or(0, str::len),
            );
            let mut s = symbol(title, SymbolKind::Step, step.span, keyword);
            match &step.kind {
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (_, b) in branches {
                        s.children.extend(steps(text, b));
                    }
                    if let Some(b) = otherwise {
                        s.children.extend(steps(text, b));
                    }
                }
                StepKind::Repeat { body, .. } => s.children = steps(text, body),
                _ => {}
            }
            s
        })
        .collect()
}

pub(crate) fn document_symbols(doc: &Document) -> Vec<DocumentSymbol> {
    let text = doc.text();
    let mut out = Vec::new();
    for decl in doc.analysis.own_decls() {
        let span = decl.span();
        let s = match decl {
            Decl::Flow(f) => {
                let mut s = symbol(&f.name.name, SymbolKind::Flow, span, f.name.span);
                s.detail = f.version.map(|(v, _)| format!("version {v}"));
                s
            }
            Decl::Currency(c) => symbol(&c.code.name, SymbolKind::Currency, span, c.code.span),
            Decl::Account(a) => {
                let mut s = symbol(
                    "account",
                    SymbolKind::Account,
                    span,
                    Span::new(span.start as usize, span.start as usize + 7),
                );
                for f in &a.fields {
                    let mut field = symbol(&f.name.name, SymbolKind::Field, f.span, f.name.span);
                    field.detail = Some(crate::fmt::type_expr(&f.ty));
                    s.children.push(field);
                }
                s
            }
            Decl::Event(e) => {
                let mut s = symbol(&e.name.name, SymbolKind::Event, span, e.name.span);
                for f in &e.fields {
                    let mut field = symbol(&f.name.name, SymbolKind::Field, f.span, f.name.span);
                    field.detail = Some(crate::fmt::type_expr(&f.ty));
                    s.children.push(field);
                }
                s
            }
            Decl::Action(a) => {
                let mut s = symbol(&a.name.name, SymbolKind::Action, span, a.name.span);
                for f in &a.fields {
                    let mut field = symbol(&f.name.name, SymbolKind::Field, f.span, f.name.span);
                    field.detail = Some(crate::fmt::type_expr(&f.ty));
                    s.children.push(field);
                }
                s
            }
            Decl::Calendar(c) => symbol(&c.name.name, SymbolKind::Calendar, span, c.name.span),
            Decl::Policy(_) => symbol(
                "policy",
                SymbolKind::Policy,
                span,
                Span::new(span.start as usize, span.start as usize + 6),
            ),
            Decl::Var(v) => {
                let mut s = symbol(&v.name.name, SymbolKind::Variable, span, v.name.span);
                s.detail = Some(crate::fmt::type_expr(&v.ty));
                s
            }
            Decl::Segment(g) => symbol(&g.name.name, SymbolKind::Segment, span, g.name.span),
            Decl::Template(t) => {
                let mut s = symbol(&t.name.name, SymbolKind::Template, span, t.name.span);
                s.detail = Some(t.channel.name.clone());
                s
            }
            Decl::Handler(h) => {
                let mut s = symbol(
                    format!("on {}", h.event.name),
                    SymbolKind::Handler,
                    span,
                    h.event.span,
                );
                if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                    s.children = steps(text, b);
                }
                s
            }
            Decl::Start(st) => symbol(
                format!("start {}", st.stage.name),
                SymbolKind::Start,
                span,
                st.stage.span,
            ),
            Decl::Stage(st) => {
                let mut s = symbol(&st.name.name, SymbolKind::Stage, span, st.name.span);
                for h in &st.handlers {
                    let mut hs = symbol(
                        format!("on {}", h.event.name),
                        SymbolKind::Handler,
                        h.span,
                        h.event.span,
                    );
                    if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                        hs.children = steps(text, b);
                    }
                    s.children.push(hs);
                }
                s.children.extend(steps(text, &st.body));
                s
            }
            Decl::Test(t) => {
                let title = t.title.plain().unwrap_or_else(|| "test".into());
                symbol(title, SymbolKind::Test, span, t.title.span)
            }
            Decl::Reenter(_) => symbol("reenter", SymbolKind::Start, span, span),
            Decl::Locale(_) => symbol("locale", SymbolKind::Start, span, span),
            Decl::Language(_) => symbol("language", SymbolKind::Start, span, span),
            Decl::Payments(p) => symbol(
                format!("payments from {}.{}", p.event.name, p.field.name),
                SymbolKind::Start,
                span,
                p.event.span,
            ),
            Decl::Deadline(d) => symbol(
                format!("at ... -> {}", d.stage.name),
                SymbolKind::Start,
                span,
                d.stage.span,
            ),
            Decl::Migrate(mg) => symbol(
                format!("migrate from version {}", mg.from_version),
                SymbolKind::Start,
                span,
                span,
            ),
            Decl::Import(i) => symbol(
                format!("import {}", i.path.plain().unwrap_or_default()),
                SymbolKind::Import,
                span,
                i.path.span,
            ),
        };
        out.push(s);
    }
    out
}

pub(crate) fn folding_ranges(doc: &Document) -> Vec<FoldingRange> {
    let mut spans: Vec<(Span, FoldKind)> = Vec::new();
    for decl in doc.analysis.own_decls() {
        spans.push((decl.span(), FoldKind::Region));
        match decl {
            Decl::Stage(s) => {
                for h in &s.handlers {
                    spans.push((h.span, FoldKind::Region));
                    if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                        blocks(b, &mut spans);
                    }
                }
                blocks(&s.body, &mut spans);
            }
            Decl::Handler(h) => {
                if let crate::syntax::ast::HandlerBody::Block(b) = &h.body {
                    blocks(b, &mut spans);
                }
            }
            _ => {}
        }
    }
    // Runs of comment lines.
    let lines = doc.lines();
    let mut run: Option<(Span, usize)> = None;
    for c in &doc.analysis.file.comments {
        let line = lines.line_of(c.span.start as usize);
        run = match run {
            Some((span, last)) if last + 1 == line => Some((span.to(c.span), line)),
            Some((span, _)) => {
                spans.push((span, FoldKind::Comment));
                Some((c.span, line))
            }
            None => Some((c.span, line)),
        };
    }
    if let Some((span, _)) = run {
        spans.push((span, FoldKind::Comment));
    }
    let mut out: Vec<FoldingRange> = spans
        .into_iter()
        .filter_map(|(span, kind)| {
            let start_line = lines.line_of(span.start as usize) as u32;
            // A block ends with `}`: fold up to the line before it, so the
            // closing bracket stays visible.
            let end_line = lines.line_of(span.end.saturating_sub(1) as usize) as u32;
            (end_line > start_line).then_some(FoldingRange {
                span,
                kind,
                start_line,
                end_line,
            })
        })
        .collect();
    out.sort_by_key(|f| (f.start_line, std::cmp::Reverse(f.end_line)));
    out.dedup_by_key(|f| (f.start_line, f.end_line));
    out
}

fn blocks(block: &Block, out: &mut Vec<(Span, FoldKind)>) {
    for step in &block.steps {
        match &step.kind {
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    out.push((b.span, FoldKind::Region));
                    blocks(b, out);
                }
                if let Some(b) = otherwise {
                    out.push((b.span, FoldKind::Region));
                    blocks(b, out);
                }
            }
            StepKind::Repeat { body, .. } => {
                out.push((body.span, FoldKind::Region));
                blocks(body, out);
            }
            StepKind::Split { .. } => out.push((step.span, FoldKind::Region)),
            _ => {}
        }
    }
}
