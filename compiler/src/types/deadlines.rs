//! Deadlines: `at EXPR [when COND] -> STAGE`. The moment is a date or a
//! datetime computed from the account's data and the flow's variables;
//! there is no event, so `event.x` cannot be read.

use super::{Checker, Scope};
use crate::checks::codes::MISMATCH;

/// A deadline whose moment reads the clock.
pub(crate) const DEADLINE_ON_CLOCK: &str = "dun::types::deadline_on_clock";
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::syntax::ast;

impl Checker<'_> {
    pub(crate) fn deadline(&mut self, d: &ast::Deadline) {
        let scope = Scope::default();
        let t = self.expr(&d.at, None, &scope);
        if !matches!(t, Type::Date | Type::DateTime | Type::Unknown) {
            let what = self.model.describe(&t);
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!("a deadline is a moment, a date or a date and time, but this is {what}"),
                    d.at.span,
                )
                .with_label(format!("this is {what}"))
                .with_help(
                    "count from a date of the account, such as `at account.due_date + 45 days -> law_firm`",
                ),
            );
        }
        if let Some(clock) = reads_clock(&d.at) {
            self.report(
                Diagnostic::warning(
                    DEADLINE_ON_CLOCK,
                    "this deadline reads the clock, so its moment moves on with time and never comes",
                    clock,
                )
                .with_label("read again at every moment")
                .with_help(
                    "count from a date that stays put: an account field, or a variable set once such as `var placed_on: date = today`",
                ),
            );
        }
        if let Some(when) = &d.when {
            self.condition(when, &scope, "the `when` of a deadline");
        }
        self.move_to(&d.stage, crate::model::MoveKind::Deadline);
    }
}

/// The span of the first `today` or `now` in `e`.
fn reads_clock(e: &ast::Expr) -> Option<ast::Span> {
    use ast::ExprKind;
    match &e.kind {
        ExprKind::Today | ExprKind::Now => Some(e.span),
        ExprKind::Unary { expr, .. } | ExprKind::IsSet(expr) => reads_clock(expr),
        ExprKind::Binary { lhs, rhs, .. } => reads_clock(lhs).or_else(|| reads_clock(rhs)),
        ExprKind::In { expr, list } => {
            reads_clock(expr).or_else(|| list.iter().find_map(reads_clock))
        }
        _ => None,
    }
}
