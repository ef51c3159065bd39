//! Type checking, and resolution of every name used inside bodies: one walk
//! over the file after `names` has collected the declarations. It records
//! each expression's type and each reference in `model::Usage`, and what the
//! flow itself (not its tests) reads, which `checks` needs for "unused".

mod deadlines;
mod decls;
mod expr;
mod flow_tests;
mod holds;
mod person;
mod steps;
mod text;
mod windows;

pub use expr::arithmetic;

use crate::diagnostics::Diagnostic;
use crate::model::{DeclId, Model, Symbol, SymbolKind, Type, Usage};
use crate::syntax::ast::{self, Span};
use std::collections::HashSet;

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
}

pub(crate) fn check(file: &ast::File, model: &Model, diags: &mut Vec<Diagnostic>) -> Walked {
    let mut c = Checker {
        model,
        walked: Walked::default(),
        diags,
        in_test: false,
        foreign: None,
        currency_reported: false,
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
    c.segment_cycles(file);
    c.walked
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
}

impl Checker<'_> {
    fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Records a reference at `span` and, outside tests, marks the symbol used.
    fn refer(&mut self, kind: SymbolKind, name: &str, span: Span) {
        if name.is_empty() {
            return;
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
    }

    fn record_type(&mut self, span: Span, ty: &Type) {
        if self.foreign.is_none() {
            self.walked.usage.expr_types.insert(span, ty.clone());
        }
    }
}
