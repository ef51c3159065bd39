//! Fees and interest: `charge fee AMOUNT ["reason"]`, `freeze interest`,
//! `resume interest`, the policy's fee caps and the holds written `and
//! fees`.
//!
//! Their state lives in the instance's ledger, after the slots of the
//! caps, the holds and the week caps, so the stored form of an instance
//! does not change: one slot for whether interest is frozen (when the flow
//! freezes interest), then per fee cap a pair of slots for each fee it
//! keeps, the minute the fee was charged (since 1970 UTC, 0 for none) and
//! its amount in hundredths, oldest first.

use super::audit::{AuditKind, Detail};
use super::contact::{from_minutes, minutes_ceil};
use super::run::Run;
use super::{ActionKind, Instance};
use crate::format::{cents, FeeLimit, Machine, Sym};
use crate::time;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What kept a fee from being charged, or interest from resuming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeBlock {
    /// Hold number `hold` of the policy (written `and fees`) is on.
    Hold(u16),
    /// Fee cap number `cap` is full; `oldest` is the minute (since 1970
    /// UTC) of the oldest fee it counts.
    Cap { cap: u16, oldest: u32 },
}

/// What was not done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charge {
    Fee(Decimal),
    ResumeInterest,
}

/// Where the charges' slots start in the ledger.
fn charge_offset(m: &Machine) -> usize {
    let caps: usize = m.policy.caps.iter().map(|c| c.count as usize).sum();
    let weeks: usize = m
        .policy
        .ext
        .week_caps
        .iter()
        .map(|c| c.count as usize)
        .sum();
    caps + m.policy.ext.holds.len() + weeks
}

/// The slots fees and interest take in the ledger.
pub(crate) fn charge_slots(m: &Machine) -> usize {
    let interest = usize::from(m.charges.interest);
    interest
        + m.charges
            .caps
            .iter()
            .map(|c| 2 * c.slots as usize)
            .sum::<usize>()
}

/// Whether `freeze interest` is in force for this account.
pub fn interest_frozen(m: &Machine, inst: &Instance) -> bool {
    m.charges.interest && inst.ledger().get(charge_offset(m)).is_some_and(|v| *v != 0)
}

impl Run<'_> {
    fn fit_ledger(&mut self) {
        if self.inst.ledger().len() != self.ledger_len() {
            self.inst.resize_ledger(self.ledger_len());
        }
    }

    /// The first hold written `and fees` that is on at `at`.
    fn fee_hold(&self, at: DateTime<Utc>) -> Option<u16> {
        let holds: usize = self.m.policy.caps.iter().map(|c| c.count as usize).sum();
        let now = minutes_ceil(at);
        let ledger = self.inst.ledger();
        self.m.charges.fee_holds.iter().copied().find(|h| {
            ledger
                .get(holds + *h as usize)
                .is_some_and(|until| *until > now)
        })
    }

    /// The first fee cap that `amount` would go over at `at`.
    fn fee_cap_full(&self, amount: u32, at: DateTime<Utc>) -> Option<FeeBlock> {
        let m = self.m;
        let ledger = self.inst.ledger();
        let mut off = charge_offset(m) + usize::from(m.charges.interest);
        for (i, cap) in m.charges.caps.iter().enumerate() {
            let n = cap.slots as usize;
            let slots = ledger.get(off..off + 2 * n).unwrap_or(&[]);
            off += 2 * n;
            let cal = m.calendar_for(&cap.window);
            let mut count = 0u32;
            let mut total = 0u64;
            let mut oldest = 0u32;
            for pair in slots.chunks_exact(2) {
                let (minute, fee) = (pair[0], pair[1]);
                if minute == 0 {
                    continue;
                }
                let inside = time::add(from_minutes(minute), cap.window, self.zone(), cal)
                    .is_some_and(|free| free > at);
                if inside {
                    count += 1;
                    total += u64::from(fee);
                    if oldest == 0 {
                        oldest = minute;
                    }
                }
            }
            let full = match cap.limit {
                FeeLimit::Count(n) => count >= u32::from(n),
                FeeLimit::Amount(limit) => total + u64::from(amount) > u64::from(cents(limit)),
            };
            if full {
                return Some(FeeBlock::Cap {
                    cap: i as u16,
                    oldest,
                });
            }
        }
        None
    }

    /// Counts a fee in every cap.
    fn record_fee(&mut self, amount: u32, at: DateTime<Utc>) {
        let m = self.m;
        let minute = minutes_ceil(at);
        let mut off = charge_offset(m) + usize::from(m.charges.interest);
        for cap in &m.charges.caps {
            let n = cap.slots as usize;
            if let Some(slots) = self.inst.ledger_mut().get_mut(off..off + 2 * n) {
                if n > 0 {
                    slots.rotate_left(2);
                    slots[2 * n - 2] = minute;
                    slots[2 * n - 1] = amount;
                }
            }
            off += 2 * n;
        }
    }

    fn not_charged(&mut self, at: DateTime<Utc>, what: Charge, block: FeeBlock) {
        self.audit(
            at,
            AuditKind::FeeSuppressed,
            Detail::NotCharged { what, block },
        );
    }

    /// `charge fee AMOUNT ["reason"]`, its `when` already true.
    pub(crate) fn charge_fee(
        &mut self,
        amount: Decimal,
        reason: Option<Sym>,
        at: DateTime<Utc>,
        pc: u32,
    ) {
        self.fit_ledger();
        if let Some(hold) = self.fee_hold(at) {
            self.not_charged(at, Charge::Fee(amount), FeeBlock::Hold(hold));
            return;
        }
        let c = cents(amount);
        if let Some(block) = self.fee_cap_full(c, at) {
            self.not_charged(at, Charge::Fee(amount), block);
            return;
        }
        self.record_fee(c, at);
        self.emit(at, pc, ActionKind::ChargeFee { amount, reason });
    }

    /// `freeze interest` / `resume interest`. A hold written `and fees`
    /// keeps interest from resuming while it is on; freezing always goes.
    pub(crate) fn interest(&mut self, freeze: bool, at: DateTime<Utc>, pc: u32) {
        self.fit_ledger();
        if !freeze {
            if let Some(hold) = self.fee_hold(at) {
                self.not_charged(at, Charge::ResumeInterest, FeeBlock::Hold(hold));
                return;
            }
        }
        let off = charge_offset(self.m);
        if let Some(slot) = self.inst.ledger_mut().get_mut(off) {
            *slot = u32::from(freeze);
        }
        self.emit(at, pc, ActionKind::Interest { frozen: freeze });
    }
}
