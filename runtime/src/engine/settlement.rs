//! Settlement offers (`offer settlement account.balance * 60% until today
//! + 14 days`, `offer discount 10% if paid in full by today + 30 days`),
//! tracked against the payments of the `promise` module.
//!
//! An offer records its amount (rounded to the cent), its last day and the
//! payments so far, and is open. It is paid as soon as the payments since
//! then reach its amount (partial payments add up), and lapses when its
//! last day ends first. Each outcome raises a built-in event
//! (`settlement_paid`, `settlement_lapsed`) that runs the handlers the flow
//! wrote for it, like any event; an offer paid by a payment raises its
//! event after the payment's own handler, as a kept promise does. A new
//! offer replaces the open one: the last offer made is the one that
//! counts.
//!
//! While an offer is open, `pause CHANNELS while settlement open` holds
//! those contacts until it lapses; when it is paid, the contacts the pause
//! held go at once (if nothing else holds them).

use super::audit::Detail;
use super::run::Run;
use super::{ActionKind, AuditKind, Status};
use crate::format::{Channel, Settlements, SETTLEMENT_STATES};
use crate::time;
use crate::value::Value;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

const OPEN: &str = SETTLEMENT_STATES[1];
const PAID: &str = SETTLEMENT_STATES[2];
const LAPSED: &str = SETTLEMENT_STATES[3];

impl Run<'_> {
    fn settlements(&self) -> Option<&Settlements> {
        self.m.settlements.as_ref()
    }

    fn settle_money(&self, var: u16) -> Decimal {
        match self.inst.vars.get(var as usize) {
            Some(Value::Money(d)) => *d,
            _ => Decimal::ZERO,
        }
    }

    fn settle_set(&mut self, var: u16, value: Value) {
        if let Some(slot) = self.inst.vars.get_mut(var as usize) {
            *slot = value;
        }
    }

    fn settlement_open(&self) -> bool {
        let Some(s) = self.settlements() else {
            return false;
        };
        self.inst.status == Status::Active
            && matches!(self.inst.vars.get(s.settlement as usize), Some(Value::Variant(v)) if v == OPEN)
    }

    /// The payments since the offer was made.
    fn settlement_paid_since(&self, s: &Settlements) -> Decimal {
        let paid = self
            .m
            .arrangements
            .as_ref()
            .map_or(Decimal::ZERO, |a| self.settle_money(a.paid));
        paid - self.settle_money(s.from)
    }

    /// Records an offer of `amount` until `until` (computed by the op at
    /// `pc`), and the action that says it. An amount that is not more than
    /// zero, or a day that is not a date, is no offer: the fault is written
    /// to the audit trail.
    pub(super) fn offer_settlement(
        &mut self,
        amount: Option<Value>,
        until: Option<Value>,
        percent: Option<Decimal>,
        at: DateTime<Utc>,
        pc: u32,
    ) {
        let Some(s) = self.settlements().cloned() else {
            return;
        };
        let (Some(Value::Money(amount)), Some(Value::Date(until))) = (amount, until) else {
            self.problem(
                at,
                "a settlement offer's amount or last day could not be computed: no offer made",
            );
            return;
        };
        let amount = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if amount <= Decimal::ZERO {
            self.problem(
                at,
                format!("a settlement offer of {amount} is not more than zero: no offer made"),
            );
            return;
        }
        let paid = self
            .m
            .arrangements
            .as_ref()
            .map_or(Decimal::ZERO, |a| self.settle_money(a.paid));
        self.settle_set(s.amount, Value::Money(amount));
        self.settle_set(s.until, Value::Date(until));
        self.settle_set(s.from, Value::Money(paid));
        self.settle_set(s.settlement, Value::Variant(OPEN.into()));
        self.emit(
            at,
            pc,
            ActionKind::OfferSettlement {
                amount,
                until,
                percent,
            },
        );
    }

    /// After a payment counted: the open offer is paid when the payments
    /// since it was made reach its amount. The event to raise for it, once
    /// the payment's own handler has run.
    pub(super) fn pay_settlement(&mut self, at: DateTime<Utc>) -> Option<u16> {
        if !self.settlement_open() {
            return None;
        }
        let s = self.settlements().cloned()?;
        let amount = self.settle_money(s.amount);
        let since = self.settlement_paid_since(&s);
        if since < amount {
            return None;
        }
        self.settle_set(s.settlement, Value::Variant(PAID.into()));
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Settlement {
                paid: true,
                amount,
                since,
            },
        );
        // What the offer alone held may go now.
        let paused = s.pause_while_open;
        let now = at.timestamp();
        for q in &mut self.inst.queue {
            if q.kind.channel().is_some_and(|c| paused.contains(c)) && q.due > now {
                q.due = now;
            }
        }
        Some(s.paid_event)
    }

    /// The moment the open offer lapses, in seconds since 1970 UTC: the end
    /// of its last day, local time.
    pub(super) fn settlement_lapses_at(&self) -> Option<i64> {
        if !self.settlement_open() {
            return None;
        }
        let s = self.settlements()?;
        let Some(Value::Date(day)) = self.inst.vars.get(s.until as usize) else {
            return None;
        };
        let next = day.succ_opt()?;
        Some(time::start_of_day(self.zone(), next).timestamp())
    }

    /// Lapses the open offer at `at`, its moment.
    pub(super) fn lapse_settlement(&mut self, at: DateTime<Utc>) {
        let Some(s) = self.settlements().cloned() else {
            return;
        };
        let amount = self.settle_money(s.amount);
        let since = self.settlement_paid_since(&s);
        self.settle_set(s.settlement, Value::Variant(LAPSED.into()));
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Settlement {
                paid: false,
                amount,
                since,
            },
        );
        self.raise(s.lapsed_event, at);
    }

    /// Until when `pause CHANNELS while settlement open` holds a contact on
    /// `channel`: the moment the open offer lapses.
    pub(super) fn settlement_pause(&self, channel: Channel) -> Option<DateTime<Utc>> {
        let s = self.settlements()?;
        if !s.pause_while_open.contains(channel) {
            return None;
        }
        DateTime::from_timestamp(self.settlement_lapses_at()?, 0)
    }
}
