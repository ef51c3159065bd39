//! Payment plans: `plan AMOUNT in N installments every D from DATE [grace
//! D]` records the plan the debtor accepted, which the payments then keep
//! current, complete or break; `pause CHANNELS while plan current`,
//! `expect plan STATE` and `expect installment missed` read it. All need
//! the flow's payments, as promises do.

use super::charges::same_period;
use super::{Checker, Scope};
use crate::checks::codes::{MISMATCH, OUT_OF_RANGE};
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::names::near_miss;
use crate::syntax::ast::{self, DurationLit, DurationUnit, Expr, ExprKind, Span};
use dun_machine::format::{
    DurationSpec as MachineDuration, DurationUnit as MachineUnit, Misfit, PlanOffer,
};
use rust_decimal::Decimal;

/// A plan that can never fit the flow's only plan offer.
pub(crate) const PLAN_OUTSIDE_OFFER: &str = "dun::types::plan_outside_offer";

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
            if let Ok(count) = u32::try_from(n.trunc()) {
                self.walked
                    .charges
                    .accept_plan(count, p.every, p.count.span);
            }
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

    /// A plan with a literal count that can never fit the flow's only plan
    /// offer: the engine would refuse it every time (`plan_refused`), by the
    /// rule of [`PlanOffer`]. With several offers (or none) it depends on
    /// the account, so nothing is said.
    pub(crate) fn plans_against_offers(&mut self) {
        let seen = &self.walked.charges;
        let mut offers: Vec<&(u32, DurationLit, bool)> = Vec::new();
        for o in seen.plan_offers() {
            if !offers
                .iter()
                .any(|k| k.0 == o.0 && k.2 == o.2 && same_period(&k.1, &o.1))
            {
                offers.push(o);
            }
        }
        let [(installments, offered_every, up_to)] = offers.as_slice() else {
            return;
        };
        // The count by the engine's rule; the period as written (a
        // calendar's business days are only known by name here).
        let offer = PlanOffer {
            installments: *installments,
            up_to: *up_to,
            every: MachineDuration::new(0, MachineUnit::Days),
        };
        let written = format!(
            "offer plan {}{installments} installments every {}",
            if *up_to { "up to " } else { "" },
            crate::fmt::duration(offered_every)
        );
        let mut found = Vec::new();
        for (count, every, at) in seen.accepted_plans() {
            let misfit = if same_period(every, offered_every) {
                offer.count_misfit(*count)
            } else {
                Some(Misfit::OtherPeriod)
            };
            let label = match misfit {
                None | Some(Misfit::TooFew) => continue,
                Some(Misfit::MoreThanOffered) => "more installments than offered",
                Some(Misfit::NotTheCount) => "not the number of installments offered",
                Some(Misfit::OtherPeriod) => "not the period offered",
            };
            let fix = if *up_to {
                format!("at most {installments} installments")
            } else {
                format!("{installments} installments")
            };
            found.push(
                Diagnostic::error(
                    PLAN_OUTSIDE_OFFER,
                    format!(
                        "a plan of {count} installments every {} never fits the flow's only offer, `{written}`",
                        crate::fmt::duration(every)
                    ),
                    *at,
                )
                .with_label(label)
                .with_help(format!(
                    "the engine refuses a plan outside the account's last offer and raises `plan_refused`: accept {fix} every {}, or change the offer",
                    crate::fmt::duration(offered_every)
                )),
            );
        }
        for d in found {
            self.report(d);
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
