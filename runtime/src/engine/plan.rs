//! Payment plans (`plan event.total in event.count installments every 1
//! month from event.first grace 5 days`), tracked against the payments of
//! the `promise` module.
//!
//! A plan step records the plan's terms and the payments so far. By the
//! end of installment k's last day (its due day, `first + (k-1) × every`,
//! plus the grace), the payments since the plan began must reach k
//! installments' worth: the amount × k / N, rounded to the cent, and the
//! whole amount from the last installment on. Partial payments count, and
//! paying ahead carries forward. At that moment:
//! - reached: the installment is paid, and the plan is no longer behind;
//! - short, and the plan was not behind: the installment is missed
//!   (`installment_missed`), and the plan is behind;
//! - short, and the plan was still behind from the installment before: the
//!   plan breaks (`plan_broken`).
//!
//! A payment that catches up with what was due at the last check puts the
//! plan back on track (not behind). The payments reaching the plan's amount
//! complete it (`plan_completed`), raised after the payment's own handler,
//! as a kept promise is. A plan whose last installment is missed goes on
//! being checked at the same rhythm, so an unpaid plan always ends broken.
//!
//! While a plan is current and not behind, `pause CHANNELS while plan
//! current` holds those contacts until the next installment's last day
//! ends; a missed installment frees them.

use super::audit::Detail;
use super::run::Run;
use super::{AuditKind, Status};
use crate::format::{Channel, DurationSpec, DurationUnit, PlanOffer, Plans, PLAN_STATES};
use crate::time;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

const CURRENT: &str = PLAN_STATES[1];
const COMPLETED: &str = PLAN_STATES[2];
const BROKEN: &str = PLAN_STATES[3];

/// What happened to a plan, for the audit trail and `dun simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanMark {
    /// Installment `n` was paid by its last day.
    Paid,
    /// Installment `n` was missed.
    Missed,
    /// A payment caught up with what was due.
    CaughtUp,
    Completed,
    Broken,
}

impl Run<'_> {
    fn plans(&self) -> Option<&Plans> {
        self.m.plans.as_ref()
    }

    fn var(&self, var: u16) -> Option<&Value> {
        self.inst.vars.get(var as usize)
    }

    fn plan_money(&self, var: u16) -> Decimal {
        match self.var(var) {
            Some(Value::Money(d)) => *d,
            _ => Decimal::ZERO,
        }
    }

    fn plan_number(&self, var: u16) -> u32 {
        match self.var(var) {
            Some(Value::Number(d)) => d.trunc().try_into().unwrap_or(0),
            _ => 0,
        }
    }

    fn plan_set(&mut self, var: u16, value: Value) {
        if let Some(slot) = self.inst.vars.get_mut(var as usize) {
            *slot = value;
        }
    }

    fn plan_current(&self) -> bool {
        let Some(p) = self.plans() else {
            return false;
        };
        self.inst.status == Status::Active
            && matches!(self.var(p.plan), Some(Value::Variant(s)) if s == CURRENT)
    }

    fn plan_behind(&self, p: &Plans) -> bool {
        matches!(self.var(p.behind), Some(Value::Bool(true)))
    }

    /// The payments since the plan began.
    fn plan_paid(&self, p: &Plans) -> Decimal {
        let paid = self
            .m
            .arrangements
            .as_ref()
            .map_or(Decimal::ZERO, |a| self.plan_money(a.paid));
        paid - self.plan_money(p.from)
    }

    /// The number of installments, at least 1 (a count the flow computed
    /// as 0 or less is one installment of the whole amount).
    fn plan_count(&self, p: &Plans) -> u32 {
        self.plan_number(p.count).max(1)
    }

    /// What the payments must reach by the end of installment `k`'s last
    /// day.
    fn plan_due_by(&self, p: &Plans, k: u32) -> Decimal {
        let total = self.plan_money(p.total);
        let n = self.plan_count(p);
        if k >= n {
            return total;
        }
        (total * Decimal::from(k) / Decimal::from(n))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }

    fn plan_duration(&self, var: u16) -> DurationSpec {
        match self.var(var) {
            Some(Value::Duration(d)) => *d,
            _ => DurationSpec::new(0, DurationUnit::Days),
        }
    }

    /// The last day of installment `k` (1 for the first), grace included.
    fn installment_last_day(&self, p: &Plans, k: u32) -> Option<NaiveDate> {
        let Some(Value::Date(first)) = self.var(p.first) else {
            return None;
        };
        let every = self.plan_duration(p.every);
        let grace = self.plan_duration(p.grace);
        let cal = |d: &DurationSpec| self.m.calendar_for(d);
        let steps = i64::from(every.amount).checked_mul(i64::from(k.saturating_sub(1)))?;
        let due = time::shift_date(*first, steps, every.unit, cal(&every))?;
        time::shift_date(due, i64::from(grace.amount), grace.unit, cal(&grace))
    }

    /// The moment the next installment of the current plan is checked, in
    /// seconds since 1970 UTC: the end of its last day, local time.
    pub(super) fn plan_checks_at(&self) -> Option<i64> {
        if !self.plan_current() {
            return None;
        }
        let p = self.plans()?;
        let k = self.plan_number(p.checked).saturating_add(1);
        let next = self.installment_last_day(p, k)?.succ_opt()?;
        Some(time::start_of_day(self.zone(), next).timestamp())
    }

    /// Checks the next installment at `at`, its moment: paid, missed, or
    /// the second miss in a row that breaks the plan.
    pub(super) fn check_installment(&mut self, at: DateTime<Utc>) {
        let Some(p) = self.plans().cloned() else {
            return;
        };
        let k = self.plan_number(p.checked).saturating_add(1);
        self.plan_set(p.checked, Value::Number(Decimal::from(k)));
        let due = self.plan_due_by(&p, k);
        let paid = self.plan_paid(&p);
        let mark = if paid >= due {
            PlanMark::Paid
        } else if self.plan_behind(&p) {
            PlanMark::Broken
        } else {
            PlanMark::Missed
        };
        self.plan_set(p.behind, Value::Bool(mark != PlanMark::Paid));
        let event = match mark {
            PlanMark::Missed => {
                let missed = self.plan_number(p.missed).saturating_add(1);
                self.plan_set(p.missed, Value::Number(Decimal::from(missed)));
                Some(p.missed_event)
            }
            PlanMark::Broken => {
                let missed = self.plan_number(p.missed).saturating_add(1);
                self.plan_set(p.missed, Value::Number(Decimal::from(missed)));
                self.plan_set(p.plan, Value::Variant(BROKEN.into()));
                Some(p.broken_event)
            }
            _ => None,
        };
        self.plan_audit(at, mark, k, due, paid);
        if let Some(event) = event {
            self.raise(event, at);
        }
    }

    /// After a payment counted: the plan is completed when the payments
    /// since it began reach its amount, and back on track when they reach
    /// what was due at the last check. The event to raise, once the
    /// payment's own handler has run.
    pub(super) fn pay_plan(&mut self, at: DateTime<Utc>) -> Option<u16> {
        if !self.plan_current() {
            return None;
        }
        let p = self.plans().cloned()?;
        let paid = self.plan_paid(&p);
        let total = self.plan_money(p.total);
        let checked = self.plan_number(p.checked);
        if paid >= total {
            self.plan_set(p.plan, Value::Variant(COMPLETED.into()));
            self.plan_set(p.behind, Value::Bool(false));
            self.plan_audit(at, PlanMark::Completed, checked, total, paid);
            self.release_plan_pause(&p, at);
            return Some(p.completed_event);
        }
        if self.plan_behind(&p) {
            let due = self.plan_due_by(&p, checked);
            if paid >= due {
                self.plan_set(p.behind, Value::Bool(false));
                self.plan_audit(at, PlanMark::CaughtUp, checked, due, paid);
            }
        }
        None
    }

    /// What the plan alone held may go once it is completed.
    fn release_plan_pause(&mut self, p: &Plans, at: DateTime<Utc>) {
        let paused = p.pause_while_plan;
        let now = at.timestamp();
        for q in &mut self.inst.queue {
            if q.kind.channel().is_some_and(|c| paused.contains(c)) && q.due > now {
                q.due = now;
            }
        }
    }

    fn plan_audit(
        &mut self,
        at: DateTime<Utc>,
        mark: PlanMark,
        installment: u32,
        due: Decimal,
        paid: Decimal,
    ) {
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Plan {
                mark,
                installment,
                due,
                paid,
            },
        );
    }

    /// Until when `pause CHANNELS while plan current` holds a contact on
    /// `channel`: the end of the next installment's last day, while the
    /// plan is current and not behind.
    pub(super) fn plan_pause(&self, channel: Channel) -> Option<DateTime<Utc>> {
        let p = self.plans()?;
        if !p.pause_while_plan.contains(channel) || self.plan_behind(p) {
            return None;
        }
        DateTime::from_timestamp(self.plan_checks_at()?, 0)
    }
}

/// An account's last payment plan as `dun status` shows it: read from the
/// hidden variables the plan step and the engine keep.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanView {
    /// `current`, `completed` or `broken` (see [`PLAN_STATES`]).
    pub state: &'static str,
    pub amount: Decimal,
    pub installments: u32,
    /// The payments since the plan began.
    pub paid: Decimal,
    /// The due day of the next installment not checked yet (grace not
    /// included), while the plan is current.
    pub next_due: Option<NaiveDate>,
    /// Every installment missed since the account entered the flow.
    pub missed: u32,
    /// The last installment checked was short and no payment has caught
    /// the plan up since.
    pub behind: bool,
}

/// The account's last plan; `None` when the flow tracks no plans or the
/// account never accepted one.
pub fn plan_of(m: &crate::format::Machine, inst: &super::Instance) -> Option<PlanView> {
    let p = m.plans.as_ref()?;
    let var = |v: u16| inst.vars.get(v as usize);
    let money = |v: u16| match var(v) {
        Some(Value::Money(d)) => *d,
        _ => Decimal::ZERO,
    };
    let number = |v: u16| match var(v) {
        Some(Value::Number(d)) => d.trunc().try_into().unwrap_or(0u32),
        _ => 0,
    };
    let state = match var(p.plan) {
        Some(Value::Variant(s)) => PLAN_STATES[1..]
            .iter()
            .copied()
            .find(|w| *w == s.as_str())?,
        _ => return None,
    };
    let paid_all = m
        .arrangements
        .as_ref()
        .map_or(Decimal::ZERO, |a| money(a.paid));
    let next_due = match (state == CURRENT, var(p.first), var(p.every)) {
        (true, Some(Value::Date(first)), Some(Value::Duration(every))) => {
            let k = number(p.checked);
            let cal = every
                .calendar
                .or(m.default_calendar)
                .and_then(|c| m.calendars.get(c as usize));
            let steps = i64::from(every.amount).checked_mul(i64::from(k));
            steps.and_then(|s| time::shift_date(*first, s, every.unit, cal))
        }
        _ => None,
    };
    Some(PlanView {
        state,
        amount: money(p.total),
        installments: number(p.count).max(1),
        paid: paid_all - money(p.from),
        next_due,
        missed: number(p.missed),
        behind: matches!(var(p.behind), Some(Value::Bool(true))),
    })
}

/// What a plan step's check reads and writes (see [`crate::format::Op::CheckPlan`]).
pub(super) struct PlanCheck {
    pub every: DurationSpec,
    pub offer: [u16; 3],
    pub refused: u16,
    pub event: u16,
}

impl Run<'_> {
    /// The account's last plan offer; `None` when it was never offered one.
    fn last_offer(&self, vars: [u16; 3]) -> Option<PlanOffer> {
        let installments = self.plan_number(vars[0]);
        if installments == 0 {
            return None;
        }
        Some(PlanOffer {
            installments,
            up_to: matches!(self.var(vars[1]), Some(Value::Bool(true))),
            every: self.plan_duration(vars[2]),
        })
    }

    /// Refuses a plan of `count` installments that the account's last
    /// offer does not cover: audited with the reason, the plan's terms
    /// skipped (through `refused`), `plan_refused` raised at the end of
    /// the step. A plan with no offer before it is taken as agreed.
    pub(super) fn check_plan(&mut self, count: Option<Value>, check: PlanCheck, at: DateTime<Utc>) {
        let asked = match count {
            Some(Value::Number(d)) => d.trunc().try_into().unwrap_or(0u32),
            _ => 0,
        };
        let misfit = self
            .last_offer(check.offer)
            .and_then(|offer| Some((offer, offer.misfit(asked, check.every)?)));
        self.plan_set(check.refused, Value::Bool(misfit.is_some()));
        let Some((offer, misfit)) = misfit else {
            return;
        };
        self.audit(
            at,
            AuditKind::Handler,
            Detail::PlanRefused {
                asked,
                every: check.every,
                offer,
                misfit,
            },
        );
        self.refused_plan = Some((check.event, at));
    }

    /// Raises the `plan_refused` of a plan refused during the step, if the
    /// account is still in the flow.
    pub(super) fn raise_refused_plan(&mut self) {
        if let Some((event, at)) = self.refused_plan.take() {
            if self.inst.status == Status::Active {
                self.raise(event, at);
            }
        }
    }
}
