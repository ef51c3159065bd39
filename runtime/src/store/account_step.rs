//! One account's steps and what they write, the same for a batch
//! (`batch`) and for a server (`serve`): the caller says what happens to
//! the account (enrolment, re-entry, events, rows) in time order, then its
//! timers run up to the run's moment under [`STEPS_PER_ACCOUNT`], and
//! [`AccountSteps::write`] puts its actions, audit trail, split arms and
//! new state in the caller's page of rows (`page`), which the caller
//! writes in its transaction.

use super::batch::{audit_kind, reentered, state_stage, write_action, AuditEntry, Piece};
use super::batch::{Stopped, STEPS_PER_ACCOUNT};
use super::page::{InstanceRow, Page};
use super::{encode, status_word, Result};
use crate::engine::{step, step_person, Account, Detail, Input, Instance, Reason};
use crate::format::Machine;
use chrono::{DateTime, Utc};

/// An account being stepped: the machine it is on (an index into the
/// run's machines, which change when it re-enters), its row, its instance,
/// and what its steps gave so far.
pub(crate) struct AccountSteps<'m> {
    machines: &'m [(String, Machine)],
    pub mi: usize,
    pub account: Account,
    pub inst: Instance,
    pieces: Vec<Piece>,
    /// The account's person and their shared record, when the flow
    /// declares `person` (see `person`); the caller reads and writes it.
    pub person: Option<(String, crate::engine::Person)>,
}

/// What [`AccountSteps::write`] wrote.
pub(crate) struct Written {
    pub steps: u64,
    pub actions: u64,
    /// Contacts the policy held or queued, by reason (`stopped`,
    /// `paused`, `cap`, `closed`, `no_moment`).
    pub held: Vec<&'static str>,
}

/// The row of `instances` beside the state: the account's clock (seconds
/// since 1970 UTC) and, for a new account, when it enrolled.
pub(crate) struct Clocks {
    pub clock: i64,
    pub enrolled: i64,
}

pub(crate) fn moment(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

impl<'m> AccountSteps<'m> {
    pub(crate) fn new(
        machines: &'m [(String, Machine)],
        mi: usize,
        account: Account,
        inst: Instance,
    ) -> Self {
        AccountSteps {
            machines,
            mi,
            account,
            inst,
            pieces: Vec::new(),
            person: None,
        }
    }

    /// The machine the account is on now.
    pub(crate) fn machine(&self) -> &'m Machine {
        &self.machines[self.mi].1
    }

    /// One step of the account with the machine it is on now.
    pub(crate) fn step(&mut self, input: Input, at: DateTime<Utc>) {
        let m = self.machine();
        let out = match &mut self.person {
            Some((_, p)) => step_person(m, &mut self.inst, &self.account, p, input, at),
            None => step(m, &mut self.inst, &self.account, input, at),
        };
        self.pieces.push(Piece::Out(self.mi, out));
    }

    /// Enrols the account at `at`.
    pub(crate) fn enrol(&mut self, at: i64) {
        self.step(Input::Enrol, moment(at));
    }

    /// Starts the account's next cycle (`self.inst` holds it already) at
    /// `at`: the audit line saying so, then its enrolment.
    pub(crate) fn reenter(&mut self, at: i64) {
        self.pieces.push(reentered(self.machine(), &self.inst, at));
        self.enrol(at);
    }

    /// Runs the account's timers due up to `until`, one step per due
    /// moment, at most [`STEPS_PER_ACCOUNT`]; returns its new clock (from
    /// `clock`), and where it stopped if the bound stopped it first.
    pub(crate) fn timers(&mut self, clock: i64, until: i64) -> (i64, Option<Stopped>) {
        let mut steps = 0;
        while let Some(due) = self.inst.next_due() {
            if due.timestamp() > until {
                break;
            }
            if steps >= STEPS_PER_ACCOUNT {
                let at = clock.max(due.timestamp());
                let stopped = Stopped {
                    account: self.account.id.clone(),
                    stage: state_stage(self.machine(), self.inst.state).to_string(),
                    at,
                };
                return (at, Some(stopped));
            }
            steps += 1;
            self.step(Input::Timer, due);
        }
        (clock.max(until), None)
    }

    /// Puts in `page` the account's actions (one outbox row), its audit
    /// trail (one row), the split arms it fell in, and its state with
    /// `clocks`; the page is written in the caller's transaction.
    pub(crate) fn write(&mut self, page: &mut Page, clocks: Clocks) -> Result<Written> {
        let (machines, account, inst) = (self.machines, &self.account, &self.inst);
        let pieces = std::mem::take(&mut self.pieces);
        let mut written = Written {
            steps: 0,
            actions: 0,
            held: Vec::new(),
        };
        let mut body = String::new();
        let mut trail: Vec<AuditEntry> = Vec::new();
        for piece in pieces {
            let (pm, out) = match piece {
                Piece::Note(e) => {
                    trail.push(e);
                    continue;
                }
                Piece::Out(pm, out) => (&machines[pm].1, out),
            };
            written.steps += 1;
            for a in &out.actions {
                if written.actions > 0 {
                    body.push('\n');
                }
                write_action(&mut body, pm, &account.id, a);
                written.actions += 1;
            }
            for e in &out.audit {
                match &e.detail {
                    Detail::Held { reason, .. }
                    | Detail::Queued { reason, .. }
                    | Detail::Requeued { reason, .. } => written.held.push(reason_word(reason)),
                    // The arm an account fell in, where SQL (and the BI
                    // views) can read it.
                    Detail::Split { stage: arm, .. } => page.splits.push((
                        account.id.clone(),
                        e.at.timestamp(),
                        state_stage(pm, e.state).to_string(),
                        pm.stage_name(*arm).to_string(),
                    )),
                    _ => {}
                }
                trail.push(AuditEntry(
                    e.at.timestamp(),
                    state_stage(pm, e.state).to_string(),
                    audit_kind(e.kind),
                    e.message(pm),
                ));
            }
        }
        if written.actions > 0 {
            page.outbox
                .push((account.id.clone(), written.actions as i64, body));
        }
        if !trail.is_empty() {
            page.audit.push((account.id.clone(), encode(&trail)?));
        }
        let (fp, m) = (&machines[self.mi].0, &machines[self.mi].1);
        page.instances.push(InstanceRow {
            account: account.id.clone(),
            flow: m.flow.clone(),
            version: m.version.into(),
            data: encode(account)?,
            state: encode(inst)?,
            clock: clocks.clock,
            enrolled: clocks.enrolled,
            stage: state_stage(m, inst.state).to_string(),
            status: status_word(inst.status),
            outcome: (inst.status == crate::engine::Status::Ended)
                .then(|| m.str(inst.outcome).to_string()),
            machine: fp.clone(),
            cycle: inst.cycle.max(1).into(),
        });
        Ok(written)
    }
}

fn reason_word(r: &Reason) -> &'static str {
    match r {
        Reason::Stopped(_) => "stopped",
        Reason::Paused { .. } => "paused",
        Reason::Hold { .. } => "hold",
        Reason::WeekCap { .. } => "cap",
        Reason::Cap { .. } => "cap",
        Reason::Closed(_) => "closed",
        Reason::NoMoment { .. } => "no_moment",
        Reason::PersonCap { .. } => "cap",
        Reason::ClosedIn { .. } => "closed",
        Reason::NoOverlap { .. } => "no_moment",
    }
}
