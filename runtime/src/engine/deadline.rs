//! Deadlines: moves at a moment computed from the account's data, wherever
//! the account is in its stage (`at account.due_date + 45 days -> law_firm`).
//!
//! A deadline is armed until it is spent: a flow-wide one once per cycle
//! (its variable starts false at enrolment), a stage's one again at every
//! entry into the stage. It is spent when its moment comes while it
//! applies (flow-wide, or the account is in its stage): it then moves the
//! account if its `when` holds. When several are already past at one
//! moment (an account loaded late, a stage entered after its deadline),
//! the latest whose `when` holds moves the account and the earlier ones
//! are spent with it, so an account loaded on day 100 goes straight to
//! the step of day 90 rather than through every earlier one.
//!
//! The instance wakes for a deadline through its resume moment: when a
//! deadline comes before the stage's own resume moment, that moment is
//! kept in a hidden variable and given back at the next step, so every
//! scheduler that steps an account at [`super::Instance::next_due`] steps
//! it at its deadlines too.

use super::audit::Detail;
use super::run::Run;
use super::{AuditKind, Status};
use crate::format::Deadline;
use crate::time;
use crate::value::Value;
use chrono::{DateTime, Utc};

impl Run<'_> {
    fn deadlines(&self) -> &[Deadline] {
        &self.m.collections.deadlines
    }

    /// Whether deadline `i` is armed and applies in `stage`.
    fn armed(&self, i: usize, stage: Option<u16>) -> bool {
        let Some(d) = self.deadlines().get(i) else {
            return false;
        };
        let applies = d.stage.is_none() || d.stage == stage;
        let spent = matches!(
            self.inst.vars.get(d.spent as usize),
            Some(Value::Bool(true))
        );
        applies && !spent
    }

    /// The moment of deadline `i`, in seconds since 1970 UTC: a date is
    /// its 00:00 local time. `None` when it cannot be computed (an unset
    /// date): such a deadline does not fire.
    fn moment(&self, i: usize, now: DateTime<Utc>) -> Option<i64> {
        let d = self.deadlines().get(i)?;
        match self.env(None, now).eval(&d.at) {
            Ok(Value::Date(day)) => Some(time::start_of_day(self.zone(), day).timestamp()),
            Ok(Value::DateTime(t)) => Some(t.timestamp()),
            _ => None,
        }
    }

    fn current_stage(&self) -> Option<u16> {
        self.m.states.get(self.inst.state as usize).map(|s| s.stage)
    }

    /// The earliest armed deadline of the account where it is, and its
    /// moment.
    pub(super) fn next_deadline(&self, now: DateTime<Utc>) -> Option<(usize, i64)> {
        if self.inst.status != Status::Active || self.deadlines().is_empty() {
            return None;
        }
        let stage = self.current_stage();
        (0..self.deadlines().len())
            .filter(|&i| self.armed(i, stage))
            .filter_map(|i| Some((i, self.moment(i, now)?)))
            .min_by_key(|&(i, t)| (t, i))
    }

    /// Arms the deadlines of `stage` as the account enters it.
    pub(super) fn arm(&mut self, stage: u16) {
        for i in 0..self.deadlines().len() {
            let Some(d) = self.deadlines().get(i) else {
                continue;
            };
            if d.stage == Some(stage) {
                let var = d.spent as usize;
                if let Some(slot) = self.inst.vars.get_mut(var) {
                    *slot = Value::Bool(false);
                }
            }
        }
    }

    /// Spends every deadline that applies in `stage` and whose moment is
    /// not after `at`; the stage the latest of them moves the account to,
    /// if its `when` holds.
    pub(super) fn due_now(&mut self, stage: Option<u16>, at: DateTime<Utc>) -> Option<u16> {
        if self.inst.status != Status::Active || self.deadlines().is_empty() {
            return None;
        }
        let now = at.timestamp();
        let mut due: Vec<(usize, i64)> = (0..self.deadlines().len())
            .filter(|&i| self.armed(i, stage))
            .filter_map(|i| Some((i, self.moment(i, at)?)))
            .filter(|&(_, t)| t <= now)
            .collect();
        // The latest moment whose condition holds wins; between equal
        // moments, the first written. The ones before it are spent with it.
        due.sort_by_key(|&(i, t)| (std::cmp::Reverse(t), i));
        let mut winner: Option<(usize, u16)> = None;
        for (i, t) in due {
            match winner {
                None => winner = self.fire(i, t, at).map(|to| (i, to)),
                Some((by, _)) => {
                    self.spend(i);
                    self.audit(
                        at,
                        AuditKind::Handler,
                        Detail::DeadlineSuperseded {
                            deadline: i as u16,
                            moment: t,
                            by: by as u16,
                        },
                    );
                }
            }
        }
        winner.map(|(_, to)| to)
    }

    /// Spends deadline `i`, whose moment has come, at `at`: the stage it
    /// moves the account to when its `when` holds.
    pub(super) fn fire(&mut self, i: usize, moment: i64, at: DateTime<Utc>) -> Option<u16> {
        self.spend(i);
        let m = self.m;
        let d = m.collections.deadlines.get(i)?;
        let target = d.target;
        let holds = match &d.when {
            Some(w) => self.cond(w, None, at),
            None => true,
        };
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Deadline {
                deadline: i as u16,
                moment,
                moved: holds,
            },
        );
        holds.then_some(target)
    }

    /// Gives the stage back its own resume moment, put aside by
    /// [`Run::wake_for_deadlines`] at the end of the last step.
    pub(super) fn unwake(&mut self) {
        let Some(var) = self.m.collections.stage_resume else {
            return;
        };
        let Some(slot) = self.inst.vars.get_mut(var as usize) else {
            return;
        };
        if let Value::DateTime(t) = slot {
            if t.timestamp() != 0 {
                self.inst.resume_at = t.timestamp();
            }
        }
        *slot = Value::DateTime(DateTime::UNIX_EPOCH);
    }

    /// Makes the instance due at its next deadline (or the moment its open
    /// promise breaks) when that comes before its stage resumes.
    pub(super) fn wake_for_deadlines(&mut self, now: DateTime<Utc>) {
        let Some(var) = self.m.collections.stage_resume else {
            return;
        };
        let deadline = self.next_deadline(now).map(|(_, t)| t);
        let Some(t) = deadline
            .into_iter()
            .chain(self.promise_breaks_at())
            .chain(self.plan_checks_at())
            .chain(self.settlement_lapses_at())
            .min()
        else {
            return;
        };
        // Everything due by `now` has run in this step; a moment not after
        // it would have the scheduler step the account again and again.
        if t >= self.inst.resume_at || t <= now.timestamp() {
            return;
        }
        let Some(saved) = DateTime::from_timestamp(self.inst.resume_at, 0) else {
            return;
        };
        if let Some(slot) = self.inst.vars.get_mut(var as usize) {
            *slot = Value::DateTime(saved);
            self.inst.resume_at = t;
        }
    }

    fn spend(&mut self, i: usize) {
        let Some(d) = self.deadlines().get(i) else {
            return;
        };
        let var = d.spent as usize;
        if let Some(slot) = self.inst.vars.get_mut(var) {
            *slot = Value::Bool(true);
        }
    }
}
