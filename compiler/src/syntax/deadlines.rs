//! Builds deadlines: `at EXPR [when COND] -> STAGE`.

use super::ast::{Deadline, Span};
use super::build::{Builder, HANDLER_AFTER_STEP};
use super::grammar::Rule;
use crate::diagnostics::Diagnostic;
use pest::iterators::Pair;

impl Builder<'_> {
    pub(crate) fn deadline(&self, pair: Pair<'_, Rule>) -> Deadline {
        let span = self.span(&pair);
        let mut at = None;
        let mut when = None;
        let mut stage = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::expr => at = Some(self.expr(c)),
                Rule::when_clause => when = self.when(c),
                Rule::handler_goto => stage = self.inner_name(c),
                _ => {}
            }
        }
        Deadline {
            at: at.unwrap_or_else(|| self.placeholder_expr(span)),
            when,
            stage: stage.unwrap_or_else(|| self.missing(span)),
            span,
            doc: self.doc(span),
        }
    }

    /// A deadline written after a step of its stage: reported, and kept
    /// so that the checker still sees it.
    pub(crate) fn misplaced_deadline(
        &self,
        pair: Pair<'_, Rule>,
        first_step: Option<Span>,
    ) -> Option<Deadline> {
        let deadline = self.deadline(pair.into_inner().next()?);
        let mut d = Diagnostic::error(
            HANDLER_AFTER_STEP,
            "the deadline `at ...` comes after a step; a stage lists its handlers and deadlines first",
            deadline.span,
        )
        .with_label("deadline after a step")
        .with_help("move this `at ... -> ...` line above the first step of the stage");
        if let Some(first) = first_step {
            d = d.with_secondary(first, "the first step of the stage");
        }
        self.report(d);
        Some(deadline)
    }
}
