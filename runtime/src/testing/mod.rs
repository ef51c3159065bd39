//! Flow tests on a simulated clock: `test "..." { given ... start at ...
//! on day N ... }`.
//!
//! The compiler turns a `test` block into a [`TestCase`] (names resolved to
//! indexes, values evaluated); [`run_test`] drives the engine through the
//! timeline and checks every expectation at the end of its day, in the
//! test's zone.

mod arms;
mod trace;

pub use trace::write_trace;

use crate::engine::{
    person_of, step, step_person, Account, ActionKind, AuditKind, Input, Instance, Person, Status,
};
use crate::format::{Machine, SrcSpan};
use crate::time::{self, local_to_utc, start_of_day};
use crate::value::Value;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Extra days simulated after the last line of the timeline, so a failure
/// can say when a contact went instead.
const LOOKAHEAD_DAYS: u32 = 31;
/// The furthest `on day N` a test may name.
const MAX_DAY: u32 = 36_600;

pub use dun_machine::test_case::{Expect, TestCase, TestStep, TimelineItem};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    pub title: String,
    pub span: SrcSpan,
    pub passed: bool,
    pub results: Vec<ExpectationResult>,
    /// Faults of the test itself (a bad zone, an update the account
    /// refuses); any of them fails the test.
    pub problems: Vec<String>,
    pub trace: Vec<TraceEntry>,
    /// States the account was in, for coverage.
    pub states: BTreeSet<u32>,
    /// Moves between states, `(from, to)`.
    pub transitions: BTreeSet<(u32, u32)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    pub span: SrcSpan,
    pub day: u32,
    pub passed: bool,
    /// What was expected, and when it failed, what happened instead.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceKind {
    Action,
    Audit(AuditKind),
    Input,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub at: DateTime<Utc>,
    pub day: u32,
    /// `HH:MM` in the test's zone.
    pub time: String,
    pub kind: TraceKind,
    pub text: String,
}

/// The account at the end of a day.
struct Snapshot {
    status: Status,
    stage: String,
    outcome: String,
    vars: Vec<Value>,
    interest_frozen: bool,
}

struct Done {
    day: u32,
    at: DateTime<Utc>,
    kind: ActionKind,
}

struct Sim<'a> {
    m: &'a Machine,
    tz: Tz,
    start_date: NaiveDate,
    inst: Instance,
    account: Account,
    done: Vec<Done>,
    trace: Vec<TraceEntry>,
    states: BTreeSet<u32>,
    transitions: BTreeSet<(u32, u32)>,
    last_state: Option<u32>,
    problems: Vec<String>,
}

impl Sim<'_> {
    fn day_of(&self, at: DateTime<Utc>) -> u32 {
        let date = time::to_local(self.tz, at).date();
        u32::try_from((date - self.start_date).num_days()).unwrap_or(0)
    }

    fn hhmm(&self, at: DateTime<Utc>) -> String {
        time::to_local(self.tz, at).format("%H:%M").to_string()
    }

    fn note(&mut self, at: DateTime<Utc>, kind: TraceKind, text: String) {
        let entry = TraceEntry {
            at,
            day: self.day_of(at),
            time: self.hhmm(at),
            kind,
            text,
        };
        self.trace.push(entry);
    }

    fn apply(&mut self, input: Input, now: DateTime<Utc>, person: Option<&mut Person>) {
        let out = match person {
            Some(p) => step_person(self.m, &mut self.inst, &self.account, p, input, now),
            None => step(self.m, &mut self.inst, &self.account, input, now),
        };
        for s in out.visited {
            if let Some(prev) = self.last_state {
                self.transitions.insert((prev, s));
            }
            self.states.insert(s);
            self.last_state = Some(s);
        }
        for a in out.audit {
            let text = a.message(self.m);
            self.note(a.at, TraceKind::Audit(a.kind), text);
        }
        for a in out.actions {
            let text = a.kind.describe(self.m);
            self.note(a.at, TraceKind::Action, text);
            let day = self.day_of(a.at);
            self.done.push(Done {
                day,
                at: a.at,
                kind: a.kind,
            });
        }
    }

    fn snapshot(&self) -> Snapshot {
        let stage = self
            .m
            .states
            .get(self.inst.state as usize)
            .map(|s| self.m.stage_name(s.stage).to_string())
            .unwrap_or_default();
        Snapshot {
            status: self.inst.status,
            stage,
            outcome: self.m.str(self.inst.outcome).to_string(),
            vars: self.inst.vars.to_vec(),
            interest_frozen: crate::engine::interest_frozen(self.m, &self.inst),
        }
    }
}

/// The accounts of a test and what the accounts of one person share.
struct Sims<'a> {
    sims: Vec<Sim<'a>>,
    persons: HashMap<String, Person>,
}

impl Sims<'_> {
    /// Steps account `who`, with its person's shared record when the flow
    /// declares `person`.
    fn apply(&mut self, who: usize, input: Input, now: DateTime<Utc>) {
        let Some(sim) = self.sims.get_mut(who) else {
            return;
        };
        match person_of(sim.m, &sim.account) {
            Some(key) => {
                let person = self.persons.entry(key).or_default();
                sim.apply(input, now, Some(person));
            }
            None => sim.apply(input, now, None),
        }
    }

    /// Runs every timer due up to and including `until`, the accounts'
    /// in time order (the first account first at the same moment), so
    /// that each sees what its siblings did before.
    fn run_until(&mut self, until: DateTime<Utc>) {
        let mut guard = 0;
        while guard <= 100_000 {
            let next = self
                .sims
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.inst.next_due()?, i)))
                .min();
            let Some((due, who)) = next else { break };
            if due > until {
                break;
            }
            guard += 1;
            self.apply(who, Input::Timer, due);
        }
    }
}

/// Runs one flow test.
pub fn run_test(m: &Machine, case: &TestCase) -> TestReport {
    let mut problems = vec![];
    let tz = match &case.zone {
        None => Tz::UTC,
        Some(z) => time::zone_from_name(z).unwrap_or_else(|| {
            problems.push(format!(
                "`start at ... in \"{z}\"`: unknown timezone; use an IANA name such as \"America/New_York\""
            ));
            Tz::UTC
        }),
    };
    let accounts: Vec<&Account> = std::iter::once(&case.account)
        .chain(case.more.iter().map(|(_, a)| a))
        .collect();
    for a in &accounts {
        if let Err(e) = a.check(m) {
            problems.push(e.to_string());
        }
    }
    // `given arm STAGE`: the first account takes an id whose split arms
    // go to those stages.
    let mut first = case.account.clone();
    if !case.arms.is_empty() {
        match arms::id_for_arms(m, &first.id, &case.arms) {
            Ok(id) => first.id = id,
            Err(e) => problems.push(e),
        }
    }
    let accounts: Vec<&Account> = std::iter::once(&first)
        .chain(case.more.iter().map(|(_, a)| a))
        .collect();
    let mut sims = Sims {
        sims: accounts
            .iter()
            .map(|a| Sim {
                m,
                tz,
                start_date: case.start.date(),
                inst: Instance::new(),
                account: (*a).clone(),
                done: vec![],
                trace: vec![],
                states: BTreeSet::new(),
                transitions: BTreeSet::new(),
                last_state: None,
                problems: vec![],
            })
            .collect(),
        persons: HashMap::new(),
    };
    if let Some(first) = sims.sims.first_mut() {
        first.problems = problems;
    }
    let start = local_to_utc(tz, case.start);
    let date_of = |day: u32| {
        case.start
            .date()
            .checked_add_signed(Duration::days(i64::from(day)))
            .unwrap_or(NaiveDate::MAX)
    };
    let moment = |day: u32, at: Option<NaiveTime>| {
        local_to_utc(tz, date_of(day).and_time(at.unwrap_or(case.start.time())))
    };
    let end_of_day = |day: u32| {
        let next = date_of(day).succ_opt().unwrap_or(NaiveDate::MAX);
        let t = start_of_day(tz, next);
        t.checked_sub_signed(Duration::seconds(1)).unwrap_or(t)
    };
    if let Some(far) = case.timeline.iter().find(|i| i.day > MAX_DAY) {
        if let Some(first) = sims.sims.first_mut() {
            first.problems.push(format!(
                "`on day {}` is more than {MAX_DAY} days after the start; a flow test covers at most about 100 years",
                far.day
            ));
        }
        return report(case, sims, vec![]);
    }
    for who in 0..sims.sims.len() {
        sims.apply(who, Input::Enrol, start);
    }

    let mut actions: Vec<(DateTime<Utc>, usize, &TimelineItem)> = case
        .timeline
        .iter()
        .enumerate()
        .filter(|(_, i)| !matches!(i.what, TestStep::Expect(_)))
        .map(|(n, i)| (moment(i.day, i.at), n, i))
        .collect();
    actions.sort_by_key(|(t, n, _)| (*t, *n));
    let last_day = case.timeline.iter().map(|i| i.day).max().unwrap_or(0);
    let mut snapshots: Vec<Vec<Snapshot>> = sims
        .sims
        .iter()
        .map(|_| Vec::with_capacity(last_day as usize + 1))
        .collect();
    let mut next = actions.into_iter().peekable();
    for day in 0..=last_day + LOOKAHEAD_DAYS {
        while let Some((t, _, item)) = next.next_if(|(_, _, i)| i.day == day) {
            sims.run_until(t);
            let who = usize::from(item.account);
            if who >= sims.sims.len() {
                continue;
            }
            match &item.what {
                TestStep::Receive { event, payload } => {
                    let name = m
                        .events
                        .get(*event as usize)
                        .map(|e| m.str(e.name))
                        .unwrap_or("?");
                    sims.sims[who].note(t, TraceKind::Input, format!("receive {name}"));
                    sims.apply(
                        who,
                        Input::Event {
                            event: *event,
                            payload: payload.clone(),
                        },
                        t,
                    );
                }
                TestStep::Update { fields } => {
                    let sim = &mut sims.sims[who];
                    let mut names = vec![];
                    for (f, v) in fields {
                        let name = m
                            .account
                            .get(*f as usize)
                            .map(|x| m.str(x.name))
                            .unwrap_or("?");
                        names.push(format!("{name}: {v}"));
                        if let Err(e) = sim.account.set(m, name, v.clone()) {
                            sim.problems
                                .push(format!("on day {day}: update account: {e}"));
                        }
                    }
                    sim.note(
                        t,
                        TraceKind::Input,
                        format!("update account {{ {} }}", names.join(", ")),
                    );
                }
                TestStep::Expect(_) => {}
            }
        }
        sims.run_until(end_of_day(day));
        if day <= last_day {
            for (sim, snaps) in sims.sims.iter().zip(snapshots.iter_mut()) {
                snaps.push(sim.snapshot());
            }
        }
    }

    let several = !case.more.is_empty();
    let results: Vec<ExpectationResult> = case
        .timeline
        .iter()
        .filter_map(|item| match &item.what {
            TestStep::Expect(e) => {
                let who = usize::from(item.account);
                let (sim, snaps) = (sims.sims.get(who)?, snapshots.get(who)?);
                let mut r = check(sim, snaps, item, e);
                if several {
                    r.message = format!("account {}: {}", sim.account.id, r.message);
                }
                Some(r)
            }
            _ => None,
        })
        .collect();
    report(case, sims, results)
}

fn report(case: &TestCase, sims: Sims, results: Vec<ExpectationResult>) -> TestReport {
    let several = sims.sims.len() > 1;
    let mut problems = Vec::new();
    let mut trace = Vec::new();
    let mut states = BTreeSet::new();
    let mut transitions = BTreeSet::new();
    for sim in sims.sims {
        let id = sim.account.id;
        problems.extend(sim.problems);
        // With several accounts each line says whose it is; lines of one
        // moment keep the accounts' order.
        trace.extend(sim.trace.into_iter().map(|mut t| {
            if several {
                t.text = format!("{id}: {}", t.text);
            }
            t
        }));
        states.extend(sim.states);
        transitions.extend(sim.transitions);
    }
    if several {
        trace.sort_by_key(|t| t.at);
    }
    let passed = problems.is_empty() && results.iter().all(|r| r.passed);
    TestReport {
        title: case.title.clone(),
        span: case.span,
        passed,
        results,
        problems,
        trace,
        states,
        transitions,
    }
}

fn check(sim: &Sim, snapshots: &[Snapshot], item: &TimelineItem, e: &Expect) -> ExpectationResult {
    let day = item.day;
    let result = |passed: bool, message: String| ExpectationResult {
        span: item.span,
        day,
        passed,
        message,
    };
    let snap = snapshots.get(day as usize);
    let stage_words = |s: &Snapshot| match s.status {
        Status::Ended => format!("the account had ended with `{}`", s.outcome),
        Status::NotStarted => "the account had not entered the flow".to_string(),
        Status::Halted => format!(
            "the account was halted in stage `{}` (see the trace)",
            s.stage
        ),
        Status::Active => format!("the account was in stage `{}`", s.stage),
    };
    if let Some(matches) = action_matcher(sim.m, e) {
        let wanted = describe_expect(sim.m, e);
        let today = sim.done.iter().find(|d| d.day == day && matches(&d.kind));
        if today.is_some() {
            return result(true, format!("{wanted} on day {day}"));
        }
        let mut why = match sim.done.iter().find(|d| matches(&d.kind)) {
            Some(other) => {
                let verb = match e {
                    Expect::Sent { .. } | Expect::SentIn { .. } => "it was sent",
                    Expect::Call { .. } => "the call was made",
                    _ => "it happened",
                };
                let mut s = format!("{verb} on day {} at {}", other.day, sim.hhmm(other.at));
                if let Some(reason) = hold_reason(sim, &other.kind, other.at) {
                    s.push_str(&format!(" because of {reason}"));
                }
                s
            }
            None => match never_reason(sim, e) {
                Some(r) => format!("it never happened: {r}"),
                None => "it never happened".to_string(),
            },
        };
        let that_day: Vec<String> = sim
            .done
            .iter()
            .filter(|d| d.day == day && !matches!(d.kind, ActionKind::Stage { .. }))
            .map(|d| format!("{} at {}", d.kind.describe(sim.m), sim.hhmm(d.at)))
            .collect();
        if that_day.is_empty() {
            why.push_str(&format!("; nothing was done on day {day}"));
        } else {
            why.push_str(&format!("; on day {day}: {}", that_day.join(", ")));
        }
        if matches!(e, Expect::ChargedFee { .. }) {
            let kept = sim
                .trace
                .iter()
                .find(|t| t.day == day && t.kind == TraceKind::Audit(AuditKind::FeeSuppressed));
            if let Some(t) = kept {
                why.push_str(&format!("; at {}, {}", t.time, t.text));
            }
        }
        if let Some(s) = snap {
            why.push_str(&format!("; at the end of the day {}", stage_words(s)));
        }
        return result(false, format!("expected {wanted} on day {day}; {why}"));
    }
    match e {
        Expect::No(set) => {
            let broke: Vec<String> = sim
                .done
                .iter()
                .filter(|d| d.day == day && d.kind.channel().is_some_and(|c| set.contains(c)))
                .map(|d| format!("{} at {}", d.kind.describe(sim.m), sim.hhmm(d.at)))
                .collect();
            if broke.is_empty() {
                result(true, format!("no {} on day {day}", set.describe()))
            } else {
                result(
                    false,
                    format!(
                        "expected no {} on day {day}; {}",
                        set.describe(),
                        broke.join(", ")
                    ),
                )
            }
        }
        Expect::Stage(name) => match snap {
            Some(s) if s.status == Status::Active && &s.stage == name => {
                result(true, format!("stage `{name}` at the end of day {day}"))
            }
            Some(s) => result(
                false,
                format!(
                    "expected stage `{name}` at the end of day {day}; {}",
                    stage_words(s)
                ),
            ),
            None => result(false, format!("day {day} was not simulated")),
        },
        Expect::End(outcome) => match snap {
            Some(s) if s.status == Status::Ended && &s.outcome == outcome => {
                result(true, format!("end `{outcome}` by the end of day {day}"))
            }
            Some(s) => {
                let mut msg = format!(
                    "expected end `{outcome}` by the end of day {day}; {}",
                    stage_words(s)
                );
                if let Some(d) = sim
                    .done
                    .iter()
                    .find(|d| matches!(&d.kind, ActionKind::End { outcome: o } if sim.m.str(*o) == outcome))
                {
                    msg.push_str(&format!(
                        "; it ended `{outcome}` on day {} at {}",
                        d.day,
                        sim.hhmm(d.at)
                    ));
                }
                result(false, msg)
            }
            None => result(false, format!("day {day} was not simulated")),
        },
        Expect::Var { var, value } => {
            let name = sim
                .m
                .vars
                .get(*var as usize)
                .map(|v| sim.m.str(v.name))
                .unwrap_or("?");
            let actual = snap.and_then(|s| s.vars.get(*var as usize));
            match actual {
                Some(a) if a == value => {
                    result(true, format!("{name} == {value} at the end of day {day}"))
                }
                Some(a) => result(
                    false,
                    format!("expected {name} == {value} at the end of day {day}; it was {a}"),
                ),
                None => result(
                    false,
                    format!("expected {name} == {value} at the end of day {day}; it had no value"),
                ),
            }
        }
        Expect::NoFee => {
            let charged: Vec<String> = sim
                .done
                .iter()
                .filter(|d| d.day == day && matches!(d.kind, ActionKind::ChargeFee { .. }))
                .map(|d| format!("{} at {}", d.kind.describe(sim.m), sim.hhmm(d.at)))
                .collect();
            if charged.is_empty() {
                result(true, format!("no fees on day {day}"))
            } else {
                result(
                    false,
                    format!("expected no fees on day {day}; {}", charged.join(", ")),
                )
            }
        }
        Expect::InterestFrozen(frozen) => {
            let words = |f: bool| if f { "frozen" } else { "not frozen" };
            match snap {
                Some(s) if s.interest_frozen == *frozen => result(
                    true,
                    format!("interest {} at the end of day {day}", words(*frozen)),
                ),
                Some(s) => {
                    let mut msg = format!(
                        "expected interest {} at the end of day {day}; it was {}",
                        words(*frozen),
                        words(s.interest_frozen)
                    );
                    let last = sim
                        .done
                        .iter()
                        .rfind(|d| d.day <= day && matches!(d.kind, ActionKind::Interest { .. }));
                    if let Some(d) = last {
                        msg.push_str(&format!(
                            " ({} on day {} at {})",
                            d.kind.describe(sim.m),
                            d.day,
                            sim.hhmm(d.at)
                        ));
                    }
                    result(false, msg)
                }
                None => result(false, format!("day {day} was not simulated")),
            }
        }
        // The count of missed installments grew that day (from the day
        // before, or from none on the first day).
        Expect::InstallmentMissed { var } => {
            let count = |s: Option<&Snapshot>| match s.and_then(|s| s.vars.get(*var as usize)) {
                Some(Value::Number(n)) => *n,
                _ => Decimal::ZERO,
            };
            let before = day
                .checked_sub(1)
                .map_or(Decimal::ZERO, |d| count(snapshots.get(d as usize)));
            if snap.is_none() {
                return result(false, format!("day {day} was not simulated"));
            }
            if count(snap) > before {
                return result(true, format!("an installment missed on day {day}"));
            }
            let days: Vec<String> = (0..snapshots.len())
                .filter(|&d| {
                    let prev = d
                        .checked_sub(1)
                        .map_or(Decimal::ZERO, |p| count(snapshots.get(p)));
                    count(snapshots.get(d)) > prev
                })
                .map(|d| d.to_string())
                .collect();
            let why = if days.is_empty() {
                let last = snapshots.len().saturating_sub(1);
                format!("no installment was missed up to day {last}")
            } else {
                format!("installments were missed on day {}", days.join(", "))
            };
            result(
                false,
                format!("expected an installment missed on day {day}; {why}"),
            )
        }
        _ => result(false, "unsupported expectation".into()),
    }
}

type Matcher<'e> = Box<dyn Fn(&ActionKind) -> bool + 'e>;

/// Expectations about something done during the day.
fn action_matcher<'e>(m: &'e Machine, e: &'e Expect) -> Option<Matcher<'e>> {
    Some(match e {
        Expect::Sent { channel, template } => Box::new(
            move |k| matches!(k, ActionKind::Send { channel: c, template: t, .. } | ActionKind::Message { channel: c, template: t, .. } if c == channel && m.str(*t) == template),
        ),
        Expect::SentIn {
            channel,
            template,
            language,
        } => Box::new(move |k| {
            matches!(k, ActionKind::Message { channel: c, template: t, language: Some(l), .. }
                if c == channel && m.str(*t) == template && m.str(*l) == language)
        }),
        Expect::Call { queue } => Box::new(move |k| match k {
            ActionKind::Call { queue: q, .. } => {
                queue.is_none() || q.map(|q| m.str(q)) == queue.as_deref()
            }
            _ => false,
        }),
        Expect::AssignedQueue(name) => Box::new(
            move |k| matches!(k, ActionKind::AssignQueue { queue, .. } if m.str(*queue) == name),
        ),
        Expect::AssignedAgency(name) => Box::new(
            move |k| matches!(k, ActionKind::AssignAgency { agency } if m.str(*agency) == name),
        ),
        Expect::RecalledAgency(name) => Box::new(
            move |k| matches!(k, ActionKind::RecallAgency { agency } if m.str(*agency) == name),
        ),
        // A discount if paid in full is a discount too.
        Expect::OfferDiscount(p) => Box::new(move |k| match k {
            ActionKind::OfferDiscount { percent, .. } => percent == p,
            ActionKind::OfferSettlement {
                percent: Some(percent),
                ..
            } => percent == p,
            _ => false,
        }),
        Expect::Alert(team) => {
            Box::new(move |k| matches!(k, ActionKind::Alert { team: t, .. } if m.str(*t) == team))
        }
        Expect::Emitted(action) => Box::new(
            move |k| matches!(k, ActionKind::Emit { action: a, .. } if ActionKind::action_name(m, *a) == action),
        ),
        Expect::OfferPlan {
            installments: want_n,
            every: want_every,
            up_to: want_range,
        } => Box::new(move |k| match k {
            ActionKind::OfferPlan {
                installments,
                every,
                up_to,
            } => {
                want_n.is_none_or(|n| n == *installments && *want_range == *up_to)
                    && want_every.is_none_or(|d| d == *every)
            }
            _ => false,
        }),
        Expect::ChargedFee {
            amount: want_amount,
            reason: want_reason,
        } => Box::new(move |k| match k {
            ActionKind::ChargeFee { amount, reason } => {
                want_amount.is_none_or(|a| a == *amount)
                    && want_reason
                        .as_deref()
                        .is_none_or(|r| reason.is_some_and(|s| m.str(s) == r))
            }
            _ => false,
        }),
        Expect::OfferSettlement {
            amount: want_amount,
            until: want_until,
        } => Box::new(move |k| match k {
            ActionKind::OfferSettlement { amount, until, .. } => {
                want_amount.is_none_or(|a| a == *amount) && want_until.is_none_or(|d| d == *until)
            }
            _ => false,
        }),
        _ => return None,
    })
}

fn describe_expect(_m: &Machine, e: &Expect) -> String {
    match e {
        Expect::Sent { channel, template } => format!("{} `{template}`", channel.name()),
        Expect::SentIn {
            channel,
            template,
            language,
        } => format!("{} `{template}` in `{language}`", channel.name()),
        Expect::Call { queue: Some(q) } => format!("a call for queue `{q}`"),
        Expect::Call { queue: None } => "a call".into(),
        Expect::AssignedQueue(q) => format!("assignment to queue `{q}`"),
        Expect::AssignedAgency(a) => format!("assignment to agency \"{a}\""),
        Expect::RecalledAgency(a) => format!("recall from agency \"{a}\""),
        Expect::OfferDiscount(p) => format!("an offer of {p}% discount"),
        Expect::Alert(t) => format!("an alert to `{t}`"),
        Expect::Emitted(a) => format!("emitted `{a}`"),
        Expect::No(s) => format!("no {}", s.describe()),
        Expect::Stage(s) => format!("stage `{s}`"),
        Expect::End(o) => format!("end `{o}`"),
        Expect::Var { .. } => "a variable's value".into(),
        Expect::InstallmentMissed { .. } => "an installment missed".into(),
        Expect::OfferPlan {
            installments,
            every,
            up_to,
        } => match (installments, every) {
            (Some(n), Some(d)) if *up_to => {
                format!("an offer of a plan of up to {n} installments every {d}")
            }
            (Some(n), None) if *up_to => format!("an offer of a plan of up to {n} installments"),
            (Some(n), Some(d)) => format!("an offer of a plan of {n} installments every {d}"),
            (Some(n), None) => format!("an offer of a plan of {n} installments"),
            _ => "an offer of a plan".into(),
        },
        Expect::ChargedFee { amount, reason } => {
            let mut s = "a fee".to_string();
            if let Some(a) = amount {
                s.push_str(&format!(" of {} {}", a.normalize(), _m.currency));
            }
            if let Some(r) = reason {
                s.push_str(&format!(" \"{r}\""));
            }
            s
        }
        Expect::NoFee => "no fees".into(),
        Expect::InterestFrozen(true) => "interest frozen".into(),
        Expect::InterestFrozen(false) => "interest not frozen".into(),
        Expect::OfferSettlement { amount, until } => {
            let mut s = "an offer of a settlement".to_string();
            if let Some(a) = amount {
                s.push_str(&format!(" of {} {}", a.normalize(), _m.currency));
            }
            if let Some(d) = until {
                s.push_str(&format!(" until {d}"));
            }
            s
        }
    }
}

/// The policy rule that held or queued this contact, from the audit trail.
fn hold_reason(sim: &Sim, kind: &ActionKind, went: DateTime<Utc>) -> Option<String> {
    let tag = contact_tag(sim.m, kind)?;
    sim.trace
        .iter()
        .rfind(|t| {
            t.at <= went
                && matches!(
                    t.kind,
                    TraceKind::Audit(AuditKind::Held | AuditKind::Queued)
                )
                && t.text.ends_with(&tag)
        })
        .and_then(|t| {
            let rest = t.text.split_once(": ")?.1;
            Some(rest.split(", goes").next().unwrap_or(rest).to_string())
        })
}

/// Why an expected contact never went: skipped or suppressed.
fn never_reason(sim: &Sim, e: &Expect) -> Option<String> {
    let tag = match e {
        Expect::Sent { channel, template }
        | Expect::SentIn {
            channel, template, ..
        } => {
            format!("{} {template}", channel.name())
        }
        Expect::Call { .. } => "call".into(),
        Expect::ChargedFee { .. } => {
            return sim
                .trace
                .iter()
                .find(|t| t.kind == TraceKind::Audit(AuditKind::FeeSuppressed))
                .map(|t| format!("on day {} at {}, {}", t.day, t.time, t.text));
        }
        _ => return None,
    };
    sim.trace
        .iter()
        .find(|t| {
            matches!(
                t.kind,
                TraceKind::Audit(AuditKind::Skipped | AuditKind::Suppressed)
            ) && t.text.contains(&tag)
        })
        .map(|t| format!("on day {} at {}, {}", t.day, t.time, t.text))
}

fn contact_tag(m: &Machine, kind: &ActionKind) -> Option<String> {
    match kind {
        ActionKind::Send {
            channel, template, ..
        }
        | ActionKind::Message {
            channel, template, ..
        } => Some(format!("({} {})", channel.name(), m.str(*template))),
        ActionKind::Call { .. } => Some(format!("({})", kind.describe(m))),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
