//! First pass: every declaration into the model's tables, in one walk over
//! the top level. Bodies (steps, expressions) are checked by `types`, which
//! can then resolve names declared anywhere in the file.

use super::template_file;
use super::{near_miss, DUPLICATE, MISSING_FLOW, MISSING_START, UNKNOWN_CHANNEL, UNKNOWN_TYPE};
use crate::checks::codes::{FILE_NOT_FOUND, NO_BUSINESS_DAY, OPTIONAL_NOT_ALLOWED, UNKNOWN_STAGE};
use crate::diagnostics::Diagnostic;
use crate::model::{
    Action, Calendar, Channel, Event, Field, Flow, Model, Segment, Stage, Table, Template,
    TemplateFile, Type, Var,
};
use crate::model::{Duplicate, SymbolKind};
use crate::modules::Sources;
use crate::syntax::ast::{self, Decl, Span, TemplateBody, TypeExprKind};
use chrono::Weekday;
use std::path::Path;

pub(crate) fn collect(
    file: &ast::File,
    flow_dir: Option<&Path>,
    sources: &Sources,
    diags: &mut Vec<Diagnostic>,
) -> Model {
    let mut c = Collector {
        model: Model::default(),
        diags,
        flow_dir,
        sources,
        account_span: None,
        start_span: None,
        reenter_span: None,
        payments_span: None,
    };
    let _ = c.model.account.insert(
        "id",
        Field {
            name: "id".into(),
            span: Span::default(),
            ty: Type::Text,
            optional: false,
        },
    );
    for (at, decl) in file.decls.iter().enumerate() {
        c.decl(decl, at);
    }
    c.finish(file);
    super::arrangements::add(file, &mut c.model, c.diags);
    super::placement::add_builtin_events(file, &mut c.model);
    super::settlements::add(file, &mut c.model, c.diags);
    c.model
}

struct Collector<'a> {
    model: Model,
    diags: &'a mut Vec<Diagnostic>,
    flow_dir: Option<&'a Path>,
    /// Template files of an imported file are found next to that file.
    sources: &'a Sources,
    account_span: Option<Span>,
    start_span: Option<Span>,
    /// The first `reenter when`: a flow has one condition.
    reenter_span: Option<Span>,
    /// The first `payments from`: a flow has one payment event.
    payments_span: Option<Span>,
}

fn duplicate(what: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        DUPLICATE,
        format!("{what} `{name}` is declared twice"),
        span,
    )
    .with_label("declared again here")
    .with_secondary(first, "first declared here")
    .with_help(format!("rename one of them or delete the second {what}"))
}

impl Collector<'_> {
    fn decl(&mut self, decl: &Decl, at: usize) {
        match decl {
            Decl::Flow(f) => match &self.model.flow {
                Some(first) => self.diags.push(
                    Diagnostic::error(DUPLICATE, "a file holds exactly one `flow`", f.span)
                        .with_label("second flow")
                        .with_secondary(first.span, "the flow is named here")
                        .with_help("put each flow in its own file"),
                ),
                None => {
                    self.model.flow = Some(Flow {
                        name: f.name.name.clone(),
                        version: f.version.map(|(v, _)| v),
                        span: f.span,
                    })
                }
            },
            Decl::Currency(c) => match &self.model.currency {
                Some((_, first)) => self.diags.push(
                    Diagnostic::error(DUPLICATE, "a flow has only one `currency`", c.span)
                        .with_label("second currency")
                        .with_secondary(*first, "the currency is declared here")
                        .with_help(
                            "every money value of a flow is in one currency; delete one of the two",
                        ),
                ),
                None => self.model.currency = Some((c.code.name.clone(), c.span)),
            },
            Decl::Account(a) => {
                if let Some(first) = self.account_span {
                    self.diags.push(
                        Diagnostic::error(DUPLICATE, "a flow has only one `account` block", a.span)
                            .with_label("second account block")
                            .with_secondary(first, "the account is declared here")
                            .with_help("move these fields into the first `account` block"),
                    );
                    return;
                }
                self.account_span = Some(a.span);
                for f in &a.fields {
                    if f.name.name == "id" {
                        self.diags.push(
                            Diagnostic::error(
                                DUPLICATE,
                                "`id` is built in: every account has a text `id`",
                                f.name.span,
                            )
                            .with_label("already declared by dun")
                            .with_help("delete this line; `account.id` is always present"),
                        );
                        continue;
                    }
                    let field = self.field(f, true);
                    let mut table = std::mem::take(&mut self.model.account);
                    self.insert_field(&mut table, field, "account field");
                    self.model.account = table;
                }
            }
            Decl::Event(e) => {
                let fields = self.fields(&e.fields, true, "payload field");
                let event = Event {
                    name: e.name.name.clone(),
                    span: e.name.span,
                    fields,
                    decl: at,
                    built_in: false,
                };
                if let Err(first) = self.model.events.insert(&e.name.name, event) {
                    let d = duplicate("event", &e.name.name, e.name.span, first.span);
                    self.diags.push(d);
                    self.model
                        .duplicates
                        .push(Duplicate::of(SymbolKind::Event, &e.name));
                }
            }
            Decl::Action(a) => {
                let fields = self.fields(&a.fields, false, "action field");
                let action = Action {
                    name: a.name.name.clone(),
                    span: a.name.span,
                    fields,
                    decl: at,
                };
                if let Err(first) = self.model.actions.insert(&a.name.name, action) {
                    let d = duplicate("action", &a.name.name, a.name.span, first.span);
                    self.diags.push(d);
                    self.model
                        .duplicates
                        .push(Duplicate::of(SymbolKind::Action, &a.name));
                }
            }
            Decl::Calendar(cal) => self.calendar(cal, at),
            Decl::Var(v) => {
                let ty = self.resolve_type(&v.ty);
                if v.ty.optional {
                    self.diags.push(
                        Diagnostic::error(OPTIONAL_NOT_ALLOWED, format!("variable `{}` cannot be optional", v.name.name), v.ty.span)
                            .with_label("`?` not allowed here")
                            .with_help("a variable always has a value: drop the `?` and give it a starting value that means \"none yet\""),
                    );
                }
                self.value_name(&v.name, "variable");
                let var = Var {
                    name: v.name.name.clone(),
                    span: v.name.span,
                    ty,
                    decl: at,
                };
                let _ = self.model.vars.insert(&v.name.name, var);
            }
            Decl::Segment(s) => {
                self.value_name(&s.name, "segment");
                let segment = Segment {
                    name: s.name.name.clone(),
                    span: s.name.span,
                    proves: proves(&s.cond),
                    decl: at,
                };
                let _ = self.model.segments.insert(&s.name.name, segment);
            }
            Decl::Template(t) => self.template(t, at),
            Decl::Stage(s) => {
                let stage = Stage {
                    name: s.name.name.clone(),
                    span: s.name.span,
                    decl: at,
                };
                if let Err(first) = self.model.stages.insert(&s.name.name, stage) {
                    let d = duplicate("stage", &s.name.name, s.name.span, first.span);
                    self.diags.push(d);
                    self.model
                        .duplicates
                        .push(Duplicate::of(SymbolKind::Stage, &s.name));
                }
            }
            Decl::Start(s) => {
                if let Some(first) = self.start_span {
                    self.diags.push(
                        Diagnostic::error(DUPLICATE, "a flow has exactly one `start`", s.span)
                            .with_label("second start")
                            .with_secondary(first, "the start is declared here")
                            .with_help("new accounts enter one stage; delete one of the two"),
                    );
                } else {
                    self.start_span = Some(s.span);
                    self.model.start = Some(s.stage.name.clone());
                }
            }
            Decl::Policy(_)
            | Decl::Handler(_)
            | Decl::Test(_)
            | Decl::Migrate(_)
            | Decl::Import(_)
            | Decl::Deadline(_) => {}
            Decl::Payments(p) => match self.payments_span {
                Some(first) => self.diags.push(
                    Diagnostic::error(DUPLICATE, "a flow has one `payments from`", p.span)
                        .with_label("second payments line")
                        .with_secondary(first, "payments are declared here")
                        .with_help("keep one line: one event of the flow is the payment"),
                ),
                None => self.payments_span = Some(p.span),
            },
            Decl::Reenter(r) => match self.reenter_span {
                Some(first) => self.diags.push(
                    Diagnostic::error(DUPLICATE, "a flow has one `reenter when`", r.span)
                        .with_label("second reenter")
                        .with_secondary(first, "the condition is declared here")
                        .with_help("join the two conditions with `or` in one `reenter when`"),
                ),
                None => self.reenter_span = Some(r.span),
            },
            Decl::Locale(l) => match &self.model.messages.locale {
                Some(first) => {
                    let d = Diagnostic::error(DUPLICATE, "a flow has one `locale`", l.span)
                        .with_label("second locale")
                        .with_secondary(first.span, "the locale is declared here")
                        .with_help("delete one; a template can name its own with `template NAME for CHANNEL locale \"...\" ...`");
                    self.diags.push(d);
                }
                None => {
                    self.model.messages.locale = Some(crate::model::messages::LocaleLine {
                        name: l.name.plain().unwrap_or_default(),
                        span: l.span,
                    })
                }
            },
            Decl::Language(l) => {
                match &self.model.messages.language {
                    Some(first) => {
                        let d = Diagnostic::error(DUPLICATE, "a flow has one `language`", l.span)
                        .with_label("second language line")
                        .with_secondary(first.span, "the language is chosen here")
                        .with_help("delete one: one account field picks the language of every template");
                        self.diags.push(d);
                    }
                    None => {
                        let field = match &l.field.kind {
                            ast::ExprKind::Field { field, .. } => field.name.clone(),
                            _ => String::new(),
                        };
                        self.model.messages.language = Some(crate::model::messages::LanguageLine {
                            field,
                            fallback: l.fallback.clone(),
                            span: l.span,
                        })
                    }
                }
            }
        }
    }

    /// Variables and segments share one namespace: both are bare names in
    /// conditions.
    fn value_name(&mut self, name: &ast::Ident, what: &str) {
        let first = self
            .model
            .vars
            .get(&name.name)
            .map(|v| (v.span, "variable"))
            .or_else(|| {
                self.model
                    .segments
                    .get(&name.name)
                    .map(|s| (s.span, "segment"))
            });
        if let Some((span, kind)) = first {
            self.diags.push(
                Diagnostic::error(
                    DUPLICATE,
                    format!("`{}` is declared twice", name.name),
                    name.span,
                )
                .with_label(format!("declared again here as a {what}"))
                .with_secondary(span, format!("first declared here as a {kind}"))
                .with_help("variables and segments share their names; rename one of them"),
            );
            let kind = if what == "segment" {
                SymbolKind::Segment
            } else {
                SymbolKind::Var
            };
            self.model.duplicates.push(Duplicate::of(kind, name));
        }
    }

    fn fields(&mut self, decls: &[ast::FieldDecl], optional_ok: bool, what: &str) -> Table<Field> {
        let mut table = Table::default();
        for f in decls {
            let field = self.field(f, optional_ok);
            self.insert_field(&mut table, field, what);
        }
        table
    }

    fn insert_field(&mut self, table: &mut Table<Field>, field: Field, what: &str) {
        let (name, span) = (field.name.clone(), field.span);
        if let Err(first) = table.insert(&name, field) {
            let d = duplicate(what, &name, span, first.span);
            self.diags.push(d);
        }
    }

    fn field(&mut self, f: &ast::FieldDecl, optional_ok: bool) -> Field {
        let ty = self.resolve_type(&f.ty);
        if f.ty.optional && !optional_ok {
            self.diags.push(
                Diagnostic::error(
                    OPTIONAL_NOT_ALLOWED,
                    format!("action field `{}` cannot be optional", f.name.name),
                    f.ty.span,
                )
                .with_label("`?` not allowed here")
                .with_help("only account and event fields may be unset; drop the `?`"),
            );
        }
        Field {
            name: f.name.name.clone(),
            span: f.name.span,
            ty,
            optional: f.ty.optional && optional_ok,
        }
    }

    fn resolve_type(&mut self, te: &ast::TypeExpr) -> Type {
        match &te.kind {
            TypeExprKind::Named(id) => {
                if id.name.is_empty() {
                    return Type::Unknown;
                }
                match Type::from_name(&id.name) {
                    Some(t) => t,
                    None => {
                        let help = near_miss(&id.name, Type::NAMES).or_else(|| {
                            format!(
                                "the types are {}, or a choice written `a | b | c`",
                                Type::NAMES.join(", ")
                            )
                        });
                        self.diags.push(
                            Diagnostic::error(
                                UNKNOWN_TYPE,
                                format!("`{}` is not a type", id.name),
                                id.span,
                            )
                            .with_label("unknown type")
                            .with_suggestion(help),
                        );
                        Type::Unknown
                    }
                }
            }
            TypeExprKind::Enum(variants) => {
                let mut seen: Table<Span> = Table::default();
                let mut names = Vec::with_capacity(variants.len());
                let mut spans = Vec::with_capacity(variants.len());
                for v in variants {
                    if let Err(first) = seen.insert(&v.name, v.span) {
                        let d = duplicate("choice", &v.name, v.span, *first);
                        self.diags.push(d);
                    } else {
                        names.push(v.name.clone());
                        spans.push(v.span);
                    }
                }
                let id = crate::model::EnumId(self.model.enums.len() as u32);
                self.model.enums.push(names);
                self.model.enum_spans.push(spans);
                Type::Enum(id)
            }
        }
    }

    fn calendar(&mut self, cal: &ast::CalendarDecl, at: usize) {
        let weekend: Vec<Weekday> = cal
            .weekend
            .iter()
            .filter_map(|d| d.name.parse::<Weekday>().ok())
            .collect();
        let mut distinct = weekend.clone();
        distinct.sort_by_key(|d| d.num_days_from_monday());
        distinct.dedup();
        if distinct.len() == 7 {
            self.diags.push(
                Diagnostic::error(
                    NO_BUSINESS_DAY,
                    format!("calendar `{}` has no business day left", cal.name.name),
                    cal.span,
                )
                .with_label("every day of the week is a weekend day")
                .with_help(
                    "list only the days the business is closed, e.g. `weekend saturday, sunday`",
                ),
            );
        }
        let calendar = Calendar {
            name: cal.name.name.clone(),
            span: cal.name.span,
            weekend: distinct,
            holidays: cal.holidays.iter().map(|(d, _)| *d).collect(),
            decl: at,
        };
        if let Err(first) = self.model.calendars.insert(&cal.name.name, calendar) {
            let d = duplicate("calendar", &cal.name.name, cal.name.span, first.span);
            self.diags.push(d);
            self.model
                .duplicates
                .push(Duplicate::of(SymbolKind::Calendar, &cal.name));
        }
    }

    fn template(&mut self, t: &ast::TemplateDecl, at: usize) {
        let channel = Channel::from_name(&t.channel.name);
        if channel.is_none() && !t.channel.name.is_empty() {
            let names = Channel::ALL.map(Channel::name);
            let help = near_miss(&t.channel.name, names)
                .or_else(|| format!("the channels are {}", names.join(", ")));
            self.diags.push(
                Diagnostic::error(
                    UNKNOWN_CHANNEL,
                    format!("`{}` is not a channel", t.channel.name),
                    t.channel.span,
                )
                .with_label("unknown channel")
                .with_suggestion(help),
            );
        }
        let file = match &t.body {
            TemplateBody::File(path) => self.template_file(path),
            _ => None,
        };
        let mut language_files = Vec::new();
        if let TemplateBody::Languages(texts) = &t.body {
            for text in texts {
                if let TemplateBody::File(path) = &text.body {
                    if let Some(f) = self.template_file(path) {
                        language_files.push((text.language.name.clone(), f));
                    }
                }
            }
        }
        let template = Template {
            name: t.name.name.clone(),
            span: t.name.span,
            channel,
            file,
            decl: at,
            language_files,
        };
        if let Err(first) = self.model.templates.insert(&t.name.name, template) {
            let d = duplicate("template", &t.name.name, t.name.span, first.span);
            self.diags.push(d);
            self.model
                .duplicates
                .push(Duplicate::of(SymbolKind::Template, &t.name));
        }
    }

    /// Reads and parses a `file "..."` template (`template_file` says
    /// what may be read).
    fn template_file(&mut self, path: &ast::Text) -> Option<TemplateFile> {
        let written = path.plain()?; // placeholders are reported by `types`
        let refuse = |diags: &mut Vec<Diagnostic>, refusal: template_file::Refusal| {
            diags.push(
                Diagnostic::error(refusal.code, refusal.message, path.span)
                    .with_label(refusal.label)
                    .with_help(refusal.help),
            );
        };
        if let Err(refusal) = template_file::relative(&written) {
            refuse(self.diags, refusal);
            return None;
        }
        let Some(dir) = self.sources.imported_dir(path.span).or(self.flow_dir) else {
            self.diags.push(
                Diagnostic::error(
                    FILE_NOT_FOUND,
                    format!("template file `{written}` cannot be found before the flow is saved"),
                    path.span,
                )
                .with_label("relative to the flow's folder")
                .with_help("save the flow file; template files are looked up next to it"),
            );
            return None;
        };
        match template_file::read(dir, &written) {
            Ok((full, text)) => {
                let (file, problems) = template_file::parse(full, text, &written, path.span);
                self.diags.extend(problems);
                Some(file)
            }
            Err(refusal) => {
                refuse(self.diags, refusal);
                None
            }
        }
    }

    fn finish(&mut self, file: &ast::File) {
        if self.model.flow.is_none() {
            self.diags.push(
                Diagnostic::error(
                    MISSING_FLOW,
                    "this file has no `flow` line",
                    Span::new(0, 0),
                )
                .with_label("the flow needs a name")
                .with_help("start the file with `flow NAME`, e.g. `flow consumer_early version 1`"),
            );
        }
        let start = file.decls.iter().find_map(|d| match d {
            Decl::Start(s) => Some(s),
            _ => None,
        });
        match start {
            None => {
                let help = match self.model.stages.iter().next() {
                    Some(first) => {
                        format!("add `start {}` to say where new accounts enter", first.name)
                    }
                    None => {
                        "add a stage and `start STAGE` to say where new accounts enter".to_string()
                    }
                };
                self.diags.push(
                    Diagnostic::error(MISSING_START, "this flow has no `start`", Span::new(0, 0))
                        .with_label("where do new accounts enter?")
                        .with_help(help),
                );
            }
            Some(s) if !s.stage.name.is_empty() && !self.model.stages.contains(&s.stage.name) => {
                self.model.start = None;
                let d = unknown_stage(&self.model, &s.stage);
                self.diags.push(d);
            }
            Some(_) => {}
        }
    }
}

/// The diagnostic for a name that should be a stage and is not.
pub(crate) fn unknown_stage(model: &Model, name: &ast::Ident) -> Diagnostic {
    let help = near_miss(&name.name, model.stages.names())
        .or_else(|| format!("declare it with `stage {} {{ ... }}`", name.name));
    Diagnostic::error(
        UNKNOWN_STAGE,
        format!("there is no stage `{}`", name.name),
        name.span,
    )
    .with_label("unknown stage")
    .with_suggestion(help)
}

/// The optional account fields a segment's condition proves set when it
/// holds: `x is set` on its own or on either side of `and`.
fn proves(e: &ast::Expr) -> Vec<String> {
    use ast::{BinaryOp, ExprKind, FieldRoot};
    match &e.kind {
        ExprKind::IsSet(inner) => match &inner.kind {
            ExprKind::Field {
                root: FieldRoot::Account,
                field,
                ..
            } => vec![format!("account.{}", field.name)],
            _ => Vec::new(),
        },
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            let mut v = proves(lhs);
            v.extend(proves(rhs));
            v
        }
        _ => Vec::new(),
    }
}
