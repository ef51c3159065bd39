//! Payments and promises to pay (`payments from payment.amount`,
//! `promise event.amount by event.due grace 3 days`).
//!
//! Every payment event adds its amount to a hidden total. A promise step
//! records its amount, its last day (grace included) and the total so far;
//! the promise is kept as soon as the payments since then reach its amount
//! (partial payments add up), and broken when its last day ends first. Each
//! outcome raises a built-in event (`promise_kept`, `promise_broken`) that
//! runs the handlers the flow wrote for it, like any event; a promise kept
//! by a payment raises its event after the payment's own handler.
//!
//! While a promise is open, `pause CHANNELS while promise open` holds those
//! contacts until the promise is broken; when it is kept, the contacts the
//! pause held go at once (if nothing else holds them).
//!
//! The instance wakes at the moment a promise breaks through the same
//! resume moment as deadlines (see the `deadline` module).

use super::audit::Detail;
use super::run::Run;
use super::{AuditKind, Status};
use crate::format::{Arrangements, Channel, PROMISE_STATES};
use crate::time;
use crate::value::Value;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

const OPEN: &str = PROMISE_STATES[1];
const KEPT: &str = PROMISE_STATES[2];
const BROKEN: &str = PROMISE_STATES[3];

impl Run<'_> {
    fn arrangements(&self) -> Option<&Arrangements> {
        self.m.arrangements.as_ref()
    }

    fn money(&self, var: u16) -> Decimal {
        match self.inst.vars.get(var as usize) {
            Some(Value::Money(d)) => *d,
            _ => Decimal::ZERO,
        }
    }

    fn set_var(&mut self, var: u16, value: Value) {
        if let Some(slot) = self.inst.vars.get_mut(var as usize) {
            *slot = value;
        }
    }

    fn promise_open(&self) -> bool {
        let Some(a) = self.arrangements() else {
            return false;
        };
        matches!(self.inst.vars.get(a.promise as usize), Some(Value::Variant(s)) if s == OPEN)
    }

    /// Adds the amount of a payment event to the payments received; true
    /// when the event was a payment of an account in the flow.
    pub(super) fn count_payment(
        &mut self,
        event: u16,
        payload: &[Value],
        at: DateTime<Utc>,
    ) -> bool {
        let Some(a) = self.arrangements() else {
            return false;
        };
        let (paid, field) = (a.paid, a.payment_field);
        if event != a.payment_event || self.inst.status != Status::Active {
            return false;
        }
        // A payload that does not follow the declaration is refused by the
        // event itself, and so counts for nothing.
        let fields = self
            .m
            .events
            .get(event as usize)
            .map_or(0, |e| e.fields.len());
        if payload.len() != fields {
            return false;
        }
        let Some(Value::Money(amount)) = payload.get(field as usize) else {
            return false;
        };
        let amount = *amount;
        let total = self.money(paid) + amount;
        self.set_var(paid, Value::Money(total));
        self.audit(at, AuditKind::Handler, Detail::Payment { amount, total });
        true
    }

    /// After a payment counted: the open promise is kept when the payments
    /// since it was made reach its amount. The event to raise for it, once
    /// the payment's own handler has run.
    pub(super) fn keep_promise(&mut self, at: DateTime<Utc>) -> Option<u16> {
        if self.inst.status != Status::Active || !self.promise_open() {
            return None;
        }
        let a = self.arrangements().cloned()?;
        let amount = self.money(a.promise_amount);
        let since = self.money(a.paid) - self.money(a.promise_from);
        if since < amount {
            return None;
        }
        self.set_var(a.promise, Value::Variant(KEPT.into()));
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Promise {
                kept: true,
                amount,
                paid: since,
            },
        );
        // What the promise alone held may go now.
        let paused = a.pause_while_promise;
        let now = at.timestamp();
        for q in &mut self.inst.queue {
            if q.kind.channel().is_some_and(|c| paused.contains(c)) && q.due > now {
                q.due = now;
            }
        }
        Some(a.kept_event)
    }

    /// The moment the open promise breaks, in seconds since 1970 UTC: the
    /// end of its last day, local time.
    pub(super) fn promise_breaks_at(&self) -> Option<i64> {
        if self.inst.status != Status::Active || !self.promise_open() {
            return None;
        }
        let a = self.arrangements()?;
        let Some(Value::Date(day)) = self.inst.vars.get(a.promise_due as usize) else {
            return None;
        };
        let next = day.succ_opt()?;
        Some(time::start_of_day(self.zone(), next).timestamp())
    }

    /// Breaks the open promise at `at`, its moment.
    pub(super) fn break_promise(&mut self, at: DateTime<Utc>) {
        let Some(a) = self.arrangements().cloned() else {
            return;
        };
        let amount = self.money(a.promise_amount);
        let since = self.money(a.paid) - self.money(a.promise_from);
        self.set_var(a.promise, Value::Variant(BROKEN.into()));
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Promise {
                kept: false,
                amount,
                paid: since,
            },
        );
        self.raise(a.broken_event, at);
    }

    /// Until when `pause CHANNELS while promise open` holds a contact on
    /// `channel`: the moment the open promise breaks.
    pub(super) fn promise_pause(&self, channel: Channel) -> Option<DateTime<Utc>> {
        let a = self.arrangements()?;
        if !a.pause_while_promise.contains(channel) {
            return None;
        }
        DateTime::from_timestamp(self.promise_breaks_at()?, 0)
    }
}
