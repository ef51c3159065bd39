//! Placement with an agency for a period: `assign agency "Name" for 90
//! days`. The placement is the `assign_agency` action; its end is a
//! `recall_agency` action waiting in the instance's queue (so it is kept
//! with the instance in a store, and the account wakes for it like for a
//! queued contact), which, when it comes, also hands the flow the built-in
//! event `agency_recalled { agency: text }` when the flow handles it.

use super::run::Run;
use super::{ActionKind, Queued};
use crate::format::{DurationSpec, Sym};
use crate::time;
use crate::value::Value;
use chrono::{DateTime, Utc};

/// The built-in event a recall hands the flow.
pub const AGENCY_RECALLED: &str = "agency_recalled";

impl Run<'_> {
    /// Places the account with `agency` until `period` has passed. A new
    /// placement ends the one before: its recall is dropped.
    pub(crate) fn place(&mut self, agency: Sym, period: DurationSpec, pc: u32, at: DateTime<Utc>) {
        self.emit(at, pc, ActionKind::AssignAgency { agency });
        self.inst
            .queue
            .retain(|q| !matches!(q.kind, ActionKind::RecallAgency { .. }));
        let cal = self.m.calendar_for(&period);
        let Some(until) = time::add(at, period, self.zone(), cal) else {
            self.problem(
                at,
                format!("the placement of {period} goes past the calendar's range: never recalled"),
            );
            return;
        };
        self.inst.queue.push(Queued {
            due: until.timestamp(),
            state: self.inst.state,
            kind: ActionKind::RecallAgency { agency },
        });
    }

    /// The placement's period is over: the recall action, then the event
    /// `agency_recalled` when the flow declares it (built in by the
    /// checker when a handler names it).
    pub(crate) fn recall(&mut self, agency: Sym, state: u32, at: DateTime<Utc>) {
        let saved = self.inst.state;
        self.inst.state = state;
        self.emit(at, u32::MAX, ActionKind::RecallAgency { agency });
        self.inst.state = saved;
        let Some(event) = self.m.event_index(AGENCY_RECALLED) else {
            return;
        };
        // The checker gives the built-in event one field, the agency.
        let fields = self
            .m
            .events
            .get(event as usize)
            .map_or(0, |e| e.fields.len());
        let payload = match fields {
            1 => vec![Value::Text(self.m.str(agency).to_string())],
            n => vec![Value::Unset; n],
        };
        self.event(event, &payload, at);
    }
}
