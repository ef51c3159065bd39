//! Every name of the file, where it is written and what it names: one walk
//! over the syntax tree when the document is analysed. Definition,
//! references, rename, hover and semantic tokens all read this list, so they
//! agree on what a name means. Bare names in expressions are not resolved
//! here: the checker's resolution (`model::Usage::resolved`) says which
//! variable or segment each names, and the type it recorded for the
//! expression which enumeration a variant belongs to.

use crate::model::{DeclId, Model, Type};
use crate::syntax::ast::{
    self, Block, Decl, DurationLit, Expectation, Expr, ExprKind, FieldRoot, HandlerBody, Ident,
    PolicyRuleKind, Span, StepKind, TemplateBody, TestAction, TestItemKind, Text, TextPart,
    TypeExpr, TypeExprKind, WaitKind,
};
use std::collections::HashMap;

/// What a name names. Symbols the flow defines by use (queues, outcomes,
/// teams) have no declaration: their first use stands for one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Stage(String),
    Template(String),
    Event(String),
    Var(String),
    Segment(String),
    Calendar(String),
    Action(String),
    /// `account.x`, `send ... to x`, `given account { x: ... }`.
    AccountField(String),
    /// A payload field of an event.
    EventField {
        event: String,
        field: String,
    },
    /// A field of a custom action.
    ActionField {
        action: String,
        field: String,
    },
    /// A variant of an enumeration. Enumerations are compared by their
    /// variants (`Model::same_type`), so `set` is the variant list.
    Variant {
        set: Vec<String>,
        name: String,
    },
    Queue(String),
    Outcome(String),
    Team(String),
}

impl Target {
    /// The name as written in the file.
    pub fn name(&self) -> &str {
        match self {
            Target::Stage(n)
            | Target::Template(n)
            | Target::Event(n)
            | Target::Var(n)
            | Target::Segment(n)
            | Target::Calendar(n)
            | Target::Action(n)
            | Target::AccountField(n)
            | Target::Queue(n)
            | Target::Outcome(n)
            | Target::Team(n) => n,
            Target::EventField { field, .. } | Target::ActionField { field, .. } => field,
            Target::Variant { name, .. } => name,
        }
    }

    /// The kind in words: "stage", "account field", ...
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Stage(_) => "stage",
            Target::Template(_) => "template",
            Target::Event(_) => "event",
            Target::Var(_) => "variable",
            Target::Segment(_) => "segment",
            Target::Calendar(_) => "calendar",
            Target::Action(_) => "action",
            Target::AccountField(_) => "account field",
            Target::EventField { .. } => "payload field",
            Target::ActionField { .. } => "action field",
            Target::Variant { .. } => "variant",
            Target::Queue(_) => "queue",
            Target::Outcome(_) => "outcome",
            Target::Team(_) => "team",
        }
    }
}

/// One place a name is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The span of the name itself.
    pub span: Span,
    pub target: Target,
    /// This is where the name is declared.
    pub declaration: bool,
}

/// Every name of a file, sorted by position.
#[derive(Clone, Debug, Default)]
pub struct Index {
    occurrences: Vec<Occurrence>,
    by_target: HashMap<Target, Vec<usize>>,
}

impl Index {
    pub fn build(file: &ast::File, model: &Model) -> Index {
        let mut w = Walker {
            model,
            out: Vec::new(),
        };
        for decl in &file.decls {
            w.decl(decl);
        }
        let mut occurrences = w.out;
        occurrences.sort_by_key(|o| (o.span.start, o.span.end));
        occurrences.dedup_by(|a, b| a.span == b.span && a.target == b.target);
        let mut by_target: HashMap<Target, Vec<usize>> = HashMap::new();
        for (i, o) in occurrences.iter().enumerate() {
            by_target.entry(o.target.clone()).or_default().push(i);
        }
        Index {
            occurrences,
            by_target,
        }
    }

    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The name at a byte offset: the one the offset is inside, else the
    /// one that ends right there (the cursor just after a word).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        // The first occurrence starting after the offset; candidates are before it.
        let upper = self.occurrences.partition_point(|o| o.span.start <= offset);
        let mut touching = None;
        for o in self.occurrences[..upper].iter().rev().take(4) {
            if o.span.start <= offset && offset < o.span.end {
                return Some(o);
            }
            if o.span.end == offset && touching.is_none() {
                touching = Some(o);
            }
        }
        touching
    }

    /// Every occurrence of a target, declarations included, in file order.
    pub fn of<'a>(&'a self, target: &Target) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.by_target
            .get(target)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.occurrences.get(i))
    }

    /// Where a target is declared; for symbols defined by use, their first use.
    pub fn declarations(&self, target: &Target) -> Vec<Span> {
        let decls: Vec<Span> = self
            .of(target)
            .filter(|o| o.declaration)
            .map(|o| o.span)
            .collect();
        if !decls.is_empty() {
            return decls;
        }
        match target {
            Target::Queue(_) | Target::Outcome(_) | Target::Team(_) => {
                self.of(target).map(|o| o.span).take(1).collect()
            }
            _ => Vec::new(),
        }
    }
}

struct Walker<'a> {
    model: &'a Model,
    out: Vec<Occurrence>,
}

impl Walker<'_> {
    fn push(&mut self, id: &Ident, target: Target, declaration: bool) {
        if id.name.is_empty() || id.span.is_empty() {
            return;
        }
        self.out.push(Occurrence {
            span: id.span,
            target,
            declaration,
        });
    }

    fn decl(&mut self, decl: &Decl) {
        match decl {
            Decl::Flow(_) | Decl::Currency(_) => {}
            Decl::Account(a) => {
                for f in &a.fields {
                    self.push(&f.name, Target::AccountField(f.name.name.clone()), true);
                    self.type_expr(&f.ty);
                }
            }
            Decl::Event(e) => {
                self.push(&e.name, Target::Event(e.name.name.clone()), true);
                for f in &e.fields {
                    let t = Target::EventField {
                        event: e.name.name.clone(),
                        field: f.name.name.clone(),
                    };
                    self.push(&f.name, t, true);
                    self.type_expr(&f.ty);
                }
            }
            Decl::Action(a) => {
                self.push(&a.name, Target::Action(a.name.name.clone()), true);
                for f in &a.fields {
                    let t = Target::ActionField {
                        action: a.name.name.clone(),
                        field: f.name.name.clone(),
                    };
                    self.push(&f.name, t, true);
                    self.type_expr(&f.ty);
                }
            }
            Decl::Calendar(c) => {
                self.push(&c.name, Target::Calendar(c.name.name.clone()), true);
            }
            Decl::Policy(p) => {
                for rule in &p.rules {
                    match &rule.kind {
                        PolicyRuleKind::ContactHours { zone, .. } => {
                            if let Some(z) = zone {
                                self.expr(z, None);
                            }
                        }
                        PolicyRuleKind::Windows { zone, .. } => {
                            if let Some(z) = zone {
                                self.expr(z, None);
                            }
                        }
                        PolicyRuleKind::NoContactDays(_) => {}
                        PolicyRuleKind::NoContactHolidays(cal) => {
                            self.push(cal, Target::Calendar(cal.name.clone()), false);
                        }
                        PolicyRuleKind::AtMost { window, .. } => self.duration(window),
                        PolicyRuleKind::AtMostPerWeek { .. } => {}
                        PolicyRuleKind::Pause {
                            duration,
                            event,
                            when,
                            ..
                        } => {
                            self.duration(duration);
                            self.push(event, Target::Event(event.name.clone()), false);
                            if let Some(w) = when {
                                self.expr(w, Some(&event.name));
                            }
                        }
                        PolicyRuleKind::Stop { event, when, .. } => {
                            self.push(event, Target::Event(event.name.clone()), false);
                            if let Some(w) = when {
                                self.expr(w, Some(&event.name));
                            }
                        }
                        PolicyRuleKind::Hold {
                            event,
                            release,
                            longest,
                            when,
                            ..
                        } => {
                            self.push(event, Target::Event(event.name.clone()), false);
                            self.push(release, Target::Event(release.name.clone()), false);
                            if let Some(d) = longest {
                                self.duration(d);
                            }
                            if let Some(w) = when {
                                self.expr(w, Some(&event.name));
                            }
                        }
                    }
                }
            }
            Decl::Var(v) => {
                self.push(&v.name, Target::Var(v.name.name.clone()), true);
                self.type_expr(&v.ty);
                self.expr(&v.init, None);
            }
            Decl::Segment(s) => {
                self.push(&s.name, Target::Segment(s.name.name.clone()), true);
                self.expr(&s.cond, None);
            }
            Decl::Template(t) => {
                self.push(&t.name, Target::Template(t.name.name.clone()), true);
                match &t.body {
                    TemplateBody::Text(text) => self.text(text, None),
                    TemplateBody::Email { subject, body } => {
                        self.text(subject, None);
                        self.text(body, None);
                    }
                    TemplateBody::File(_) => {}
                }
            }
            Decl::Handler(h) => self.handler(h),
            Decl::Deadline(d) => self.deadline(d),
            Decl::Start(s) => self.push(&s.stage, Target::Stage(s.stage.name.clone()), false),
            Decl::Stage(s) => {
                self.push(&s.name, Target::Stage(s.name.name.clone()), true);
                for h in &s.handlers {
                    self.handler(h);
                }
                for d in &s.deadlines {
                    self.deadline(d);
                }
                self.block(&s.body, None);
            }
            Decl::Test(t) => self.test(t),
            Decl::Reenter(r) => self.expr(&r.cond, None),
            Decl::Migrate(mg) => {
                for mv in &mg.moves {
                    self.push(&mv.to, Target::Stage(mv.to.name.clone()), false);
                }
                for v in &mg.vars {
                    self.push(&v.name, Target::Var(v.name.name.clone()), false);
                    self.expr(&v.value, None);
                }
            }
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        if let TypeExprKind::Enum(variants) = &ty.kind {
            let mut set: Vec<String> = Vec::with_capacity(variants.len());
            for v in variants {
                if !set.contains(&v.name) {
                    set.push(v.name.clone());
                }
            }
            for v in variants {
                let t = Target::Variant {
                    set: set.clone(),
                    name: v.name.clone(),
                };
                self.push(v, t, true);
            }
        }
    }

    fn handler(&mut self, h: &ast::Handler) {
        self.push(&h.event, Target::Event(h.event.name.clone()), false);
        if let Some(w) = &h.when {
            self.expr(w, Some(&h.event.name));
        }
        match &h.body {
            HandlerBody::Goto(stage) => self.push(stage, Target::Stage(stage.name.clone()), false),
            HandlerBody::Block(b) => self.block(b, Some(&h.event.name)),
        }
    }

    fn deadline(&mut self, d: &ast::Deadline) {
        self.expr(&d.at, None);
        if let Some(w) = &d.when {
            self.expr(w, None);
        }
        self.push(&d.stage, Target::Stage(d.stage.name.clone()), false);
    }

    fn block(&mut self, b: &Block, event: Option<&str>) {
        for step in &b.steps {
            self.step(&step.kind, event);
        }
    }

    fn step(&mut self, kind: &StepKind, event: Option<&str>) {
        match kind {
            StepKind::Send {
                template, to, when, ..
            } => {
                self.push(template, Target::Template(template.name.clone()), false);
                if let Some(to) = to {
                    self.push(to, Target::AccountField(to.name.clone()), false);
                }
                if let Some(w) = when {
                    self.expr(w, event);
                }
            }
            StepKind::Call { queue, when, .. } => {
                if let Some(q) = queue {
                    self.push(q, Target::Queue(q.name.clone()), false);
                }
                if let Some(w) = when {
                    self.expr(w, event);
                }
            }
            StepKind::Wait(WaitKind::For(d)) => self.duration(d),
            StepKind::Wait(WaitKind::Until(e)) => self.expr(e, event),
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.expr(cond, event);
                    self.block(body, event);
                }
                if let Some(b) = otherwise {
                    self.block(b, event);
                }
            }
            StepKind::Repeat { body, .. } => self.block(body, event),
            StepKind::Split { arms } => {
                for arm in arms {
                    self.push(&arm.stage, Target::Stage(arm.stage.name.clone()), false);
                }
            }
            StepKind::Goto(stage) => self.push(stage, Target::Stage(stage.name.clone()), false),
            StepKind::End(outcome) => {
                self.push(outcome, Target::Outcome(outcome.name.clone()), false)
            }
            StepKind::Set { var, value } => {
                self.push(var, Target::Var(var.name.clone()), false);
                self.expr(value, event);
            }
            StepKind::AssignQueue { queue, .. } => {
                self.push(queue, Target::Queue(queue.name.clone()), false)
            }
            StepKind::AssignAgency(text) => self.text(text, event),
            StepKind::OfferDiscount { duration, .. } => {
                if let Some(d) = duration {
                    self.duration(d);
                }
            }
            StepKind::OfferPlan { every, .. } => self.duration(every),
            StepKind::Alert { team, text } => {
                self.push(team, Target::Team(team.name.clone()), false);
                self.text(text, event);
            }
            StepKind::Emit { action, fields } => {
                self.push(action, Target::Action(action.name.clone()), false);
                for f in fields {
                    let t = Target::ActionField {
                        action: action.name.clone(),
                        field: f.name.name.clone(),
                    };
                    self.push(&f.name, t, false);
                    self.expr(&f.value, event);
                }
            }
        }
    }

    fn test(&mut self, t: &ast::Test) {
        for item in &t.items {
            match &item.kind {
                TestItemKind::Given(values) => self.account_values(values),
                TestItemKind::Start { .. } => {}
                TestItemKind::OnDay { action, .. } => match action {
                    TestAction::Receive { event, fields } => {
                        self.push(event, Target::Event(event.name.clone()), false);
                        for f in fields {
                            let t = Target::EventField {
                                event: event.name.clone(),
                                field: f.name.name.clone(),
                            };
                            self.push(&f.name, t, false);
                            self.expr(&f.value, None);
                        }
                    }
                    TestAction::Update(values) => self.account_values(values),
                    TestAction::Expect(e) => self.expectation(e),
                },
            }
        }
    }

    fn account_values(&mut self, values: &[ast::FieldValue]) {
        for v in values {
            self.push(&v.name, Target::AccountField(v.name.name.clone()), false);
            self.expr(&v.value, None);
        }
    }

    fn expectation(&mut self, e: &Expectation) {
        match e {
            Expectation::Sent { template, .. } => {
                self.push(template, Target::Template(template.name.clone()), false)
            }
            Expectation::Call { queue } => {
                if let Some(q) = queue {
                    self.push(q, Target::Queue(q.name.clone()), false);
                }
            }
            Expectation::No { .. }
            | Expectation::AssignedAgency(_)
            | Expectation::OfferDiscount(_) => {}
            Expectation::AssignedQueue(q) => self.push(q, Target::Queue(q.name.clone()), false),
            Expectation::Alert(team) => self.push(team, Target::Team(team.name.clone()), false),
            Expectation::Emitted(a) => self.push(a, Target::Action(a.name.clone()), false),
            Expectation::Stage(s) => self.push(s, Target::Stage(s.name.clone()), false),
            Expectation::End(o) => self.push(o, Target::Outcome(o.name.clone()), false),
            Expectation::Var { var, value } => {
                self.push(var, Target::Var(var.name.clone()), false);
                self.expr(value, None);
            }
        }
    }

    fn duration(&mut self, d: &DurationLit) {
        if let Some(cal) = &d.calendar {
            self.push(cal, Target::Calendar(cal.name.clone()), false);
        }
    }

    fn text(&mut self, text: &Text, event: Option<&str>) {
        for part in &text.parts {
            if let TextPart::Placeholder(e) = part {
                self.expr(e, event);
            }
        }
    }

    fn expr(&mut self, e: &Expr, event: Option<&str>) {
        match &e.kind {
            ExprKind::Number(_)
            | ExprKind::Percent(_)
            | ExprKind::Money { .. }
            | ExprKind::Date(_)
            | ExprKind::Time(_)
            | ExprKind::DateTime(..)
            | ExprKind::Bool(_)
            | ExprKind::Today
            | ExprKind::Now => {}
            ExprKind::Duration(d) => self.duration(d),
            ExprKind::Text(t) => self.text(t, event),
            ExprKind::Name(id) => {
                if let Some(t) = self.resolve_name(id, e.span) {
                    self.push(id, t, false);
                }
            }
            ExprKind::Field { root, field, .. } => match root {
                FieldRoot::Account => {
                    self.push(field, Target::AccountField(field.name.clone()), false)
                }
                FieldRoot::Event => {
                    if let Some(ev) = event {
                        let t = Target::EventField {
                            event: ev.to_string(),
                            field: field.name.clone(),
                        };
                        self.push(field, t, false);
                    }
                }
            },
            ExprKind::Unary { expr, .. } | ExprKind::IsSet(expr) => self.expr(expr, event),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, event);
                self.expr(rhs, event);
            }
            ExprKind::In { expr, list } => {
                self.expr(expr, event);
                for item in list {
                    self.expr(item, event);
                }
            }
        }
    }

    /// A bare name as the checker resolved it (`Usage::resolved`): a
    /// variable or a segment; a name it left unresolved is a variant of the
    /// enumeration the checker typed the expression as.
    fn resolve_name(&self, id: &Ident, span: Span) -> Option<Target> {
        let model = self.model;
        match model.usage.resolved.get(&id.span) {
            Some(DeclId::Var(i)) => {
                return model
                    .vars
                    .at(usize::from(*i))
                    .map(|v| Target::Var(v.name.clone()))
            }
            Some(DeclId::Segment(i)) => {
                return model
                    .segments
                    .at(usize::from(*i))
                    .map(|s| Target::Segment(s.name.clone()))
            }
            _ => {}
        }
        match model.usage.expr_types.get(&span) {
            Some(Type::Enum(e)) if model.variants(*e).contains(&id.name) => Some(Target::Variant {
                set: model.variants(*e).to_vec(),
                name: id.name.clone(),
            }),
            _ => None,
        }
    }
}
