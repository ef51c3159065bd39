//! Type checking, and resolution of every name used inside bodies: one walk
//! over the file after `names` has collected the declarations. It records
//! each expression's type and each reference in `model::Usage`, and what the
//! flow itself (not its tests) reads, which `checks` needs for "unused".

mod charges;
mod deadlines;
mod decls;
mod expr;
mod flow_tests;
mod holds;
mod person;
pub(crate) mod plans;
pub(crate) mod promises;
pub(crate) mod settlements;
mod steps;
mod templates_lang;
mod text;
mod windows;

pub use expr::arithmetic;

use crate::diagnostics::Diagnostic;
use crate::model::{DeclId, Model, Symbol, SymbolKind, Type, Usage};
use crate::syntax::ast::{self, Span};
use foldhash::HashSet;

/// What the walk learnt, beyond `Usage`.
#[derive(Default)]
pub(crate) struct Walked {
    pub usage: Usage,
    /// Symbols the flow reads (a var's value, a sent template, a handled
    /// event, a used calendar...); flow tests do not count.
    pub used: HashSet<Symbol>,
    /// Symbols the flow's tests read (`expect var x == ...`): a variable
    /// kept for its tests to observe is not unused.
    pub read_by_tests: HashSet<Symbol>,
    /// Fees, plans and split arms, for the expectations of flow tests.
    pub charges: charges::Seen,
}

pub(crate) fn check(file: &ast::File, model: &Model, diags: &mut Vec<Diagnostic>) -> Walked {
    // The examples and the benchmark's flow have one typed expression and
    // one resolved name per 37 to 92 bytes: sized for one per 32 once, the
    // two largest maps of the walk are not rehashed as they grow.
    let mut walked = Walked::default();
    let expected = file.decls.last().map_or(0, |d| d.span().end as usize) / 32;
    walked.usage.expr_types.reserve(expected);
    walked.usage.resolved.reserve(expected);
    let mut c = Checker {
        model,
        walked,
        diags,
        in_test: false,
        foreign: None,
        currency_reported: false,
        within: None,
        handler: None,
    };
    // Tests last: their expectations ask what the whole flow uses.
    for decl in &file.decls {
        if !matches!(decl, ast::Decl::Test(_)) {
            c.decl(decl);
        }
    }
    for decl in &file.decls {
        if matches!(decl, ast::Decl::Test(_)) {
            c.decl(decl);
        }
    }
    c.fees_against_caps();
    c.plans_against_offers();
    c.segment_cycles(file);
    c.walked
}

/// The type the checker gives `expr`, read where `event`'s payload is in
/// scope (when `event` names one), recording nothing: for an expression
/// outside the checked file, such as the part of a line being typed.
pub(crate) fn type_of(model: &Model, expr: &ast::Expr, event: Option<&str>) -> Type {
    let mut diags = Vec::new();
    let mut c = Checker {
        model,
        walked: Walked::default(),
        diags: &mut diags,
        in_test: false,
        foreign: Some(Default::default()),
        currency_reported: true,
        within: None,
        handler: None,
    };
    let scope = Scope {
        event: event
            .filter(|e| model.events.contains(e))
            .map(str::to_string),
        ..Scope::default()
    };
    c.expr(expr, None, &scope)
}

/// Where an expression stands.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// The event whose handler (or policy rule) we are in: `event.x` reads
    /// its payload.
    pub event: Option<String>,
    /// Optional fields proved set here, as `account.x` / `event.x`.
    pub facts: Vec<String>,
    /// Variables and segments may be read (not in a variable's initial value).
    pub no_vars: bool,
    /// Inside a handler body: no `wait`.
    pub in_handler: bool,
    /// In template text, where nothing can prove an optional field set.
    pub in_template: bool,
}

pub(crate) struct Checker<'a> {
    model: &'a Model,
    walked: Walked,
    diags: &'a mut Vec<Diagnostic>,
    /// Checking a flow test: references do not make a declaration "used".
    in_test: bool,
    /// Checking text from a template file: its spans are not in this file,
    /// so resolutions go to this table of the file and nothing else is
    /// recorded by span.
    foreign: Option<crate::model::SpanMap<DeclId>>,
    currency_reported: bool,
    /// The stage whose body or handlers are being walked (its position),
    /// for `Usage::moves`.
    within: Option<u16>,
    /// The handler being walked, for `Usage::moves`.
    handler: Option<crate::model::MoveHandler>,
}

impl Checker<'_> {
    fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Records a reference at `span` and, outside tests, marks the symbol
    /// used; gives the declaration the name resolves to.
    fn refer(&mut self, kind: SymbolKind, name: &str, span: Span) -> Option<DeclId> {
        if name.is_empty() {
            return None;
        }
        let symbol = Symbol::new(kind, name);
        let seen = if self.in_test {
            &mut self.walked.read_by_tests
        } else {
            &mut self.walked.used
        };
        // Most names are read many times: copy the name only the first time.
        if !seen.contains(&symbol) {
            seen.insert(symbol.clone());
        }
        let id = self.model.decl_id(kind, name);
        match &mut self.foreign {
            Some(resolved) => {
                if let Some(id) = id {
                    resolved.insert(span, id);
                }
            }
            None => {
                if let Some(id) = id {
                    self.walked.usage.resolved.insert(span, id);
                }
                self.walked
                    .usage
                    .references
                    .entry(symbol)
                    .or_default()
                    .push(span);
            }
        }
        id
    }

    /// Resolves the stage a move names and, outside tests, records the
    /// move where it stands (stage and handler being walked).
    pub(crate) fn move_to(&mut self, stage: &ast::Ident, how: crate::model::MoveKind) {
        let Some(to) = self.stage_ref(stage) else {
            return;
        };
        if self.in_test || self.foreign.is_some() {
            return;
        }
        self.walked.usage.moves.push(crate::model::Move {
            to,
            span: stage.span,
            how,
            within: self.within,
            handler: self.handler.clone(),
        });
    }

    fn record_type(&mut self, span: Span, ty: &Type) {
        if self.foreign.is_none() {
            self.walked.usage.expr_types.insert(span, ty.clone());
        }
    }
}
