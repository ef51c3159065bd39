//! The places that move an account into a stage, as the checker found them:
//! what hover's "Entered from" lists, without walking the syntax tree again.

use crate::syntax::ast::Span;
use rust_decimal::Decimal;

/// One place that moves an account into a stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Move {
    /// The stage entered, by position in `Model::stages`.
    pub to: u16,
    /// The stage's name where the move writes it.
    pub span: Span,
    pub how: MoveKind,
    /// The stage whose body or handlers hold the move, by position in
    /// `Model::stages`; `None` for a declaration at the top level (`start`,
    /// a handler or deadline of any stage, a migration).
    pub within: Option<u16>,
    /// The handler the move is written in, if any.
    pub handler: Option<MoveHandler>,
}

/// How the account is moved.
#[derive(Clone, Debug, PartialEq)]
pub enum MoveKind {
    /// `start STAGE`: every new account.
    Start,
    /// `goto STAGE` as a step.
    Goto,
    /// `on EVENT -> STAGE`: the handler's whole body.
    HandlerArrow,
    /// An arm of a `split`, with its share in percent.
    Split(Decimal),
    /// A deadline: `at MOMENT -> STAGE`.
    Deadline,
    /// A line of `migrate from version N { old -> STAGE }`.
    Migrate { from_version: u32 },
}

/// The handler a move is written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveHandler {
    /// The event's name as written (it may name no event; that is reported
    /// elsewhere).
    pub event: String,
    /// The handler has a `when` condition.
    pub when: bool,
}
