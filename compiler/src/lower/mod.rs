//! Lowering: a checked flow (`ast::File`) → the compiled state machine of
//! the runtime (`dun_machine::format::Machine`), and its `test` blocks →
//! the runtime's flow tests.
//!
//! Lowering reads the checked model and resolves no name itself: the
//! machine numbers declarations as the model does (`model::DeclId`), every
//! name use is looked up by its span in `Usage::resolved`, types are the
//! model's, `send` goes to the field the checker chose, and template files
//! are the text the checker read. It expects a file that analysed without
//! errors; anything it still cannot make sense of becomes a diagnostic,
//! never a panic.

mod arrangements;
mod charges;
mod coverage;
mod deadlines;
mod decls;
mod expr;
mod flow_tests;
mod plans;
mod pool;
mod settlements;
mod steps;
mod templates_lang;
mod windows;

#[cfg(test)]
mod tests;

pub use coverage::{transitions, Transition, TransitionKind};
pub use flow_tests::{lower_tests, lower_tests_with_diagnostics};

use crate::diagnostics::Diagnostic;
use crate::model::{DeclId, Model};
use crate::syntax::ast::{self, Span};
use dun_machine::format::{Const, Machine, Sym, Type, VarDef};
use pool::Pools;

/// A name the checker should have refused (unknown stage, field...).
pub(crate) const UNRESOLVED: &str = "dun::lower::unresolved";
/// A construct lowering cannot compile (a `wait` in a handler, no `start`...).
pub(crate) const UNSUPPORTED: &str = "dun::lower::unsupported";

/// Compiles a flow that analysed with no errors, from its syntax tree and
/// the model the checker built (`Analysis::model`).
pub fn lower(file: &ast::File, model: &Model) -> Result<Machine, Vec<Diagnostic>> {
    let mut cx = Lowerer::new(file, model);
    decls::lower_all(&mut cx);
    deadlines::lower(&mut cx);
    charges::lower(&mut cx);
    // Stage `i` of the machine is stage `i` of the model (`decls::stages`).
    cx.m.lifecycle.migrations = crate::migrate::lower(&mut cx, &|n| {
        model.stages.position(n).and_then(|i| u16::try_from(i).ok())
    });
    // The last `reenter` wins; the checker reports a second one.
    for decl in &file.decls {
        if let crate::syntax::ast::Decl::Reenter(r) = decl {
            cx.m.lifecycle.reenter = Some(cx.code(&r.cond, None));
        }
    }
    if cx.diagnostics.is_empty() {
        Ok(cx.m)
    } else {
        crate::diagnostics::sort(&mut cx.diagnostics);
        Err(cx.diagnostics)
    }
}

/// Everything lowering builds up: the machine, its pools and the problems
/// found.
pub(crate) struct Lowerer<'a> {
    pub file: &'a ast::File,
    pub model: &'a Model,
    /// Where the names being lowered are resolved: the flow's table, or a
    /// template file's while its text is lowered.
    pub resolved: &'a crate::model::SpanMap<DeclId>,
    pub m: Machine,
    pub pools: Pools,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowerer<'a> {
    fn new(file: &'a ast::File, model: &'a Model) -> Self {
        Lowerer {
            file,
            model,
            resolved: &model.usage.resolved,
            m: Machine::default(),
            pools: Pools::default(),
            diagnostics: Vec::new(),
        }
    }

    /// Interns a string.
    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(&i) = self.pools.strings.get(s) {
            return i;
        }
        let i = self.m.strings.len() as Sym;
        self.m.strings.push(s.to_string());
        self.pools.strings.insert(s.to_string(), i);
        i
    }

    /// A variable the flow does not declare, holding what a construct
    /// tracks per account (a promise's amount, a deadline's spent flag),
    /// starting at `init`; its index.
    pub fn hidden_var(&mut self, name: &str, ty: Type, init: Const) -> u16 {
        let name = self.sym(name);
        let init = vec![self.konst(init)];
        self.m.vars.push(VarDef { name, ty, init });
        (self.m.vars.len() - 1) as u16
    }

    /// The declaration the checker resolved the name at `name` to.
    pub fn resolve(&self, name: &ast::Ident) -> Option<DeclId> {
        self.resolved.get(&name.span).copied()
    }

    pub fn error(&mut self, code: &'static str, message: String, span: Span, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(code, message, span)
                .with_label("cannot be compiled")
                .with_help(help),
        );
    }

    pub fn unresolved(&mut self, what: &str, name: &ast::Ident) {
        self.error(
            UNRESOLVED,
            format!("there is no {what} named `{}`", name.name),
            name.span,
            "declare it, or fix the spelling; `dun check` lists every such mistake",
        );
    }
}

/// A span of the AST as the runtime carries it.
pub(crate) fn src(span: Span) -> dun_machine::format::SrcSpan {
    dun_machine::format::SrcSpan::new(span.start, span.end)
}
