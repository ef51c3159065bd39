//! Deadlines: `at EXPR [when COND] -> STAGE`. The moment is a date or a
//! datetime computed from the account's data and the flow's variables;
//! there is no event, so `event.x` cannot be read.

use super::{Checker, Scope};
use crate::checks::codes::MISMATCH;
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
        if let Some(when) = &d.when {
            self.condition(when, &scope, "the `when` of a deadline");
        }
        self.stage_ref(&d.stage);
    }
}
