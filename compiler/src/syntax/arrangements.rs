//! Builds payments and promises to pay: `payments from EVENT.FIELD` and
//! `promise AMOUNT by DATE [grace DURATION]`.

use super::ast::{Doc, DurationLit, Expr, PaymentsDecl, Span, Step, StepKind};
use super::build::Builder;
use super::grammar::Rule;
use pest::iterators::Pair;

impl Builder<'_> {
    pub(crate) fn payments(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> PaymentsDecl {
        let mut names = pair
            .into_inner()
            .filter(|c| c.as_rule() == Rule::name)
            .map(|c| self.ident(&c));
        let event = names.next().unwrap_or_else(|| self.missing(span));
        let field = names.next().unwrap_or_else(|| self.missing(span));
        PaymentsDecl {
            event,
            field,
            span,
            doc,
        }
    }

    /// The promise step from the expressions and the duration its pair
    /// held: the amount, then the date.
    pub(crate) fn promise(
        &self,
        exprs: Vec<Expr>,
        grace: Option<DurationLit>,
        span: Span,
    ) -> StepKind {
        let mut exprs = exprs.into_iter();
        let amount = exprs.next().unwrap_or_else(|| self.placeholder_expr(span));
        let by = exprs.next().unwrap_or_else(|| self.placeholder_expr(span));
        StepKind::Promise {
            amount: Box::new(amount),
            by: Box::new(by),
            grace,
        }
    }

    /// `plan AMOUNT in COUNT installments every D from DATE [grace D]`:
    /// its three expressions in order, the first duration the period and
    /// the second the grace.
    pub(crate) fn plan_step(&self, pair: Pair<'_, Rule>) -> Step {
        let span = self.span(&pair);
        let mut exprs = Vec::new();
        let mut durations = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::expr => exprs.push(self.expr(c)),
                Rule::duration => durations.push(self.duration(c)),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let mut next = || exprs.next().unwrap_or_else(|| self.placeholder_expr(span));
        let (amount, count, from) = (next(), next(), next());
        let mut durations = durations.into_iter();
        let every = durations.next().unwrap_or(DurationLit {
            amount: 0,
            unit: super::ast::DurationUnit::Days,
            calendar: None,
            span,
        });
        let kind = StepKind::Plan {
            amount: Box::new(amount),
            count: Box::new(count),
            every,
            from: Box::new(from),
            grace: durations.next(),
        };
        Step { kind, span }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::ast::{Decl, PolicyRuleKind, StepKind};
    use crate::syntax::parse;

    #[test]
    fn payments_promise_and_the_policy_line_are_read() {
        let text = "flow f\npayments from payment.amount\npolicy {\n  pause calls while promise open\n}\nstage s {\n  promise event.amount by event.due grace 3 days\n  end done\n}\n";
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let Some(Decl::Payments(p)) = parsed.file.decls.get(1) else {
            panic!("{:#?}", parsed.file.decls);
        };
        assert_eq!(
            (p.event.name.as_str(), p.field.name.as_str()),
            ("payment", "amount")
        );
        let Some(Decl::Policy(policy)) = parsed.file.decls.get(2) else {
            panic!("{:#?}", parsed.file.decls);
        };
        assert!(matches!(
            &policy.rules[0].kind,
            PolicyRuleKind::PauseWhilePromise { channels } if channels.name == "calls"
        ));
        let Some(Decl::Stage(stage)) = parsed.file.decls.get(3) else {
            panic!("{:#?}", parsed.file.decls);
        };
        let StepKind::Promise { amount, by, grace } = &stage.body.steps[0].kind else {
            panic!("{:#?}", stage.body.steps);
        };
        assert_eq!(&text[amount.span.range()], "event.amount");
        assert_eq!(&text[by.span.range()], "event.due");
        assert_eq!(grace.as_ref().map(|g| g.amount), Some(3));
    }
}
