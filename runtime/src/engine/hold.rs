//! Holds until an event: `pause CHANNELS after EVENT until RELEASE [for at
//! most D]`.
//!
//! Each hold has one slot after the caps' slots in the instance's ledger:
//! the minute (since 1970 UTC) the hold ends at the latest, 0 when it is
//! not on. A hold without a longest duration ends at
//! [`LAST_PAUSE_MINUTE`], in the year 2990, unless its event comes. The
//! ledger is stored as a list, so an instance keeps its holds in a store of
//! `dun run` without a change of the stored form.

use super::audit::{AuditKind, Detail};
use super::contact::{from_minutes, minutes_ceil};
use super::instance::LAST_PAUSE_MINUTE;
use super::run::Run;
use crate::format::{Channel, StateKind};
use crate::time;
use crate::value::Value;
use chrono::{DateTime, Utc};

impl Run<'_> {
    /// Where the holds' slots start in the ledger.
    fn hold_offset(&self) -> usize {
        self.m.policy.caps.iter().map(|c| c.count as usize).sum()
    }

    /// The hold that keeps `channel` closed longest after `t`, and the
    /// minute it ends; `None` when no hold covers the channel then.
    pub(crate) fn held_after(&self, channel: Channel, t: DateTime<Utc>) -> Option<(u16, u32)> {
        let off = self.hold_offset();
        let ledger = self.inst.ledger();
        self.m
            .policy
            .ext
            .holds
            .iter()
            .enumerate()
            .filter(|(_, h)| h.channels.contains(channel))
            .filter_map(|(i, _)| Some((i as u16, *ledger.get(off + i)?)))
            .filter(|(_, until)| *until != 0 && from_minutes(*until) > t)
            .max_by_key(|(_, until)| *until)
    }

    /// Starts the holds `event` starts and ends those it releases: the
    /// releases first, so that one event can end a hold and start another.
    pub(crate) fn apply_holds(&mut self, event: u16, payload: &[Value], at: DateTime<Utc>) {
        if self.m.policy.ext.holds.is_empty() {
            return;
        }
        self.release_holds(event, at);
        self.start_holds(event, payload, at);
    }

    /// Ends the holds `event` releases. Also for an account that has left
    /// the flow: the contacts its handlers queued still wait on the hold.
    pub(crate) fn release_holds(&mut self, event: u16, at: DateTime<Utc>) {
        if self.m.policy.ext.holds.is_empty() {
            return;
        }
        if self.inst.ledger().len() != self.ledger_len() {
            self.inst.resize_ledger(self.ledger_len());
        }
        let off = self.hold_offset();
        let now = minutes_ceil(at);
        let m = self.m;
        for (i, hold) in m.policy.ext.holds.iter().enumerate() {
            if hold.release != event {
                continue;
            }
            let on = self
                .inst
                .ledger()
                .get(off + i)
                .is_some_and(|&until| until > now);
            if let Some(slot) = self.inst.ledger_mut().get_mut(off + i) {
                *slot = 0;
            }
            if on {
                self.audit(
                    at,
                    AuditKind::HoldEnded,
                    Detail::HoldEnded {
                        hold: i as u16,
                        event,
                    },
                );
                self.wake_held(hold.channels, at);
            }
        }
    }

    fn start_holds(&mut self, event: u16, payload: &[Value], at: DateTime<Utc>) {
        let off = self.hold_offset();
        let m = self.m;
        for (i, hold) in m.policy.ext.holds.iter().enumerate() {
            if hold.event != event {
                continue;
            }
            if let Some(w) = &hold.when {
                if !self.cond(w, Some(payload), at) {
                    continue;
                }
            }
            let until = match hold.longest {
                None => LAST_PAUSE_MINUTE,
                Some(d) => {
                    let cal = m.calendar_for(&d);
                    match time::add(at, d, self.zone(), cal) {
                        Some(end) => minutes_ceil(end).min(LAST_PAUSE_MINUTE),
                        None => LAST_PAUSE_MINUTE,
                    }
                }
            };
            // A hold that is on already runs to the later of its two ends.
            if let Some(slot) = self.inst.ledger_mut().get_mut(off + i) {
                *slot = (*slot).max(until);
            }
            self.audit(
                at,
                AuditKind::Paused,
                Detail::HoldStarted {
                    hold: i as u16,
                    event,
                    until: (until != LAST_PAUSE_MINUTE).then(|| i64::from(until) * 60),
                },
            );
        }
    }

    /// Brings forward what a hold kept waiting on `channels`: queued
    /// contacts and a held stage are decided again now (the policy may
    /// still hold them, for another reason).
    fn wake_held(&mut self, channels: crate::format::ChannelSet, at: DateTime<Utc>) {
        let now = at.timestamp();
        for q in &mut self.inst.queue {
            if q.due > now && q.kind.channel().is_some_and(|c| channels.contains(c)) {
                q.due = now;
            }
        }
        let held = self
            .m
            .states
            .get(self.inst.state as usize)
            .is_some_and(|s| s.kind == StateKind::Held);
        if held && self.inst.resume_at > now {
            self.inst.resume_at = now;
        }
    }
}
