//! Payment plans → the machine's [`Plans`]: hidden variables for the
//! account's last plan, a `plan` step as `set`s of them, and the built-in
//! events the engine raises. Declared with the payments (see
//! `arrangements::declare`), whose total the plan is checked against.

use super::steps::Ops;
use super::Lowerer;
use crate::names::arrangements::{INSTALLMENT_MISSED, PLAN_BROKEN, PLAN_COMPLETED};
use crate::syntax::ast::{self, Decl, PolicyRuleKind};
use crate::types::plans::PlanStep;
use dun_machine::format::{
    ChannelSet, Code, Const, DurationSpec, DurationUnit, Instr, Op, Plans, Type, MISSED_VAR,
    OFFER_VARS, PLAN_REFUSED, PLAN_STATES, PLAN_VAR, REFUSED_VAR,
};
use rust_decimal::Decimal;

/// Declares the hidden variables and the section, for a flow whose
/// payments are declared; right after the promises' variables.
pub(crate) fn declare(cx: &mut Lowerer<'_>) {
    if cx.m.arrangements.is_none() {
        return;
    }
    let model = cx.model;
    let position = |name: &str| {
        model
            .events
            .position(name)
            .and_then(|i| u16::try_from(i).ok())
    };
    let (Some(missed_event), Some(completed_event), Some(broken_event)) = (
        position(INSTALLMENT_MISSED),
        position(PLAN_COMPLETED),
        position(PLAN_BROKEN),
    ) else {
        return;
    };
    let states: Vec<_> = PLAN_STATES.iter().map(|s| cx.sym(s)).collect();
    let none = Const::Variant(states[0]);
    let plan = cx.hidden_var(PLAN_VAR, Type::Enum(states), none);
    let zero = Const::Money(Decimal::ZERO);
    let no_time = Const::Duration(DurationSpec::new(0, DurationUnit::Days));
    let total = cx.hidden_var("plan amount", Type::Money, zero.clone());
    let count = cx.hidden_var(
        "plan installments",
        Type::Number,
        Const::Number(Decimal::ZERO),
    );
    let every = cx.hidden_var("plan period", Type::Duration, no_time.clone());
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let first = cx.hidden_var("plan first due", Type::Date, Const::Date(epoch));
    let grace = cx.hidden_var("plan grace", Type::Duration, no_time);
    let from = cx.hidden_var("paid before the plan", Type::Money, zero);
    let checked = cx.hidden_var(
        "installments checked",
        Type::Number,
        Const::Number(Decimal::ZERO),
    );
    let behind = cx.hidden_var("plan behind", Type::Bool, Const::Bool(false));
    let missed = cx.hidden_var(MISSED_VAR, Type::Number, Const::Number(Decimal::ZERO));
    // The account's last plan offer, which an accepted plan must fit, and
    // the flag of a refused plan (see `Op::CheckPlan`).
    let offer_inits = [
        (Type::Number, Const::Number(Decimal::ZERO)),
        (Type::Bool, Const::Bool(false)),
        (
            Type::Duration,
            Const::Duration(DurationSpec::new(0, DurationUnit::Days)),
        ),
    ];
    for (name, (ty, init)) in OFFER_VARS.iter().zip(offer_inits) {
        cx.hidden_var(name, ty, init);
    }
    cx.hidden_var(REFUSED_VAR, Type::Bool, Const::Bool(false));
    let mut pause_while_plan = ChannelSet::NONE;
    for decl in &cx.file.decls {
        let Decl::Policy(p) = decl else { continue };
        for rule in &p.rules {
            if let PolicyRuleKind::PauseWhilePlan { channels } = &rule.kind {
                if let Some(set) = ChannelSet::from_word(&channels.name) {
                    pause_while_plan = pause_while_plan.union(set);
                }
            }
        }
    }
    cx.m.plans = Some(Plans {
        plan,
        total,
        count,
        every,
        first,
        grace,
        from,
        checked,
        behind,
        missed,
        pause_while_plan,
        missed_event,
        completed_event,
        broken_event,
    });
}

impl Lowerer<'_> {
    /// `plan AMOUNT in N installments every D from DATE [grace D]`: the
    /// plan's terms, the payments so far, no installment checked yet, and
    /// the state `current`.
    pub(crate) fn plan(
        &mut self,
        p: PlanStep<'_>,
        event: Option<u16>,
        ops: &mut Ops,
        span: ast::Span,
    ) {
        let (Some(a), Some(plans)) = (self.m.arrangements.clone(), self.m.plans.clone()) else {
            self.error(
                super::UNSUPPORTED,
                "a payment plan needs the flow's payments".into(),
                span,
                "declare them with `payments from EVENT.FIELD`",
            );
            return;
        };
        let every = self.duration(p.every);
        // Refused (the terms skipped) when it does not fit the last offer.
        let check = self
            .plan_check_vars()
            .map(|(offer, refused, refused_event)| {
                let count = self.code(p.count, event);
                ops.push(
                    Op::CheckPlan {
                        count,
                        every,
                        offer,
                        refused,
                        event: refused_event,
                    },
                    span,
                );
                let skip = vec![Instr::Var(refused), Instr::Not];
                ops.push(Op::JumpUnless { cond: skip, to: 0 }, span)
            });
        let grace = match p.grace {
            Some(g) => self.duration(g),
            None => DurationSpec::new(0, DurationUnit::Days),
        };
        let terms: [(u16, Code); 5] = [
            (plans.total, self.code(p.amount, event)),
            (plans.count, self.code(p.count, event)),
            (plans.first, self.code(p.from, event)),
            (plans.every, vec![self.konst(Const::Duration(every))]),
            (plans.grace, vec![self.konst(Const::Duration(grace))]),
        ];
        for (var, value) in terms {
            ops.push(Op::Set { var, value }, span);
        }
        let zero = vec![self.konst(Const::Number(Decimal::ZERO))];
        let no = vec![self.konst(Const::Bool(false))];
        let current = self.sym(PLAN_STATES[1]);
        let current = vec![self.konst(Const::Variant(current))];
        let rest: [(u16, Code); 4] = [
            (plans.from, vec![Instr::Var(a.paid)]),
            (plans.checked, zero),
            (plans.behind, no),
            (plans.plan, current),
        ];
        for (var, value) in rest {
            ops.push(Op::Set { var, value }, span);
        }
        let end = ops.code.len() as u32;
        if let Some(Op::JumpUnless { to, .. }) = check.and_then(|at| ops.code.get_mut(at)) {
            *to = end;
        }
    }

    /// The variables of the account's last plan offer, the refused flag and
    /// the `plan_refused` event, in a flow that tracks plans.
    fn plan_check_vars(&self) -> Option<([u16; 3], u16, u16)> {
        let position = |name: &str| {
            self.m
                .vars
                .iter()
                .position(|v| self.m.str(v.name) == name)
                .and_then(|i| u16::try_from(i).ok())
        };
        let offer = [
            position(OFFER_VARS[0])?,
            position(OFFER_VARS[1])?,
            position(OFFER_VARS[2])?,
        ];
        let refused = position(REFUSED_VAR)?;
        let event = self
            .model
            .events
            .position(PLAN_REFUSED)
            .and_then(|i| u16::try_from(i).ok())?;
        Some((offer, refused, event))
    }

    /// After `offer plan ...`: the offer becomes the account's last, which
    /// a plan it accepts must fit.
    pub(crate) fn record_plan_offer(
        &mut self,
        installments: u32,
        every: DurationSpec,
        up_to: bool,
        ops: &mut Ops,
        span: ast::Span,
    ) {
        let Some((vars, _, _)) = self.plan_check_vars() else {
            return;
        };
        let values = [
            Const::Number(Decimal::from(installments)),
            Const::Bool(up_to),
            Const::Duration(every),
        ];
        for (var, value) in vars.into_iter().zip(values) {
            let value = vec![self.konst(value)];
            ops.push(Op::Set { var, value }, span);
        }
    }
}
