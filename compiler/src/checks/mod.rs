//! Structure of the flow, once names and types are known: every stage
//! moves on, every step and stage can run, every declaration is used, every
//! handler can match.

pub mod codes;
mod structure;
pub mod unrolled;
mod unused;

use crate::diagnostics::Diagnostic;
use crate::model::Model;
use crate::syntax::ast;
use crate::types::Walked;

pub(crate) fn check(file: &ast::File, model: &Model, walked: &Walked, diags: &mut Vec<Diagnostic>) {
    structure::check(file, model, diags);
    unrolled::check(file, diags);
    unused::check(model, walked, diags);
}

#[cfg(test)]
mod tests;
