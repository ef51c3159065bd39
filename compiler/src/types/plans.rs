//! Payment plans: `plan AMOUNT in N installments every D from DATE [grace
//! D]` records the plan the debtor accepted, which the payments then keep
//! current, complete or break; `pause CHANNELS while plan current`,
//! `expect plan STATE` and `expect installment missed` read it. All need
//! the flow's payments, as promises do.

use super::{Checker, Scope};
use crate::checks::codes::{MISMATCH, OUT_OF_RANGE};
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::names::near_miss;
use crate::syntax::ast::{self, DurationLit, DurationUnit, Expr, ExprKind, Span};
use rust_decimal::Decimal;

/// What `expect plan ...` can say of the account's last plan.
pub(crate) const PLAN_STATES: &[&str] = &["current", "completed", "broken"];

/// The most installments a plan may have: a plan of more is a typo, and the
/// engine checks one installment per period.
pub(crate) const MAX_INSTALLMENTS: u32 = 120;

/// The parts of a `plan` step.
pub(crate) struct PlanStep<'a> {
    pub amount: &'a Expr,
    pub count: &'a Expr,
    pub every: &'a DurationLit,
    pub from: &'a Expr,
    pub grace: Option<&'a DurationLit>,
}

impl Checker<'_> {
    pub(crate) fn plan(&mut self, p: PlanStep<'_>, scope: &Scope, span: Span) {
        self.needs_payments(span, "a payment plan");
        self.expect(p.amount, &Type::Money, scope, "the amount of a plan");
        self.expect(p.count, &Type::Number, scope, "the number of installments");
        self.expect(
            p.from,
            &Type::Date,
            scope,
            "the due day of the first installment",
        );
        if let ExprKind::Number(n) = &p.count.kind {
            if *n < Decimal::TWO || *n > Decimal::from(MAX_INSTALLMENTS) || !n.fract().is_zero() {
                self.report(
                    Diagnostic::error(
                        OUT_OF_RANGE,
                        format!("a plan of {} installments is out of range", n.normalize()),
                        p.count.span,
                    )
                    .with_label(format!("must be a whole number from 2 to {MAX_INSTALLMENTS}"))
                    .with_help("write the count the debtor accepted, e.g. `plan 600 USD in 3 installments every 1 month from event.first`"),
                );
            }
        }
        for (d, what) in [
            (Some(p.every), "the period of a plan"),
            (p.grace, "the grace of an installment"),
        ] {
            let Some(d) = d else { continue };
            self.duration(d);
            let by_day = !matches!(d.unit, DurationUnit::Hours | DurationUnit::Minutes);
            if !by_day || (d.amount == 0 && what.starts_with("the period")) {
                self.report(
                    Diagnostic::error(
                        OUT_OF_RANGE,
                        format!("{what} counts whole days, not `{}`", crate::fmt::duration(d)),
                        d.span,
                    )
                    .with_label("installments fall due on days")
                    .with_help("write days, weeks, months or business days, e.g. `every 1 month` or `grace 5 days`"),
                );
            }
        }
    }

    pub(crate) fn pause_while_plan(&mut self, channels: &ast::Ident, span: Span) {
        self.channel_set(channels);
        self.needs_payments(span, "a pause while a plan is current");
    }

    pub(crate) fn expect_plan_state(&mut self, state: &ast::Ident) {
        self.needs_payments(state.span, "a payment plan");
        if !state.name.is_empty() && !PLAN_STATES.contains(&state.name.as_str()) {
            let help = near_miss(&state.name, PLAN_STATES.iter().copied())
                .or_else(|| "write `current`, `completed` or `broken`".to_string());
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!(
                        "a plan is current, completed or broken, not `{}`",
                        state.name
                    ),
                    state.span,
                )
                .with_label("not a state of a plan")
                .with_suggestion(help),
            );
        }
    }

    pub(crate) fn expect_installment_missed(&mut self, span: Span) {
        self.needs_payments(span, "a payment plan");
    }
}
