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

#[cfg(test)]
mod tests {
    use crate::syntax::{ast::Decl, parse};

    #[test]
    fn a_deadline_after_a_step_is_reported_and_kept() {
        let text = "flow f\nstage reminders {\n  wait 3 days\n  at account.due_date + 45 days -> law_firm\n  goto reminders\n}\n";
        let parsed = parse(text);
        let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [super::HANDLER_AFTER_STEP]);
        let d = &parsed.diagnostics[0];
        assert_eq!(
            &text[d.primary.span.range()],
            "at account.due_date + 45 days -> law_firm"
        );
        let Some(Decl::Stage(stage)) = parsed.file.decls.get(1) else {
            panic!("{:#?}", parsed.file.decls);
        };
        assert_eq!(stage.deadlines.len(), 1);
        assert_eq!(stage.deadlines[0].stage.name, "law_firm");
        assert_eq!(stage.body.steps.len(), 2);
    }

    #[test]
    fn a_flow_deadline_reads_its_moment_condition_and_stage() {
        let text = "at account.due_date + 90 days when account.balance > 500 USD -> judicial\n";
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let Some(Decl::Deadline(d)) = parsed.file.decls.first() else {
            panic!("{:#?}", parsed.file.decls);
        };
        assert_eq!(&text[d.at.span.range()], "account.due_date + 90 days");
        assert!(d.when.is_some());
        assert_eq!(d.stage.name, "judicial");
    }
}
