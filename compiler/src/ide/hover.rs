//! Hover: what a name is, in the words of the flow. Types are written as
//! in a declaration (`money`, `low | medium | high`, `phone?`), followed by
//! the declaration's `##` doc comment; templates show their text with sample
//! values, stages the places that move an account into them.

use super::index::Target;
use super::Document;
use crate::fmt::{type_expr, Spelling};
use crate::model::{Model, Move, MoveKind, Type};
use crate::syntax::ast::{
    self, Decl, ExprKind, FieldDecl, Span, TemplateBody, TestAction, TestItemKind, Text, TextPart,
};
use foldhash::{HashMap, HashMapExt};
use std::fmt::Write;

/// The answer to a hover: Markdown, and the span of the name it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub span: Span,
    pub markdown: String,
}

/// How an account reaches a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the move is written (the stage name in the `goto`, `->`,
    /// `split` arm or `start`).
    pub span: Span,
    /// "`start`", "`goto` in stage `reminders`", "`on dispute` (any stage)".
    pub description: String,
}

pub(crate) fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let occ = doc.index.at(offset)?;
    let markdown = describe(doc, &occ.target)?;
    Some(Hover {
        span: occ.span,
        markdown,
    })
}

/// The declaration the model places at `at` in the file: hover reads the
/// syntax (doc comments, initialisers) of what the checker resolved, and
/// never looks a name up itself.
fn declared(file: &ast::File, at: Option<usize>) -> Option<&Decl> {
    file.decls.get(at?)
}

fn code(line: &str) -> String {
    format!("```dun\n{line}\n```")
}

fn describe(doc: &Document, target: &Target) -> Option<String> {
    let file = &doc.analysis.file;
    let model = &doc.analysis.model;
    let src = doc.text.as_str();
    let mut out = String::new();
    let mut doc_comment: Option<&str> = None;
    match target {
        Target::Stage(name) => {
            let stage = match declared(file, model.stages.get(name).map(|s| s.decl))? {
                Decl::Stage(s) => s,
                _ => return None,
            };
            out.push_str(&code(&format!("stage {name}")));
            doc_comment = stage.doc.as_deref();
            let entries = entries(model, name);
            if let Some(d) = doc_comment.take() {
                let _ = write!(out, "\n\n{d}");
            }
            if entries.is_empty() {
                out.push_str("\n\nNo stage, handler or `start` moves an account here.");
            } else {
                out.push_str("\n\nEntered from:");
                for e in &entries {
                    let _ = write!(out, "\n- {}", e.description);
                }
            }
        }
        Target::Template(name) => {
            let t = match declared(file, model.templates.get(name).map(|t| t.decl))? {
                Decl::Template(t) => t,
                _ => return None,
            };
            out.push_str(&code(&format!("template {name} for {}", t.channel.name)));
            if let Some(d) = &t.doc {
                let _ = write!(out, "\n\n{d}");
            }
            let samples = Samples::new(doc);
            out.push_str("\n\nWith sample values:\n");
            let template = model.templates.get(name);
            match &t.body {
                TemplateBody::Languages(texts) => {
                    for (i, text) in texts.iter().enumerate() {
                        if i > 0 {
                            out.push_str("\n\n");
                        }
                        let _ = writeln!(out, "`{}`:\n", text.language.name);
                        let file = template.and_then(|t| t.language_file(&text.language.name));
                        template_body(&mut out, &samples, src, &text.body, file);
                    }
                }
                body => {
                    let file = template.and_then(|t| t.file.as_ref());
                    template_body(&mut out, &samples, src, body, file);
                }
            }
        }
        Target::Event(name) if model.events.get(name).is_some_and(|e| e.built_in) => {
            out.push_str(&built_in_event(model, name)?);
        }
        Target::Event(name) => {
            let e = match declared(file, model.events.get(name).map(|e| e.decl))? {
                Decl::Event(e) => e,
                _ => return None,
            };
            if e.fields.is_empty() {
                out.push_str(&code(&format!("event {name}")));
                out.push_str("\n\nNo payload.");
            } else {
                out.push_str(&code(&format!(
                    "event {name} {{ {} }}",
                    field_list(&e.fields)
                )));
            }
            doc_comment = e.doc.as_deref();
        }
        Target::Var(name) => {
            let v = match declared(file, model.vars.get(name).map(|v| v.decl))? {
                Decl::Var(v) => v,
                _ => return None,
            };
            out.push_str(&code(&format!(
                "var {name}: {} = {}",
                type_expr(&v.ty),
                Spelling { src }.expr(&v.init)
            )));
            doc_comment = v.doc.as_deref();
        }
        Target::Segment(name) => {
            let s = match declared(file, model.segments.get(name).map(|s| s.decl))? {
                Decl::Segment(s) => s,
                _ => return None,
            };
            out.push_str(&code(&format!(
                "segment {name} = {}",
                Spelling { src }.expr(&s.cond)
            )));
            doc_comment = s.doc.as_deref();
        }
        Target::Calendar(name) => {
            let c = match declared(file, model.calendars.get(name).map(|c| c.decl))? {
                Decl::Calendar(c) => c,
                _ => return None,
            };
            out.push_str(&code(&format!("calendar {name}")));
            let weekend: Vec<&str> = c.weekend.iter().map(|d| d.name.as_str()).collect();
            let _ = write!(
                out,
                "\n\nWeekend: {}",
                if weekend.is_empty() {
                    "none".to_string()
                } else {
                    weekend.join(", ")
                }
            );
            let _ = write!(out, "\n\nHolidays: {}", c.holidays.len());
            doc_comment = c.doc.as_deref();
        }
        Target::Action(name) => {
            let a = match declared(file, model.actions.get(name).map(|a| a.decl))? {
                Decl::Action(a) => a,
                _ => return None,
            };
            out.push_str(&code(&format!(
                "action {name} {{ {} }}",
                field_list(&a.fields)
            )));
            doc_comment = a.doc.as_deref();
        }
        Target::AccountField(name) => {
            if name == "id" {
                out.push_str(&code("account.id: text"));
                out.push_str("\n\nBuilt in: every account has a text `id`.");
            } else {
                let at = model.account.get(name)?.span;
                let f = file.decls.iter().find_map(|d| match d {
                    Decl::Account(a) => a.fields.iter().find(|f| f.name.span == at),
                    _ => None,
                })?;
                out.push_str(&code(&format!("account.{name}: {}", type_expr(&f.ty))));
                if f.ty.optional {
                    out.push_str("\n\nOptional: read it where `is set` proves it present.");
                }
                doc_comment = f.doc.as_deref();
            }
        }
        Target::EventField { event, field }
            if model.events.get(event).is_some_and(|e| e.built_in) =>
        {
            let f = model.events.get(event)?.fields.get(field)?;
            out.push_str(&code(&format!("event.{field}: {}", f.ty.name())));
            let _ = write!(out, "\n\nPayload of the built-in event `{event}`");
            if event == crate::names::placement::AGENCY_RECALLED {
                out.push_str(": the name of the agency the account is recalled from");
            }
            out.push('.');
        }
        Target::EventField { event, field } => {
            let f = match declared(file, model.events.get(event).map(|e| e.decl))? {
                Decl::Event(e) => e.fields.iter().find(|f| &f.name.name == field)?,
                _ => return None,
            };
            out.push_str(&code(&format!("event.{field}: {}", type_expr(&f.ty))));
            let _ = write!(out, "\n\nPayload of the event `{event}`.");
            doc_comment = f.doc.as_deref();
        }
        Target::ActionField { action, field } => {
            let f = match declared(file, model.actions.get(action).map(|a| a.decl))? {
                Decl::Action(a) => a.fields.iter().find(|f| &f.name.name == field)?,
                _ => return None,
            };
            out.push_str(&code(&format!("{field}: {}", type_expr(&f.ty))));
            let _ = write!(out, "\n\nField of the action `{action}`.");
            doc_comment = f.doc.as_deref();
        }
        Target::Variant { set, name } => {
            out.push_str(&code(name));
            let _ = write!(out, "\n\nA variant of `{}`.", set.join(" | "));
        }
        Target::Queue(name) | Target::Outcome(name) | Target::Team(name) => {
            let (keyword, what) = match target {
                Target::Queue(_) => ("queue", "queue"),
                Target::Outcome(_) => ("end", "outcome"),
                _ => ("alert", "team"),
            };
            out.push_str(&code(&format!("{keyword} {name}")));
            let uses = doc.index.of(target).count();
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "An"
            } else {
                "A"
            };
            let _ = write!(
                out,
                "\n\n{article} {what} is defined by use; this file names it {uses} time{}.",
                if uses == 1 { "" } else { "s" }
            );
        }
    }
    if let Some(d) = doc_comment {
        let _ = write!(out, "\n\n{d}");
    }
    Some(out)
}

/// A template's text, or one language's, with sample values: `file` is
/// what was read of a `file "..."` body.
fn template_body(
    out: &mut String,
    samples: &Samples<'_>,
    src: &str,
    body: &TemplateBody,
    file: Option<&crate::model::TemplateFile>,
) {
    match body {
        TemplateBody::Text(text) => out.push_str(&quote(&samples.render(src, text))),
        TemplateBody::Email { subject, body } => {
            let _ = write!(
                out,
                "{}\n>\n{}",
                quote(&format!("**{}**", samples.render(src, subject))),
                quote(&samples.render(src, body))
            );
        }
        TemplateBody::File(path) => {
            let shown = path.plain().unwrap_or_default();
            match file.and_then(|f| Some((f, f.body.as_ref()?))) {
                Some((f, body)) => {
                    let _ = write!(
                        out,
                        "(from `{shown}`)\n\n{}",
                        quote(&samples.render(&f.source, body))
                    );
                }
                None => {
                    let _ = write!(out, "(the file `{shown}` could not be read)");
                }
            }
        }
        // Languages do not nest.
        TemplateBody::Languages(_) => {}
    }
}

fn quote(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What dun raises itself, said where a handler names it: built-in events
/// have no declaration to quote.
fn built_in_event(model: &Model, name: &str) -> Option<String> {
    let e = model.events.get(name)?;
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| format!("{}: {}", f.name, f.ty.name()))
        .collect();
    let mut out = if fields.is_empty() {
        code(&format!("event {name}"))
    } else {
        code(&format!("event {name} {{ {} }}", fields.join(", ")))
    };
    let why = match name {
        crate::names::placement::AGENCY_RECALLED => {
            "Built in: raised when the period of an `assign agency \"Name\" for DURATION` ends \
             and the account is recalled; `event.agency` is the agency's name."
        }
        crate::names::arrangements::PROMISE_KEPT => {
            "Built in: raised when the payments since a promise reach its amount."
        }
        crate::names::arrangements::PROMISE_BROKEN => {
            "Built in: raised when a promise's date and grace pass before it is kept."
        }
        crate::names::arrangements::INSTALLMENT_MISSED => {
            "Built in: raised when an installment's last day ends with the plan short of what was due."
        }
        crate::names::arrangements::PLAN_COMPLETED => {
            "Built in: raised when the payments since the plan began reach its amount."
        }
        crate::names::arrangements::PLAN_BROKEN => {
            "Built in: raised when a second installment in a row is missed."
        }
        _ => "Built in: raised by dun.",
    };
    let _ = write!(out, "\n\n{why}");
    Some(out)
}

fn field_list(fields: &[FieldDecl]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.name.name, type_expr(&f.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every place that moves an account into `stage`, in file order, as the
/// checker recorded them (`Usage::moves`).
pub fn entries(model: &Model, stage: &str) -> Vec<Entry> {
    let Some(to) = model.stages.position(stage) else {
        return Vec::new();
    };
    let stage_name = |at: Option<u16>| {
        at.and_then(|p| model.stages.at(usize::from(p)))
            .map(|s| s.name.as_str())
    };
    let mut moves: Vec<&Move> = model
        .usage
        .moves
        .iter()
        .filter(|m| usize::from(m.to) == to)
        .collect();
    moves.sort_by_key(|m| m.span.start);
    moves
        .into_iter()
        .map(|m| {
            let place = match stage_name(m.within) {
                Some(s) => format!("stage `{s}`"),
                None => "any stage".to_string(),
            };
            let handler = m.handler.as_ref().map(|h| {
                if h.when {
                    format!("`on {} when ...`", h.event)
                } else {
                    format!("`on {}`", h.event)
                }
            });
            // Where a step stands: in a handler, or in the stage's body.
            let within = match (&handler, stage_name(m.within)) {
                (Some(h), _) => format!("in handler {h} ({place})"),
                (None, Some(_)) => format!("in {place}"),
                (None, None) => String::new(),
            };
            let description = match &m.how {
                MoveKind::Start => "`start`: every new account enters here".to_string(),
                MoveKind::HandlerArrow => match &handler {
                    Some(h) => format!("{h} ({place})"),
                    None => format!("a handler ({place})"),
                },
                MoveKind::Goto => format!("`goto` {within}"),
                MoveKind::Split(share) => {
                    format!("`split` {within}: {}% of accounts", share.normalize())
                }
                MoveKind::Deadline => format!("deadline `at ... -> {stage}` ({place})"),
                MoveKind::Migrate { from_version } => {
                    format!("`migrate from version {from_version}`")
                }
            };
            Entry {
                span: m.span,
                description,
            }
        })
        .collect()
}

/// Values to show in a template's text: the first flow test's `given
/// account` when the file has one, else a made-up value of the field's type.
struct Samples<'a> {
    doc: &'a Document,
    given: HashMap<String, String>,
}

impl<'a> Samples<'a> {
    fn new(doc: &'a Document) -> Self {
        let mut given = HashMap::new();
        let src = doc.text.as_str();
        'tests: for decl in &doc.analysis.file.decls {
            if let Decl::Test(t) = decl {
                for item in &t.items {
                    if let TestItemKind::Given(values) = &item.kind {
                        for v in values {
                            let shown = match &v.value.kind {
                                ExprKind::Text(text) => text.plain(),
                                _ => None,
                            }
                            .unwrap_or_else(|| Spelling { src }.expr(&v.value));
                            given.insert(v.name.name.clone(), shown);
                        }
                        break 'tests;
                    }
                    if let TestItemKind::OnDay {
                        action: TestAction::Update(_),
                        ..
                    } = &item.kind
                    {
                        continue;
                    }
                }
            }
        }
        Samples { doc, given }
    }

    fn render(&self, src: &str, text: &Text) -> String {
        let mut out = String::new();
        for part in &text.parts {
            match part {
                TextPart::Literal(s, _) => out.push_str(s),
                TextPart::Placeholder(e) => out.push_str(&self.value(src, e)),
            }
        }
        out
    }

    fn value(&self, src: &str, e: &ast::Expr) -> String {
        let model = &self.doc.analysis.model;
        match &e.kind {
            // The day and moment the message would be sent.
            ExprKind::Today => return self.sample(&Type::Date, ""),
            ExprKind::Now => return self.sample(&Type::DateTime, ""),
            // A variable reads its initial value until a step sets it.
            ExprKind::Name(n) => {
                let at = model.vars.get(&n.name).map(|v| v.decl);
                let init = match declared(&self.doc.analysis.file, at) {
                    Some(Decl::Var(v)) => Some(&v.init),
                    _ => None,
                };
                if let Some(init) = init {
                    return match &init.kind {
                        ExprKind::Today | ExprKind::Now => self.value(src, init),
                        ExprKind::Text(text) => text.plain().unwrap_or_else(|| {
                            Spelling {
                                src: &self.doc.text,
                            }
                            .expr(init)
                        }),
                        _ => Spelling {
                            src: &self.doc.text,
                        }
                        .expr(init),
                    };
                }
            }
            _ => {}
        }
        if let ExprKind::Field {
            root: ast::FieldRoot::Account,
            field,
            ..
        } = &e.kind
        {
            if let Some(v) = self.given.get(&field.name) {
                return v.clone();
            }
            if field.name == "id" {
                return "ACC-0001".to_string();
            }
            if let Some(f) = model.account.get(&field.name) {
                return self.sample(&f.ty, &field.name);
            }
        }
        match self.doc.analysis.model.usage.expr_types.get(&e.span) {
            Some(ty) if *ty != Type::Unknown => self.sample(ty, ""),
            _ => format!("{{{}}}", Spelling { src }.expr(e)),
        }
    }

    fn sample(&self, ty: &Type, name: &str) -> String {
        let model = &self.doc.analysis.model;
        let currency = model
            .currency
            .as_ref()
            .map_or("USD", |(c, _)| c.as_str())
            .to_string();
        match ty {
            Type::Bool => "true".into(),
            Type::Number => "5".into(),
            Type::Money => format!("1,250.00 {currency}"),
            Type::Percent => "20%".into(),
            Type::Text if name == "name" => "Ann Lee".into(),
            Type::Text => format!("<{}>", if name.is_empty() { "text" } else { name }),
            Type::Date => "2026-03-01".into(),
            Type::Time => "09:00".into(),
            Type::DateTime => "2026-03-01 09:00".into(),
            Type::Duration => "3 days".into(),
            Type::Phone => "+15550100".into(),
            Type::Email => "ann@example.com".into(),
            Type::Address => "1 Main St, Springfield".into(),
            Type::Timezone => "America/New_York".into(),
            Type::Enum(id) => model.variants(*id).first().cloned().unwrap_or_default(),
            Type::Unknown => "…".into(),
        }
    }
}
