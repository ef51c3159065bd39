//! Every name of the file, where it is written and what it names, read
//! from the checker's model: declarations from its tables, every use from
//! `Usage::resolved` (span → declaration id), variants from
//! `Usage::variants`, and the symbols a flow defines by use (queues,
//! outcomes, teams) from `Usage::references`. Nothing here resolves a name:
//! a name the checker could not resolve has no occurrence. Definition,
//! references, rename, hover, highlights and semantic tokens all read this
//! list, so they agree with the checker on what a name means.

use crate::model::{DeclId, Model, SymbolKind};
use crate::syntax::ast::Span;
use foldhash::{HashMap, HashMapExt};

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
    pub fn build(model: &Model) -> Index {
        let mut occurrences = Vec::new();
        declarations(model, &mut occurrences);
        for (&span, &id) in &model.usage.resolved {
            if let Some(target) = target(model, id) {
                push(&mut occurrences, span, target, false);
            }
        }
        for (&span, &(id, position)) in &model.usage.variants {
            let set = model.variants(id);
            if let Some(name) = set.get(position as usize) {
                let target = Target::Variant {
                    set: set.to_vec(),
                    name: name.clone(),
                };
                push(&mut occurrences, span, target, false);
            }
        }
        for (symbol, spans) in &model.usage.references {
            let make: fn(String) -> Target = match symbol.kind {
                SymbolKind::Queue => Target::Queue,
                SymbolKind::Outcome => Target::Outcome,
                SymbolKind::Team => Target::Team,
                _ => continue,
            };
            for &span in spans {
                push(&mut occurrences, span, make(symbol.name.clone()), false);
            }
        }
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

fn push(out: &mut Vec<Occurrence>, span: Span, target: Target, declaration: bool) {
    if target.name().is_empty() || span.is_empty() {
        return;
    }
    out.push(Occurrence {
        span,
        target,
        declaration,
    });
}

/// Every declaration in the model's tables, by the span of its name.
fn declarations(model: &Model, out: &mut Vec<Occurrence>) {
    for s in model.stages.iter() {
        push(out, s.span, Target::Stage(s.name.clone()), true);
    }
    for t in model.templates.iter() {
        push(out, t.span, Target::Template(t.name.clone()), true);
    }
    for e in model.events.iter() {
        push(out, e.span, Target::Event(e.name.clone()), true);
        for f in e.fields.iter() {
            let target = Target::EventField {
                event: e.name.clone(),
                field: f.name.clone(),
            };
            push(out, f.span, target, true);
        }
    }
    for a in model.actions.iter() {
        push(out, a.span, Target::Action(a.name.clone()), true);
        for f in a.fields.iter() {
            let target = Target::ActionField {
                action: a.name.clone(),
                field: f.name.clone(),
            };
            push(out, f.span, target, true);
        }
    }
    for c in model.calendars.iter() {
        push(out, c.span, Target::Calendar(c.name.clone()), true);
    }
    for v in model.vars.iter() {
        push(out, v.span, Target::Var(v.name.clone()), true);
    }
    for s in model.segments.iter() {
        push(out, s.span, Target::Segment(s.name.clone()), true);
    }
    // `account.id` is built in: its span is empty and it is not pushed.
    for f in model.account.iter() {
        push(out, f.span, Target::AccountField(f.name.clone()), true);
    }
    for (variants, spans) in model.enums.iter().zip(&model.enum_spans) {
        for (name, &span) in variants.iter().zip(spans) {
            let target = Target::Variant {
                set: variants.clone(),
                name: name.clone(),
            };
            push(out, span, target, true);
        }
    }
}

/// What a resolved declaration id names, by the model's tables.
pub(crate) fn target(model: &Model, id: DeclId) -> Option<Target> {
    let at = usize::from;
    Some(match id {
        DeclId::Stage(i) => Target::Stage(model.stages.at(at(i))?.name.clone()),
        DeclId::Template(i) => Target::Template(model.templates.at(at(i))?.name.clone()),
        DeclId::Event(i) => Target::Event(model.events.at(at(i))?.name.clone()),
        DeclId::Action(i) => Target::Action(model.actions.at(at(i))?.name.clone()),
        DeclId::Calendar(i) => Target::Calendar(model.calendars.at(at(i))?.name.clone()),
        DeclId::Var(i) => Target::Var(model.vars.at(at(i))?.name.clone()),
        DeclId::Segment(i) => Target::Segment(model.segments.at(at(i))?.name.clone()),
        DeclId::AccountField(i) => Target::AccountField(model.account.at(at(i))?.name.clone()),
        DeclId::EventField { event, field } => {
            let e = model.events.at(at(event))?;
            Target::EventField {
                event: e.name.clone(),
                field: e.fields.at(at(field))?.name.clone(),
            }
        }
        DeclId::ActionField { action, field } => {
            let a = model.actions.at(at(action))?;
            Target::ActionField {
                action: a.name.clone(),
                field: a.fields.at(at(field))?.name.clone(),
            }
        }
    })
}
