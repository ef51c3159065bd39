//! Builds fees, interest, fee caps and their flow-test forms: `charge fee
//! 15 USD "late fee"`, `freeze interest`, `at_most 2 fees per 30 days`,
//! `expect charged fee 15 USD`, `expect offer plan ...`, `given arm NAME`.

use super::ast::*;
use super::build::Builder;
use super::grammar::Rule;
use pest::iterators::Pair;

impl Builder<'_> {
    /// `charge_step` or `interest_step`.
    pub(crate) fn charge_step(&self, pair: Pair<'_, Rule>) -> Step {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut amount = None;
        let mut reason = None;
        let mut when = None;
        let mut freeze = false;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::quantity => amount = Some(self.quantity(c)),
                Rule::string => reason = Some(self.text(c)),
                Rule::when_clause => when = self.when(c),
                Rule::kw_freeze => freeze = true,
                _ => {}
            }
        }
        let kind = match rule {
            Rule::charge_step => StepKind::ChargeFee {
                amount: Box::new(amount.unwrap_or_else(|| self.placeholder_expr(span))),
                reason,
                when,
            },
            _ => StepKind::Interest { freeze },
        };
        Step { kind, span }
    }

    /// `at_most 2 fees per 30 days` / `at_most 80 USD of fees per 30 days`.
    pub(crate) fn fee_cap_rule(&self, pair: Pair<'_, Rule>) -> PolicyRule {
        let span = self.span(&pair);
        let mut limit = None;
        let mut window = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::count => limit = Some(FeeLimit::Count(self.count(&c))),
                Rule::fee_amount => {
                    limit = c
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::quantity)
                        .map(|q| FeeLimit::Amount(self.quantity(q)))
                }
                Rule::duration => window = Some(self.duration(c)),
                _ => {}
            }
        }
        PolicyRule {
            kind: PolicyRuleKind::FeeCap {
                limit: limit.unwrap_or(FeeLimit::Count((0, span))),
                window: window.unwrap_or(DurationLit {
                    amount: 0,
                    unit: DurationUnit::Days,
                    calendar: None,
                    span,
                }),
            },
            span,
        }
    }

    /// `given arm NAME`.
    pub(crate) fn given_arm(&self, pair: Pair<'_, Rule>) -> TestItemKind {
        let span = self.span(&pair);
        let name = pair
            .into_inner()
            .find(|c| c.as_rule() == Rule::name)
            .map(|c| self.ident(&c));
        TestItemKind::Arm(name.unwrap_or_else(|| self.missing(span)))
    }

    /// The expectations of this module; `None` for any other form.
    pub(crate) fn charge_expectation(&self, form: Pair<'_, Rule>) -> Option<Expectation> {
        let span = self.span(&form);
        let rule = form.as_rule();
        let mut count = None;
        let mut every = None;
        let mut amount = None;
        let mut reason = None;
        let mut not = false;
        let mut up_to = false;
        for c in form.into_inner() {
            match c.as_rule() {
                Rule::count => count = Some(self.count(&c)),
                Rule::plan_up_to => up_to = true,
                Rule::duration => every = Some(self.duration(c)),
                Rule::quantity => amount = Some(self.quantity(c)),
                Rule::string => reason = Some(self.text(c)),
                Rule::op_not => not = true,
                _ => {}
            }
        }
        Some(match rule {
            Rule::expect_offer_plan => Expectation::OfferPlan {
                installments: count,
                every,
                up_to,
                span,
            },
            Rule::expect_charged => Expectation::ChargedFee {
                amount,
                reason,
                span,
            },
            Rule::expect_no_fee => Expectation::NoFee(span),
            Rule::expect_interest => Expectation::InterestFrozen { frozen: !not, span },
            _ => return None,
        })
    }
}
