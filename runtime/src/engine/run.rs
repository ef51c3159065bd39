//! One step of one account: running due work, stages and handlers.

use super::audit::{ContactRef, Detail};
use super::contact::{minutes_ceil, Decision};
use super::eval::Env;
use super::message;
use super::{
    Account, Action, ActionId, ActionKind, AuditEntry, AuditKind, Input, Instance, Outcome, Queued,
    Status,
};
use crate::format::{Channel, Code, Machine, Op, StateKind, Text, TextPiece};
use crate::time::{self, MemoZone, ZoneMemo};
use crate::value::Value;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Ops one resumption may run before the engine declares a loop of
/// `goto`s without a wait (the checker should prevent it).
const OP_BUDGET: usize = 100_000;
/// The most contacts an account may hold at once (each waiting for its
/// hours, a cap or a pause): far more than any flow's steps queue, and a
/// bound on what a step walks through.
const MAX_QUEUED: usize = 1_000;

pub(crate) struct Run<'a> {
    pub m: &'a Machine,
    pub inst: &'a mut Instance,
    pub account: &'a Account,
    pub tz: Tz,
    /// The parts of the caller's [`Outcome`], borrowed apart so that the
    /// zone memo can be read while actions are pushed.
    actions: &'a mut Vec<Action>,
    audit: &'a mut Vec<AuditEntry>,
    visited: &'a mut Vec<u32>,
    pub(crate) memo: &'a mut ZoneMemo,
    budget: usize,
    /// The account id's share of every action id, hashed at the first
    /// action of the step.
    id_hash: Option<u64>,
    /// What the account shares with the other accounts of its person
    /// (see `person`); `None` when it counts alone.
    pub(crate) person: Option<&'a mut super::person::Person>,
    /// A plan refused during this step: its `plan_refused` event and the
    /// moment, raised once the step's own work is done (see `plan`).
    pub(super) refused_plan: Option<(u16, DateTime<Utc>)>,
}

/// How a run of ops ended.
enum Exit {
    /// At a wait or a held contact: the instance has its resume time.
    Suspended,
    /// A `goto` or a `split` chose this stage.
    Goto(u16),
    Ended,
    /// Ran off the end of the ops (normal for a handler).
    Fell,
    Halted,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Stage(u16),
    Handler,
}

impl<'a> Run<'a> {
    pub fn new(
        m: &'a Machine,
        inst: &'a mut Instance,
        account: &'a Account,
        out: &'a mut Outcome,
    ) -> Self {
        let Outcome {
            actions,
            audit,
            visited,
            memo,
        } = out;
        let mut run = Run {
            m,
            inst,
            account,
            tz: Tz::UTC,
            actions,
            audit,
            visited,
            memo,
            budget: OP_BUDGET,
            id_hash: None,
            person: None,
            refused_plan: None,
        };
        run.tz = run.account_zone();
        run
    }

    /// The account's zone, with the offsets this run and earlier ones
    /// (through the outcome) have already read.
    pub(crate) fn zone(&self) -> MemoZone<'_> {
        MemoZone {
            tz: self.tz,
            memo: self.memo,
        }
    }

    pub fn step(mut self, input: Input, now: DateTime<Utc>) {
        self.unwake();
        match input {
            Input::Enrol => self.enrol(now),
            Input::Timer => self.run_due(now),
            Input::Event { event, payload } => {
                self.run_due(now);
                // A promise the payment keeps is kept even if the payment's
                // own handler ends the flow; its handlers run after that
                // one, if the account is still in the flow.
                let paid = self.count_payment(event, &payload, now);
                let kept = if paid { self.keep_promise(now) } else { None };
                let completed = if paid { self.pay_plan(now) } else { None };
                let settled = if paid { self.pay_settlement(now) } else { None };
                self.event(event, &payload, now);
                for raised in kept.into_iter().chain(completed).chain(settled) {
                    if self.inst.status == Status::Active {
                        self.raise(raised, now);
                    }
                }
            }
        }
        self.raise_refused_plan();
        self.wake_for_deadlines(now);
    }

    /// Whether a condition holds for the account at `now` (false when it
    /// cannot be computed).
    pub(crate) fn holds(&mut self, code: &Code, now: DateTime<Utc>) -> bool {
        matches!(self.env(None, now).eval(code), Ok(Value::Bool(true)))
    }

    /// Gives every unset variable its initial value, as enrolment does:
    /// after a migration, the variables a new version adds.
    pub(crate) fn init_unset(&mut self, now: DateTime<Utc>) {
        for (i, var) in self.m.vars.iter().enumerate() {
            if self.inst.vars.get(i).is_some_and(|v| !v.is_set()) {
                let v = self.value(&var.init, None, now).unwrap_or_default();
                if let Some(slot) = self.inst.vars.get_mut(i) {
                    *slot = v;
                }
            }
        }
    }

    /// Sets each variable to its value, in order: a migration's `var` lines.
    pub(crate) fn set_vars(&mut self, vars: &[(u16, Code)], now: DateTime<Utc>) {
        for (var, code) in vars {
            // A value that cannot be computed leaves the variable as it was.
            let Some(v) = self.value(code, None, now) else {
                continue;
            };
            if let Some(slot) = self.inst.vars.get_mut(*var as usize) {
                *slot = v;
            }
        }
    }

    // ---- bookkeeping -------------------------------------------------

    pub(super) fn audit(&mut self, at: DateTime<Utc>, kind: AuditKind, detail: Detail) {
        self.audit.push(AuditEntry {
            at,
            state: self.inst.state,
            kind,
            zone: self.tz,
            detail,
        });
    }

    /// A fault, rare enough to be written out at once.
    pub(super) fn problem(&mut self, at: DateTime<Utc>, text: impl Into<String>) {
        self.audit(at, AuditKind::Problem, Detail::Problem(text.into()));
    }

    pub(super) fn emit(&mut self, at: DateTime<Utc>, pc: u32, kind: ActionKind) {
        let account = *self
            .id_hash
            .get_or_insert_with(|| account_hash(&self.account.id));
        let mut id = step_id(account, self.inst.seq, self.inst.state, pc);
        if self.inst.cycle > 1 {
            // Ids of the first cycle are those of accounts that never
            // re-enter; later cycles mix their number in.
            id = ActionId(mix(fnv1a(id.0, &self.inst.cycle.to_le_bytes())));
        }
        self.inst.seq = self.inst.seq.wrapping_add(1);
        self.actions.push(Action {
            id,
            at,
            state: self.inst.state,
            kind,
        });
    }

    fn halt(&mut self, at: DateTime<Utc>, why: impl Into<String>) {
        self.inst.status = Status::Halted;
        self.inst.resume_at = i64::MAX;
        self.problem(
            at,
            format!("halted: {}; the account needs a person", why.into()),
        );
    }

    fn move_to_state(&mut self, state: u32) {
        self.inst.state = state;
        self.visited.push(state);
    }

    pub(super) fn env<'b>(&'b self, event: Option<&'b [Value]>, now: DateTime<Utc>) -> Env<'b> {
        Env {
            m: self.m,
            account: self.account,
            event,
            vars: &self.inst.vars,
            now,
            tz: self.zone(),
        }
    }

    /// A condition; one that cannot be evaluated counts as false and is
    /// audited.
    pub(super) fn cond(&mut self, code: &Code, event: Option<&[Value]>, at: DateTime<Utc>) -> bool {
        let r = self.env(event, at).eval_bool(code);
        match r {
            Ok(b) => b,
            Err(e) => {
                self.problem(at, format!("a condition counted as false: {e}"));
                false
            }
        }
    }

    fn value(&mut self, code: &Code, event: Option<&[Value]>, at: DateTime<Utc>) -> Option<Value> {
        let r = self.env(event, at).eval(code);
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(at, format!("a value could not be computed: {e}"));
                None
            }
        }
    }

    /// Text written with the flow's locale, for alerts.
    fn render(&mut self, text: &Text, event: Option<&[Value]>, at: DateTime<Utc>) -> String {
        let formats = self
            .m
            .locales
            .locale
            .as_deref()
            .and_then(dun_machine::locale::lookup);
        self.render_in(text, event, at, formats.as_ref())
    }

    /// Text with its values written for `formats`, or dun's own way.
    fn render_in(
        &mut self,
        text: &Text,
        event: Option<&[Value]>,
        at: DateTime<Utc>,
        formats: Option<&dun_machine::locale::Formats>,
    ) -> String {
        // Room for the literal text and a typical value per interpolation:
        // a letter's text grew through several reallocations otherwise.
        let room: usize = text
            .iter()
            .map(|piece| match piece {
                TextPiece::Lit(s) => self.m.str(*s).len(),
                TextPiece::Expr(_) => 24,
            })
            .sum();
        let mut out = String::with_capacity(room);
        for piece in text {
            match piece {
                TextPiece::Lit(s) => out.push_str(self.m.str(*s)),
                TextPiece::Expr(code) => {
                    let failed = match self.env(event, at).eval_slot(code) {
                        Ok(v) => {
                            match formats {
                                Some(f) => v.render_locale_into(&mut out, &self.m.currency, f),
                                None => v.render_into(&mut out, &self.m.currency),
                            }
                            None
                        }
                        Err(e) => Some(e),
                    };
                    if let Some(e) = failed {
                        self.problem(at, format!("a value could not be computed: {e}"));
                    }
                }
            }
        }
        out
    }

    // ---- inputs ------------------------------------------------------

    fn enrol(&mut self, now: DateTime<Utc>) {
        if self.inst.status != Status::NotStarted {
            self.audit(now, AuditKind::Ignored, Detail::AlreadyEnrolled);
            return;
        }
        self.inst.status = Status::Active;
        self.inst.resume_at = i64::MAX;
        self.inst.resize_ledger(self.ledger_len());
        // Each starting value may read the variables declared before it.
        self.inst.vars = vec![Value::default(); self.m.vars.len()].into_boxed_slice();
        for (i, var) in self.m.vars.iter().enumerate() {
            let v = self.value(&var.init, None, now).unwrap_or_default();
            if let Some(slot) = self.inst.vars.get_mut(i) {
                *slot = v;
            }
        }
        self.audit(now, AuditKind::Enrolled, Detail::Enrolled);
        self.goto(None, self.m.start, now);
    }

    /// Runs everything due up to `now`, each at its own due moment.
    fn run_due(&mut self, now: DateTime<Utc>) {
        let now_s = now.timestamp();
        // The moment of the last thing run: a deadline whose moment the
        // run itself moved into the past (a `set` of the date it reads)
        // fires then, not earlier than what has already happened.
        let mut last = i64::MIN;
        loop {
            if self.budget == 0 {
                self.halt(
                    now,
                    "too much work in one step (a loop of goto without wait?)",
                );
                return;
            }
            self.budget -= 1;
            let queued = self
                .inst
                .queue
                .iter()
                .enumerate()
                .min_by_key(|(_, q)| q.due)
                .map(|(i, q)| (i, q.due));
            let stage_due = (self.inst.status == Status::Active).then_some(self.inst.resume_at);
            // The moment `due` (not before what has already run) when it
            // comes first: no later than now, the stage's wait and the
            // earliest held contact.
            let done = last;
            let first = |due: i64| {
                let due = due.max(done);
                (due <= now_s
                    && stage_due.is_none_or(|s| due <= s)
                    && queued.is_none_or(|(_, q)| due <= q))
                .then_some(due)
            };
            // A promise breaks, an installment is checked and a settlement
            // offer lapses before a deadline or a wait of the same moment:
            // their handlers may move the account.
            if let Some(due) = self.promise_breaks_at().and_then(first) {
                last = due;
                self.break_promise(moment(due, now));
                continue;
            }
            if let Some(due) = self.plan_checks_at().and_then(first) {
                last = due;
                self.check_installment(moment(due, now));
                continue;
            }
            if let Some(due) = self.settlement_lapses_at().and_then(first) {
                last = due;
                self.lapse_settlement(moment(due, now));
                continue;
            }
            // A deadline goes before a wait that ends at the same moment:
            // it moves the account, and the wait no longer matters.
            if let Some((i, due)) = self
                .next_deadline(now)
                .and_then(|(i, due)| first(due).map(|due| (i, due)))
            {
                last = due;
                let at = moment(due, now);
                let from = self.m.states.get(self.inst.state as usize).map(|s| s.stage);
                if let Some(to) = self.fire(i, due, at) {
                    self.inst.resume_at = i64::MAX;
                    self.goto(from, to, at);
                }
                continue;
            }
            match (queued, stage_due) {
                (Some((i, due)), s) if due <= now_s && !matches!(s, Some(s) if due > s) => {
                    last = last.max(due);
                    self.release(i, due);
                }
                (_, Some(due)) if due <= now_s => {
                    last = last.max(due);
                    let at = moment(due, now);
                    self.resume(at);
                }
                _ => return,
            }
        }
    }

    fn resume(&mut self, at: DateTime<Utc>) {
        self.inst.resume_at = i64::MAX;
        let Some(state) = self.m.states.get(self.inst.state as usize) else {
            self.halt(
                at,
                format!("state {} is not in the compiled flow", self.inst.state),
            );
            return;
        };
        self.run_stage(state.stage, state.pc, at);
    }

    fn release(&mut self, index: usize, due: i64) {
        let at = DateTime::from_timestamp(due, 0).unwrap_or_default();
        if index >= self.inst.queue.len() {
            return;
        }
        let q = self.inst.queue.remove(index);
        if let ActionKind::RecallAgency { agency } = q.kind {
            self.recall(agency, q.state, at);
            return;
        }
        let Some(contact) = q.kind.contact() else {
            return;
        };
        let channel = contact.channel;
        match self.decide(channel, at) {
            Decision::Go => {
                self.audit(at, AuditKind::Released, Detail::Released(contact));
                self.record_contact(channel, at);
                let saved = self.inst.state;
                self.inst.state = q.state;
                self.emit(at, u32::MAX, q.kind);
                self.inst.state = saved;
            }
            Decision::Hold { until, reason } => {
                self.audit(
                    at,
                    AuditKind::Queued,
                    Detail::Requeued {
                        reason,
                        until: until.timestamp(),
                    },
                );
                self.inst.queue.push(Queued {
                    due: until.timestamp(),
                    ..q
                });
            }
            Decision::Suppress { reason } => {
                self.audit(
                    at,
                    AuditKind::Suppressed,
                    Detail::SuppressedQueued { reason, contact },
                );
            }
        }
    }

    /// Raises an event of the engine's own (a promise kept or broken): it
    /// runs the handlers the flow wrote for it, like an event that came.
    pub(super) fn raise(&mut self, event: u16, at: DateTime<Utc>) {
        self.event(event, &[], at);
    }

    pub(super) fn event(&mut self, event: u16, payload: &[Value], at: DateTime<Utc>) {
        let Some(def) = self.m.events.get(event as usize) else {
            self.problem(
                at,
                format!("event number {event} is not in the compiled flow: ignored"),
            );
            return;
        };
        let name = self.m.str(def.name);
        if payload.len() != def.fields.len() {
            self.problem(
                at,
                format!(
                    "event {name} came with {} values, its declaration has {}: ignored",
                    payload.len(),
                    def.fields.len()
                ),
            );
            return;
        }
        for (f, v) in def.fields.iter().zip(payload) {
            if !v.fits(self.m, &f.ty, f.optional) {
                let expected = super::type_words(self.m, &f.ty);
                self.problem(
                    at,
                    format!(
                        "event {name}: field `{}` should be {expected}, got {v}: ignored",
                        self.m.str(f.name)
                    ),
                );
                return;
            }
        }
        if self.inst.status != Status::Active {
            if self.inst.status != Status::NotStarted {
                self.release_holds(event, at);
            }
            let why = match self.inst.status {
                Status::NotStarted => "the account has not entered the flow",
                Status::Ended => "the account has finished the flow",
                _ => "the account is halted",
            };
            self.audit(at, AuditKind::Ignored, Detail::EventIgnored { event, why });
            return;
        }
        // Policy first, so a handler's contact already obeys the new stop
        // or pause.
        for (n, stop) in self.m.policy.stops.iter().enumerate() {
            if stop.event != event {
                continue;
            }
            if let Some(w) = &stop.when {
                if !self.cond(w, Some(payload), at) {
                    continue;
                }
            }
            self.inst.stopped = self.inst.stopped.union(stop.channels);
            self.share_stop(stop.channels);
            self.audit(
                at,
                AuditKind::Stopped,
                Detail::Stopped {
                    stop: n as u16,
                    event,
                },
            );
            let (dropped, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.inst.queue)
                .into_iter()
                .partition(|q| q.kind.channel().is_some_and(|c| stop.channels.contains(c)));
            self.inst.queue = kept;
            for q in dropped {
                if let Some(c) = q.kind.contact() {
                    self.audit(at, AuditKind::Suppressed, Detail::DroppedByStop(c));
                }
            }
        }
        for (n, pause) in self.m.policy.pauses.iter().enumerate() {
            if pause.event != event {
                continue;
            }
            if let Some(w) = &pause.when {
                if !self.cond(w, Some(payload), at) {
                    continue;
                }
            }
            let cal = self.m.calendar_for(&pause.duration);
            let Some(until) = time::add(at, pause.duration, self.zone(), cal) else {
                continue;
            };
            let minute = minutes_ceil(until);
            let now = minutes_ceil(at);
            for c in pause.channels.channels() {
                self.inst.pause(c, minute, now);
                self.share_pause(c, minute, now);
            }
            self.audit(
                at,
                AuditKind::Paused,
                Detail::Paused {
                    pause: n as u16,
                    event,
                    until: until.timestamp(),
                },
            );
        }
        self.apply_holds(event, payload, at);
        let stage = self.m.states.get(self.inst.state as usize).map(|s| s.stage);
        let stage_handlers = stage
            .and_then(|s| self.m.stages.get(s as usize))
            .map(|s| s.handlers.as_slice())
            .unwrap_or(&[]);
        let handler = stage_handlers
            .iter()
            .map(|h| (h, true))
            .chain(self.m.handlers.iter().map(|h| (h, false)))
            .filter(|(h, _)| h.event == event)
            .find(|(h, _)| match &h.when {
                Some(w) => self.cond(w, Some(payload), at),
                None => true,
            });
        let Some((handler, of_stage)) = handler else {
            self.audit(at, AuditKind::Ignored, Detail::NoHandler { event });
            return;
        };
        self.audit(
            at,
            AuditKind::Handler,
            Detail::Handler {
                event,
                stage: if of_stage { stage } else { None },
            },
        );
        match self.exec(&handler.code, 0, at, Mode::Handler, Some(payload)) {
            Exit::Goto(s) => {
                self.inst.resume_at = i64::MAX;
                self.goto(stage, s, at);
            }
            Exit::Halted | Exit::Ended | Exit::Suspended => {}
            Exit::Fell => {
                // The stage carries on where it was: its wait is not
                // restarted, unless what the handler set has made a
                // deadline of the account's already past.
                let stage = self.m.states.get(self.inst.state as usize).map(|s| s.stage);
                if let Some(to) = self.due_now(stage, at) {
                    self.inst.resume_at = i64::MAX;
                    self.goto(stage, to, at);
                }
            }
        }
    }

    // ---- stages ------------------------------------------------------

    /// Enters a stage and runs it until it suspends or finishes.
    fn goto(&mut self, from: Option<u16>, to: u16, at: DateTime<Utc>) {
        let mut from = from;
        let mut to = to;
        loop {
            let Some(stage) = self.m.stages.get(to as usize) else {
                self.halt(at, format!("stage number {to} is not in the compiled flow"));
                return;
            };
            // Deadlines already past as the account enters the stage move
            // it on before the stage runs.
            self.arm(to);
            if let Some(next) = self.due_now(Some(to), at) {
                if self.budget == 0 {
                    self.halt(at, "a loop of deadlines without any wait");
                    return;
                }
                self.budget -= 1;
                to = next;
                continue;
            }
            self.move_to_state(stage.entry);
            self.emit(at, 0, ActionKind::Stage { from, to });
            match self.exec(&stage.code, 0, at, Mode::Stage(to), None) {
                Exit::Goto(next) => {
                    from = Some(to);
                    to = next;
                }
                Exit::Fell => {
                    let name = self.m.str(stage.name).to_string();
                    self.halt(
                        at,
                        format!("stage {name} ran off its end without goto, end or split"),
                    );
                    return;
                }
                Exit::Suspended | Exit::Ended | Exit::Halted => return,
            }
            if self.budget == 0 {
                self.halt(at, "a loop of goto without any wait");
                return;
            }
        }
    }

    fn run_stage(&mut self, stage: u16, pc: u32, at: DateTime<Utc>) {
        let Some(def) = self.m.stages.get(stage as usize) else {
            self.halt(
                at,
                format!("stage number {stage} is not in the compiled flow"),
            );
            return;
        };
        match self.exec(&def.code, pc, at, Mode::Stage(stage), None) {
            Exit::Goto(next) => self.goto(Some(stage), next, at),
            Exit::Fell => {
                let name = self.m.str(def.name).to_string();
                self.halt(
                    at,
                    format!("stage {name} ran off its end without goto, end or split"),
                );
            }
            Exit::Suspended | Exit::Ended | Exit::Halted => {}
        }
    }

    /// Runs ops from `pc` until a wait, a hold, a goto, an end or the end of
    /// the list.
    fn exec(
        &mut self,
        code: &'a [Op],
        pc: u32,
        at: DateTime<Utc>,
        mode: Mode,
        event: Option<&[Value]>,
    ) -> Exit {
        let mut pc = pc as usize;
        while let Some(op) = code.get(pc) {
            if self.budget == 0 {
                self.halt(
                    at,
                    "too much work in one step (a loop of goto without wait?)",
                );
                return Exit::Halted;
            }
            self.budget -= 1;
            let here = pc as u32;
            pc += 1;
            match op {
                Op::Jump(to) => pc = *to as usize,
                Op::JumpUnless { cond, to } => {
                    if !self.cond(cond, event, at) {
                        pc = *to as usize;
                    }
                }
                Op::Wait { duration, resume } => {
                    if mode == Mode::Handler {
                        self.problem(at, "a wait inside a handler was ignored");
                        continue;
                    }
                    let cal = self.m.calendar_for(duration);
                    let Some(until) = time::add_seconds(at, *duration, self.zone(), cal) else {
                        self.halt(
                            at,
                            format!("wait {duration} goes past the calendar's range"),
                        );
                        return Exit::Halted;
                    };
                    let what = Detail::Wait {
                        duration: *duration,
                        until,
                    };
                    return self.suspend(*resume, until, at, what);
                }
                Op::WaitUntil { at: when, resume } => {
                    if mode == Mode::Handler {
                        self.problem(at, "a wait inside a handler was ignored");
                        continue;
                    }
                    let until = match self.value(when, event, at) {
                        Some(Value::Date(d)) => time::start_of_day(self.zone(), d),
                        Some(Value::DateTime(t)) => t,
                        Some(v) => {
                            self.problem(
                                at,
                                format!(
                                    "wait until needs a date or a datetime, got {v}: not waiting"
                                ),
                            );
                            continue;
                        }
                        None => continue,
                    };
                    if until <= at {
                        self.audit(
                            at,
                            AuditKind::Waiting,
                            Detail::WaitUntilPast {
                                until: until.timestamp(),
                            },
                        );
                        continue;
                    }
                    let until = until.timestamp();
                    let what = Detail::WaitUntil { until };
                    return self.suspend(*resume, until, at, what);
                }
                Op::Send {
                    channel,
                    template,
                    to,
                    when,
                    hold,
                } => {
                    if let Some(w) = when {
                        if !self.cond(w, event, at) {
                            continue;
                        }
                    }
                    let Some(t) = self.m.templates.get(*template as usize) else {
                        self.problem(
                            at,
                            format!("template number {template} is missing: not sent"),
                        );
                        continue;
                    };
                    let field = match to {
                        None => None,
                        Some(f) => match self.account.fields.get(*f as usize) {
                            Some(Value::Unset) | None => {
                                let field = self.m.account.get(*f as usize).map_or(0, |x| x.name);
                                self.audit(
                                    at,
                                    AuditKind::Skipped,
                                    Detail::Skipped {
                                        channel: *channel,
                                        template: t.name,
                                        field,
                                    },
                                );
                                continue;
                            }
                            Some(v) => Some(v),
                        },
                    };
                    let contact = ContactRef {
                        channel: *channel,
                        name: Some(t.name),
                    };
                    // Rendered only once the policy lets the contact go (or
                    // queues it): a held stage sends afresh when it resumes.
                    let wording = message::wording(self.m, *template, t, self.account);
                    let build = |run: &mut Self| {
                        let formats = wording.formats.as_ref();
                        let subject = wording
                            .subject
                            .map(|s| run.render_in(s, event, at, formats));
                        let text = run.render_in(wording.body, event, at, formats);
                        let to = field.map(|v| v.render(&run.m.currency));
                        if wording.is_plain() {
                            ActionKind::Send {
                                channel: *channel,
                                template: t.name,
                                subject,
                                text,
                                to,
                            }
                        } else {
                            ActionKind::Message {
                                channel: *channel,
                                template: t.name,
                                language: wording.language,
                                approved: wording.approved,
                                subject,
                                text,
                                to,
                            }
                        }
                    };
                    if let Some(exit) = self.contact(contact, build, here, *hold, at, mode) {
                        return exit;
                    }
                }
                Op::Call {
                    queue,
                    priority,
                    when,
                    hold,
                } => {
                    if let Some(w) = when {
                        if !self.cond(w, event, at) {
                            continue;
                        }
                    }
                    let contact = ContactRef {
                        channel: Channel::Call,
                        name: *queue,
                    };
                    let build = |_: &mut Self| ActionKind::Call {
                        queue: *queue,
                        priority: *priority,
                    };
                    if let Some(exit) = self.contact(contact, build, here, *hold, at, mode) {
                        return exit;
                    }
                }
                Op::Set { var, value } => {
                    if let Some(v) = self.value(value, event, at) {
                        if let Some(slot) = self.inst.vars.get_mut(*var as usize) {
                            *slot = v;
                        }
                    }
                }
                Op::AssignQueue { queue, priority } => {
                    let kind = ActionKind::AssignQueue {
                        queue: *queue,
                        priority: *priority,
                    };
                    self.emit(at, here, kind);
                }
                Op::AssignAgency { agency } => {
                    let kind = ActionKind::AssignAgency { agency: *agency };
                    self.emit(at, here, kind);
                }
                Op::PlaceAgency { agency, period } => self.place(*agency, *period, here, at),
                Op::OfferDiscount { percent, duration } => {
                    let until = duration.and_then(|d| {
                        let cal = self.m.calendar_for(&d);
                        time::add(at, d, self.zone(), cal)
                    });
                    self.emit(
                        at,
                        here,
                        ActionKind::OfferDiscount {
                            percent: *percent,
                            until,
                        },
                    );
                }
                Op::OfferPlan {
                    installments,
                    every,
                } => self.emit(
                    at,
                    here,
                    ActionKind::OfferPlan {
                        installments: *installments,
                        every: *every,
                        up_to: false,
                    },
                ),
                Op::OfferPlanUpTo {
                    installments,
                    every,
                } => self.emit(
                    at,
                    here,
                    ActionKind::OfferPlan {
                        installments: *installments,
                        every: *every,
                        up_to: true,
                    },
                ),
                Op::OfferSettlement {
                    amount,
                    until,
                    percent,
                } => {
                    let amount = self.value(amount, event, at);
                    let until = self.value(until, event, at);
                    self.offer_settlement(amount, until, *percent, at, here);
                }
                Op::Alert { team, text } => {
                    let text = self.render(text, event, at);
                    let kind = ActionKind::Alert { team: *team, text };
                    self.emit(at, here, kind);
                }
                Op::Emit { action, fields } => {
                    let mut values = Vec::with_capacity(fields.len());
                    for (f, code) in fields {
                        let v = self.value(code, event, at).unwrap_or_default();
                        values.push((*f, v));
                    }
                    self.emit(
                        at,
                        here,
                        ActionKind::Emit {
                            action: *action,
                            fields: values,
                        },
                    );
                }
                Op::Goto(stage) => return Exit::Goto(*stage),
                Op::End(outcome) => {
                    self.inst.status = Status::Ended;
                    self.inst.outcome = *outcome;
                    self.inst.resume_at = i64::MAX;
                    self.emit(at, here, ActionKind::End { outcome: *outcome });
                    return Exit::Ended;
                }
                Op::Split(arms) => {
                    let stage_name = match mode {
                        Mode::Stage(s) => self.m.stage_name(s),
                        Mode::Handler => "",
                    };
                    let bucket = split_bucket(&self.account.id, stage_name);
                    let mut acc = 0u32;
                    let chosen = arms
                        .iter()
                        .find(|a| {
                            acc += u32::from(a.share);
                            bucket < acc
                        })
                        .or(arms.last());
                    let Some(arm) = chosen else {
                        self.halt(at, "a split without arms");
                        return Exit::Halted;
                    };
                    self.audit(
                        at,
                        AuditKind::Split,
                        Detail::Split {
                            bucket,
                            stage: arm.stage,
                            share: arm.share,
                        },
                    );
                    return Exit::Goto(arm.stage);
                }
                Op::ChargeFee {
                    amount,
                    reason,
                    when,
                } => {
                    if let Some(w) = when {
                        if !self.cond(w, event, at) {
                            continue;
                        }
                    }
                    self.charge_fee(*amount, *reason, at, here);
                }
                Op::Interest { freeze } => self.interest(*freeze, at, here),
                Op::CheckPlan {
                    count,
                    every,
                    offer,
                    refused,
                    event: refused_event,
                } => {
                    let count = self.value(count, event, at);
                    let check = super::plan::PlanCheck {
                        every: *every,
                        offer: *offer,
                        refused: *refused,
                        event: *refused_event,
                    };
                    self.check_plan(count, check, at);
                }
            }
        }
        Exit::Fell
    }

    /// Waits in `state` until `until` (seconds since 1970 UTC).
    fn suspend(&mut self, state: u32, until: i64, at: DateTime<Utc>, what: Detail) -> Exit {
        self.move_to_state(state);
        self.inst.resume_at = until;
        self.audit(at, AuditKind::Waiting, what);
        Exit::Suspended
    }

    /// A contact that has passed its guard and has its address: goes,
    /// holds the stage, is queued or is suppressed, as the policy decides.
    /// Its action is built with `build` only when it goes or is queued.
    /// `Some(exit)` when the stage must stop here.
    fn contact(
        &mut self,
        contact: ContactRef,
        build: impl FnOnce(&mut Self) -> ActionKind,
        pc: u32,
        hold: Option<u32>,
        at: DateTime<Utc>,
        mode: Mode,
    ) -> Option<Exit> {
        let channel = contact.channel;
        match self.decide(channel, at) {
            Decision::Go => {
                self.record_contact(channel, at);
                let kind = build(self);
                self.emit(at, pc, kind);
                None
            }
            Decision::Suppress { reason } => {
                self.audit(
                    at,
                    AuditKind::Suppressed,
                    Detail::Suppressed { reason, contact },
                );
                None
            }
            Decision::Hold { until, reason } => {
                let until_s = until.timestamp();
                match (mode, hold) {
                    (Mode::Stage(_), Some(state))
                        if self
                            .m
                            .states
                            .get(state as usize)
                            .is_some_and(|s| s.kind == StateKind::Held) =>
                    {
                        self.move_to_state(state);
                        self.inst.resume_at = until.timestamp();
                        self.audit(
                            at,
                            AuditKind::Held,
                            Detail::Held {
                                reason,
                                until: until_s,
                                contact,
                            },
                        );
                        Some(Exit::Suspended)
                    }
                    _ if self.inst.queue.len() >= MAX_QUEUED => {
                        // A flow queues a contact per step it holds; one that
                        // queues without end (a damaged or hostile machine)
                        // halts instead of growing the account, and the
                        // contacts it held do not go.
                        self.inst.queue.clear();
                        self.halt(at, format!("more than {MAX_QUEUED} contacts held at once"));
                        None
                    }
                    _ => {
                        let kind = build(self);
                        self.audit(
                            at,
                            AuditKind::Queued,
                            Detail::Queued {
                                reason,
                                until: until_s,
                                contact,
                            },
                        );
                        self.inst.queue.push(Queued {
                            due: until.timestamp(),
                            state: self.inst.state,
                            kind,
                        });
                        None
                    }
                }
            }
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
}

/// SplitMix64's finaliser: spreads FNV's weak low bits over the word.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The split bucket of an account in a stage, in `[0, 10000)`: stable
/// across runs, machines and versions of dun.
pub fn split_bucket(account_id: &str, stage: &str) -> u32 {
    let h = fnv1a(FNV_OFFSET, account_id.as_bytes());
    let h = fnv1a(h, &[0]);
    let h = fnv1a(h, stage.as_bytes());
    (mix(h) % 10_000) as u32
}

/// The instant of `due` (whole seconds since 1970), which a scheduler
/// usually steps at exactly: `now` then, with no calendar arithmetic.
fn moment(due: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    if due == now.timestamp() && now.timestamp_subsec_nanos() == 0 {
        now
    } else {
        DateTime::from_timestamp(due, 0).unwrap_or(now)
    }
}

/// An action id is made of the account id, the sequence number, the state
/// and the op: the same step replayed gives the same id. The account's part
/// is hashed once per step.
fn account_hash(account_id: &str) -> u64 {
    fnv1a(fnv1a(FNV_OFFSET, account_id.as_bytes()), &[0xff])
}

fn step_id(account: u64, seq: u32, state: u32, pc: u32) -> ActionId {
    let mut h = fnv1a(account, &seq.to_le_bytes());
    h = fnv1a(h, &state.to_le_bytes());
    h = fnv1a(h, &pc.to_le_bytes());
    ActionId(mix(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_and_split_buckets_never_change() {
        // Stored outboxes and consumers deduplicate by these ids, and
        // accounts keep their split arm: a new version of dun must give
        // the same numbers. Computed once by hand from FNV-1a and SplitMix64.
        let id = step_id(account_hash("acct-1"), 0, 3, 7);
        assert_eq!(id.to_string(), "2a0999167f7f4010");
        assert_ne!(step_id(account_hash("acct-1"), 1, 3, 7), id);
        assert_ne!(step_id(account_hash("acct-2"), 0, 3, 7), id);
        assert_eq!(split_bucket("acct-1", "offer"), 2390);
    }
}
