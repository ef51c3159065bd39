//! The checked model of a flow: every declaration by name with its span and
//! type, and what the checker learnt while walking the file (the type of
//! every expression, every reference to every symbol, the queues, teams,
//! outcomes and agencies the flow uses). Lowering, the formatter and the
//! editor queries read this instead of re-deriving it from the syntax tree.

mod duplicates;
pub mod messages;
mod moves;
mod table;
mod ty;
pub mod week;

pub use duplicates::Duplicate;
pub use moves::{Move, MoveHandler, MoveKind};
pub use table::Table;
pub use ty::{Channel, ChannelSet, EnumId, Type};

use crate::syntax::ast::Span;
use chrono::{NaiveDate, Weekday};
use foldhash::HashMap;
use std::path::PathBuf;

/// An account field, event payload field or action field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    /// The span of the field's name; `Span::default()` for `account.id`,
    /// which is built in.
    pub span: Span,
    pub ty: Type,
    /// Written `T?`: may be unset.
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub name: String,
    pub version: Option<u32>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub span: Span,
    pub fields: Table<Field>,
    /// The declaration's position in `ast::File::decls`.
    pub decl: usize,
    /// Raised by the engine (`promise_kept`, ...), not declared: `decl` is
    /// the flow's `payments from` line.
    pub built_in: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub name: String,
    pub span: Span,
    pub fields: Table<Field>,
    /// The declaration's position in `ast::File::decls`.
    pub decl: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    pub name: String,
    pub span: Span,
    pub weekend: Vec<Weekday>,
    pub holidays: Vec<NaiveDate>,
    /// The declaration's position in `ast::File::decls`.
    pub decl: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    pub name: String,
    pub span: Span,
    pub ty: Type,
    /// The declaration's position in `ast::File::decls` (its starting value).
    pub decl: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: String,
    pub span: Span,
    /// Optional account fields that the segment's condition proves set when
    /// it holds (`segment reachable = account.mobile is set`), so that
    /// `if reachable { ... }` may use them.
    pub proves: Vec<String>,
    /// The declaration's position in `ast::File::decls` (its condition).
    pub decl: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub name: String,
    pub span: Span,
    /// `None` when the channel name is not one dun knows (already reported).
    pub channel: Option<Channel>,
    /// For `file "..."` templates: the file, read once (by
    /// `names::template_file`) and parsed once.
    pub file: Option<TemplateFile>,
    /// The declaration's position in `ast::File::decls` (its text).
    pub decl: usize,
    /// For a template with a text per language, the texts written in a
    /// file (`es file "..."`), by language, read like `file`.
    pub language_files: Vec<(String, TemplateFile)>,
}

impl Template {
    /// The file of this template's text in `language`, if it is one.
    pub fn language_file(&self, language: &str) -> Option<&TemplateFile> {
        self.language_files
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, f)| f)
    }
}

/// The key of a language's file text in `Usage::resolved_in_files`: the
/// template's name and the language, which no template name can be.
pub fn language_file_key(template: &str, language: &str) -> String {
    format!("{template}.{language}")
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateFile {
    pub path: PathBuf,
    pub text: String,
    /// The text as template text: literal parts and `{expr}` placeholders,
    /// with spans into `source`. `None` when a placeholder does not parse
    /// (already reported).
    pub body: Option<crate::syntax::ast::Text>,
    /// The text as it was parsed: `text` as the string of an inline
    /// template.
    pub source: String,
    /// Where the lines of the parsed text break, for messages that name a
    /// line of the file.
    pub newlines: Vec<u32>,
}

impl TemplateFile {
    /// The line (from 0) of an offset into the parsed text.
    pub fn line_of(&self, offset: u32) -> usize {
        self.newlines.partition_point(|&n| n < offset)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub name: String,
    pub span: Span,
    /// The declaration's position in `ast::File::decls` (its body).
    pub decl: usize,
}

/// A declaration, by kind and position in the model's table of that kind
/// (`Table::position`). The compiled machine numbers declarations the same
/// way, except account fields: the built-in `id` is position 0 here and has
/// no slot in the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeclId {
    Stage(u16),
    Template(u16),
    Event(u16),
    Action(u16),
    Calendar(u16),
    Var(u16),
    Segment(u16),
    AccountField(u16),
    EventField { event: u16, field: u16 },
    ActionField { action: u16, field: u16 },
}

/// What a symbol is, for references and "unused" checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    Stage,
    Template,
    Event,
    Var,
    Segment,
    Calendar,
    Action,
    /// `account.x`; the name is the field's.
    AccountField,
    /// `event.x`; the name is `event_name.field`.
    EventField,
    /// A field of a custom action in `emit`; the name is `action.field`.
    ActionField,
    /// Defined by use (decision 6): `end paid`, `assign queue x`,
    /// `call queue x`, `alert supervisors`, `assign agency "Name"`.
    Outcome,
    Queue,
    Team,
    Agency,
}

/// A symbol named by kind and name (`EventField` names are `event.field`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
}

impl Symbol {
    pub fn new(kind: SymbolKind, name: impl Into<String>) -> Self {
        Symbol {
            kind,
            name: name.into(),
        }
    }
}

/// A map keyed by source spans, with a fast hasher: the checker records
/// an entry for every name and expression of a file, and the keys are its
/// own offsets, not input an attacker chooses to collide (the seed is still
/// random per process).
pub type SpanMap<V> = HashMap<Span, V>;

/// Facts gathered while checking the file.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    /// The type of every expression the checker typed, by the expression's
    /// span (placeholders in template files are not included: their spans
    /// are not in this file).
    pub expr_types: SpanMap<Type>,
    /// Every place a symbol is named, declarations excluded, flow tests
    /// included; in source order.
    pub references: HashMap<Symbol, Vec<Span>>,
    /// Every name use that names a declaration, by the span of the name:
    /// what lowering and the editor read instead of resolving names again.
    /// A bare name with no entry is a variant of an enumeration.
    pub resolved: SpanMap<DeclId>,
    /// The same for the placeholders of each `file "..."` template, by
    /// template name: their spans are offsets into the template's file.
    pub resolved_in_files: HashMap<String, SpanMap<DeclId>>,
    /// Every bare name read as a variant of an enumeration, by the name's
    /// span: the enumeration and the variant's position in it.
    pub variants: SpanMap<(EnumId, u32)>,
    /// For each contact step (`send`, by the step's span), the account
    /// field it goes to: the `to` field, or the account's only field of the
    /// channel's contact type.
    pub send_targets: SpanMap<String>,
    /// Every place that moves an account into a stage (flow tests
    /// excluded), in the order the checker walked them.
    pub moves: Vec<Move>,
}

impl Usage {
    pub fn references_to(&self, kind: SymbolKind, name: &str) -> &[Span] {
        self.references
            .get(&Symbol::new(kind, name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The resolved symbol table of a flow and what the checker learnt.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub flow: Option<Flow>,
    /// The ISO 4217 code of `currency`, with its span.
    pub currency: Option<(String, Span)>,
    /// The account's fields, `id` (text, always present) first.
    pub account: Table<Field>,
    pub events: Table<Event>,
    pub actions: Table<Action>,
    pub calendars: Table<Calendar>,
    pub vars: Table<Var>,
    pub segments: Table<Segment>,
    pub templates: Table<Template>,
    pub stages: Table<Stage>,
    /// The stage named by `start`, once it names a stage.
    pub start: Option<String>,
    /// The variants of every enumeration type written in the file; `EnumId`
    /// indexes this.
    pub enums: Vec<Vec<String>>,
    /// Where each variant of `enums` is written in its type, in the same
    /// order.
    pub enum_spans: Vec<Vec<Span>>,
    pub usage: Usage,
    /// `locale "..."` and `language ...`: how messages are worded.
    pub messages: crate::model::messages::Messages,
    /// Declarations of a name already declared (reported as duplicates),
    /// in file order.
    pub duplicates: Vec<Duplicate>,
}

impl Model {
    /// The declaration a symbol names, if it is declared (queues, teams,
    /// outcomes and agencies are defined by use and have none).
    pub fn decl_id(&self, kind: SymbolKind, name: &str) -> Option<DeclId> {
        let at = |p: Option<usize>| p.and_then(|i| u16::try_from(i).ok());
        Some(match kind {
            SymbolKind::Stage => DeclId::Stage(at(self.stages.position(name))?),
            SymbolKind::Template => DeclId::Template(at(self.templates.position(name))?),
            SymbolKind::Event => DeclId::Event(at(self.events.position(name))?),
            SymbolKind::Action => DeclId::Action(at(self.actions.position(name))?),
            SymbolKind::Calendar => DeclId::Calendar(at(self.calendars.position(name))?),
            SymbolKind::Var => DeclId::Var(at(self.vars.position(name))?),
            SymbolKind::Segment => DeclId::Segment(at(self.segments.position(name))?),
            SymbolKind::AccountField => DeclId::AccountField(at(self.account.position(name))?),
            SymbolKind::EventField => {
                let (event, field) = name.split_once('.')?;
                let e = at(self.events.position(event))?;
                let f = self.events.at(usize::from(e))?.fields.position(field);
                DeclId::EventField {
                    event: e,
                    field: at(f)?,
                }
            }
            SymbolKind::ActionField => {
                let (action, field) = name.split_once('.')?;
                let a = at(self.actions.position(action))?;
                let f = self.actions.at(usize::from(a))?.fields.position(field);
                DeclId::ActionField {
                    action: a,
                    field: at(f)?,
                }
            }
            SymbolKind::Outcome | SymbolKind::Queue | SymbolKind::Team | SymbolKind::Agency => {
                return None
            }
        })
    }

    pub fn variants(&self, id: EnumId) -> &[String] {
        self.enums
            .get(id.0 as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Two types are the same when they are the same kind, or enumerations
    /// with the same variants in the same order.
    pub fn same_type(&self, a: &Type, b: &Type) -> bool {
        match (a, b) {
            (Type::Enum(x), Type::Enum(y)) => x == y || self.variants(*x) == self.variants(*y),
            _ => a == b,
        }
    }

    /// The type in words for messages: "money", "a date",
    /// "one of `low | medium | high`".
    pub fn describe(&self, ty: &Type) -> String {
        match ty {
            Type::Enum(id) => format!("one of `{}`", self.variants(*id).join(" | ")),
            other => other.describe().to_string(),
        }
    }

    /// The type as written in a flow: `money`, `low | medium | high`.
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Enum(id) => self.variants(*id).join(" | "),
            other => other.name().to_string(),
        }
    }

    /// The calendar `N business days` means when no `of CALENDAR` is
    /// written: the only calendar declared, if exactly one is.
    pub fn default_calendar(&self) -> Option<&Calendar> {
        if self.calendars.len() == 1 {
            self.calendars.iter().next()
        } else {
            None
        }
    }
}
