//! Builds settlement offers and their expectations: `offer settlement
//! AMOUNT until DATE`, `offer discount N% if paid in full by DATE`,
//! `expect offer settlement [AMOUNT] [until DATE]`.

use super::ast::{Expectation, SettlementTerms, Step, StepKind};
use super::build::Builder;
use super::grammar::Rule;
use pest::iterators::Pair;

impl Builder<'_> {
    /// The step of a settlement offer; `None` for any other step (an
    /// `offer discount` without `if paid in full by` included).
    pub(crate) fn settlement_step(&self, pair: &Pair<'_, Rule>) -> Option<Step> {
        let span = self.span(pair);
        match pair.as_rule() {
            Rule::offer_settlement_step => {
                let mut exprs = pair
                    .clone()
                    .into_inner()
                    .filter(|c| c.as_rule() == Rule::expr)
                    .map(|c| self.expr(c));
                let amount = exprs.next().unwrap_or_else(|| self.placeholder_expr(span));
                let until = exprs.next().unwrap_or_else(|| self.placeholder_expr(span));
                let kind = StepKind::OfferSettlement {
                    terms: SettlementTerms::Amount(amount),
                    until,
                };
                Some(Step { kind, span })
            }
            Rule::offer_discount_step => {
                let by = pair
                    .clone()
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::paid_in_full_by)?;
                let percent = pair
                    .clone()
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::percent)
                    .map(|c| self.percent(c))
                    .unwrap_or((rust_decimal::Decimal::ZERO, span));
                let until = by
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::expr)
                    .map(|c| self.expr(c))
                    .unwrap_or_else(|| self.placeholder_expr(span));
                let kind = StepKind::OfferSettlement {
                    terms: SettlementTerms::Discount(percent),
                    until,
                };
                Some(Step { kind, span })
            }
            _ => None,
        }
    }

    /// `expect offer settlement [AMOUNT] [until DATE]`.
    pub(crate) fn settlement_expectation(&self, form: Pair<'_, Rule>) -> Expectation {
        let span = self.span(&form);
        let mut amount = None;
        let mut until = None;
        for c in form.into_inner() {
            match c.as_rule() {
                Rule::quantity => amount = Some(self.quantity(c)),
                Rule::date => until = Some(self.date(&c)),
                _ => {}
            }
        }
        Expectation::OfferSettlement {
            amount,
            until,
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::ast::{
        Decl, Expectation, SettlementTerms, StepKind, TestAction, TestItemKind,
    };
    use crate::syntax::parse;

    #[test]
    fn both_offers_and_the_expectations_are_read() {
        let text = "flow f\nstage s {\n  offer settlement account.balance * 60% until today + 14 days\n  offer discount 10% if paid in full by today + 30 days\n  offer discount 5% for 7 days\n  end done\n}\ntest \"t\" {\n  on day 1 expect offer settlement 600 USD until 2026-03-16\n  on day 2 expect settlement paid\n}\n";
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let Some(Decl::Stage(stage)) = parsed.file.decls.get(1) else {
            panic!("{:#?}", parsed.file.decls);
        };
        let StepKind::OfferSettlement {
            terms: SettlementTerms::Amount(amount),
            until,
        } = &stage.body.steps[0].kind
        else {
            panic!("{:#?}", stage.body.steps[0]);
        };
        assert_eq!(&text[amount.span.range()], "account.balance * 60%");
        assert_eq!(&text[until.span.range()], "today + 14 days");
        let StepKind::OfferSettlement {
            terms: SettlementTerms::Discount((p, _)),
            until,
        } = &stage.body.steps[1].kind
        else {
            panic!("{:#?}", stage.body.steps[1]);
        };
        assert_eq!(p.to_string(), "10");
        assert_eq!(&text[until.span.range()], "today + 30 days");
        assert!(matches!(
            stage.body.steps[2].kind,
            StepKind::OfferDiscount { .. }
        ));
        let Some(Decl::Test(test)) = parsed.file.decls.get(2) else {
            panic!("{:#?}", parsed.file.decls);
        };
        let expectations: Vec<_> = test
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                TestItemKind::OnDay {
                    action: TestAction::Expect(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect();
        assert!(
            matches!(expectations[0], Expectation::OfferSettlement { amount: Some(_), until: Some((d, _)), .. } if d.to_string() == "2026-03-16"),
            "{expectations:#?}"
        );
        assert!(
            matches!(expectations[1], Expectation::Settlement(s) if s.name == "paid"),
            "{expectations:#?}"
        );
    }
}
