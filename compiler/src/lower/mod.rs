//! Lowering: a checked flow (`ast::File`) → the compiled state machine of
//! the runtime (`dun_machine::format::Machine`), and its `test` blocks →
//! the runtime's flow tests.
//!
//! Lowering resolves names to indexes itself, from the AST, in declaration
//! order: account fields, events, actions, calendars, variables, templates
//! and stages are numbered as written. It expects a file that analysed
//! without errors; anything it still cannot make sense of (a name that does
//! not resolve, a template file that cannot be read) becomes a diagnostic,
//! never a panic.

mod coverage;
mod decls;
mod expr;
mod flow_tests;
mod names;
mod steps;

#[cfg(test)]
mod tests;

pub use coverage::{transitions, Transition, TransitionKind};
pub use flow_tests::{lower_tests, lower_tests_with_diagnostics};

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, Span};
use dun_machine::format::{Machine, Sym};
use names::Names;
use std::path::Path;

/// A name the checker should have refused (unknown stage, field...).
pub(crate) const UNRESOLVED: &str = "dun::lower::unresolved";
/// A `file "..."` template that cannot be read or parsed.
pub(crate) const TEMPLATE_FILE: &str = "dun::lower::template_file";
/// A construct lowering cannot compile (a `wait` in a handler, no `start`...).
pub(crate) const UNSUPPORTED: &str = "dun::lower::unsupported";

/// Compiles a flow that analysed with no errors. `path` is the flow file's
/// path; `file "..."` templates are read relative to its folder.
pub fn lower(file: &ast::File, path: Option<&Path>) -> Result<Machine, Vec<Diagnostic>> {
    let mut cx = Lowerer::new(file, path);
    decls::lower_all(&mut cx);
    let stages = &cx.names.stages;
    cx.m.lifecycle.migrations = crate::migrate::lower(file, &|n| stages.get(n).copied());
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

/// Everything lowering builds up: the machine, the name tables and the
/// problems found.
pub(crate) struct Lowerer<'a> {
    pub file: &'a ast::File,
    pub path: Option<&'a Path>,
    pub m: Machine,
    pub names: Names<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowerer<'a> {
    fn new(file: &'a ast::File, path: Option<&'a Path>) -> Self {
        Lowerer {
            file,
            path,
            m: Machine::default(),
            names: Names::of(file),
            diagnostics: Vec::new(),
        }
    }

    /// Interns a string.
    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(&i) = self.names.interned.get(s) {
            return i;
        }
        let i = self.m.strings.len() as Sym;
        self.m.strings.push(s.to_string());
        self.names.interned.insert(s.to_string(), i);
        i
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
