//! Portfolio simulation: every account of a portfolio (read or synthetic)
//! stepped through a flow day after day, debtors answering contacts as a
//! seeded behaviour model says, with the KPIs a collections team compares
//! strategies by. Accounts are independent, so they are simulated on every
//! core; sums are integers, so the result does not depend on the order.

pub mod behaviour;
pub mod goals;
mod kpis;
mod persons;
mod plans;
pub mod rng;
pub mod stats;
pub mod synthetic;

pub use behaviour::{bind, Behaviour, Bound};
pub use kpis::{FlowPromises, Kpis, Report, StageKpis, POLICY_REASONS};

use crate::engine::{
    person_of, step_into, step_person_into, Account, ActionKind, AuditKind, Input, Instance,
    Outcome, Person, Status,
};
use crate::format::{Channel, Machine, Op, Type};
use crate::value::Value;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kpis::Acc;

use rng::Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Config {
    pub days: u32,
    pub seed: u64,
    pub start: DateTime<Utc>,
    pub threads: usize,
}

pub enum Portfolio<'a> {
    Synthetic(u64),
    Accounts(&'a [Account]),
}

impl Portfolio<'_> {
    pub fn len(&self) -> u64 {
        match self {
            Portfolio::Synthetic(n) => *n,
            Portfolio::Accounts(a) => a.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the simulation needs of a flow, computed once.
struct Ctx<'a> {
    m: Machine,
    model: &'a Behaviour,
    bound: Bound,
    cfg: &'a Config,
    /// Split arms as (stage with the split, stage chosen); index + 1 is the
    /// arm number (0: no split).
    arms: Vec<(u16, u16)>,
    /// Per channel: cost in 1/10 000 of the currency unit.
    cost: [i64; 7],
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Resp {
    CallAnswered(bool),
    PayFull,
    PayPart(f64),
    Promise,
    /// A promise kept: the promised amount paid.
    PayPromised(Decimal),
    /// A plan offered (`up_to`: the debtor picks the count) and accepted.
    AcceptPlan {
        installments: u32,
        every: crate::format::DurationSpec,
        up_to: bool,
    },
    /// An installment of an accepted plan paid.
    PayInstallment(Decimal),
    /// A payment toward a settlement offer the debtor took up.
    PaySettlement(Decimal),
    Dispute,
    Stop,
}

/// Runs a simulation. `progress(done)` is called now and then from the
/// calling thread. A worker that panicked fails the whole simulation with
/// its message: a report missing its accounts would read as a true one.
pub fn simulate(
    m: &Machine,
    model: &Behaviour,
    portfolio: &Portfolio,
    cfg: &Config,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, String> {
    let ctx = context(m, model, cfg);
    let total = portfolio.len();
    let threads = cfg.threads.max(1).min(total.max(1) as usize);
    let done = AtomicU64::new(0);
    let order = persons::Order::of(&ctx, portfolio);
    let workers: Vec<Worker> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let ctx = &ctx;
                let done = &done;
                let order = &order;
                s.spawn(move || {
                    let mut worker = Worker::new(ctx);
                    let lo = order.bound(total * w as u64 / threads as u64);
                    let hi = order.bound(total * (w as u64 + 1) / threads as u64);
                    for pos in lo..hi {
                        let i = order.index(pos);
                        let account = match portfolio {
                            Portfolio::Synthetic(_) => synthetic::account_drawn(
                                &ctx.m,
                                cfg.seed,
                                i,
                                cfg.start,
                                ctx.bound.balance,
                                &ctx.bound.draws,
                            ),
                            Portfolio::Accounts(a) => a[i as usize].clone(),
                        };
                        worker.account(ctx, i, account);
                        if pos % 1024 == 0 {
                            done.store(pos - lo, Ordering::Relaxed);
                        }
                    }
                    worker
                })
            })
            .collect();
        loop {
            let finished = handles.iter().all(|h| h.is_finished());
            progress(done.load(Ordering::Relaxed) * threads as u64);
            if finished {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        handles
            .into_iter()
            .map(|h| h.join().map_err(|panic| panic_message(panic.as_ref())))
            .collect::<Result<Vec<Worker>, String>>()
    })?;
    progress(total);
    let mut iter = workers.into_iter();
    let mut all = iter.next().unwrap_or_else(|| Worker::new(&ctx));
    for w in iter {
        all.merge(w);
    }
    let mut report = kpis::report(&ctx.m, m, cfg, &ctx.arms, all.whole, all.arms, all.stages);
    report.samples = all.samples;
    Ok(report)
}

/// Adds the 95% intervals of the whole portfolio and of each arm, and the
/// difference of every arm from the first (with its interval and what it
/// means) to a report: a bootstrap over its accounts (see `stats`).
pub fn analyse(report: &mut Report) {
    let seed = report.seed;
    let all: Vec<&stats::Sample> = report.samples.iter().collect();
    report.intervals = stats::estimates(&all, seed);
    let groups: Vec<Vec<&stats::Sample>> = report
        .arms
        .iter()
        .map(|a| report.samples.iter().filter(|s| s.arm == a.index).collect())
        .collect();
    for (arm, g) in report.arms.iter_mut().zip(&groups) {
        arm.intervals = stats::estimates(g, seed);
    }
    // Every arm of a split against the first; accounts that ended before
    // any split (`no split`) are not an arm anyone chose.
    let split: Vec<usize> = (0..report.arms.len())
        .filter(|i| report.arms[*i].index > 0)
        .collect();
    let mut diffs = vec![];
    if let Some((first, rest)) = split.split_first() {
        for i in rest {
            diffs.extend(stats::independent(
                (&report.arms[*first].name, &groups[*first]),
                (&report.arms[*i].name, &groups[*i]),
                seed,
            ));
        }
    }
    report.arm_differences = diffs;
}

/// What a panic said, as text.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    format!(
        "a simulation worker failed ({what}); this is a bug in dun, please report it with the flow"
    )
}

fn context<'a>(m: &Machine, model: &'a Behaviour, cfg: &'a Config) -> Ctx<'a> {
    // Message texts do not change any KPI; not rendering them keeps the
    // hot loop free of most of its allocations.
    let mut m = m.clone();
    for t in &mut m.templates {
        t.body.clear();
        if let Some(s) = &mut t.subject {
            s.clear();
        }
    }
    let strip = |code: &mut Vec<Op>| {
        for op in code {
            if let Op::Alert { text, .. } = op {
                text.clear();
            }
        }
    };
    for s in &mut m.stages {
        strip(&mut s.code);
        for h in &mut s.handlers {
            strip(&mut h.code);
        }
    }
    for h in &mut m.handlers {
        strip(&mut h.code);
    }
    let mut arms = vec![];
    for (i, s) in m.stages.iter().enumerate() {
        for op in &s.code {
            if let Op::Split(list) = op {
                for a in list {
                    if !arms.contains(&(i as u16, a.stage)) {
                        arms.push((i as u16, a.stage));
                    }
                }
            }
        }
    }
    let mut cost = [0i64; 7];
    for c in Channel::ALL {
        cost[c.index()] = (model.cost(c) * 10_000.0).round() as i64;
    }
    let bound = behaviour::bind(&m, model);
    Ctx {
        m,
        model,
        bound,
        cfg,
        arms,
        cost,
    }
}

fn cents(d: Decimal) -> i64 {
    (d * Decimal::from(100)).round().to_i64().unwrap_or(0)
}

struct Worker {
    whole: Acc,
    arms: Vec<Acc>,
    stages: Vec<Acc>,
    pending: Vec<(i64, Resp)>,
    entered: Vec<bool>,
    paid: Vec<(u32, i64)>,
    /// The engine's buffers and zone memo, reused for every step.
    scratch: Outcome,
    /// Per account, in the order simulated (for the intervals).
    samples: Vec<stats::Sample>,
    /// The person whose accounts are being simulated and their shared
    /// record (`person account.FIELD`).
    person: Option<(String, Person)>,
}

/// What one account did, before it is known which arm it belongs to.
#[derive(Default)]
struct Life {
    arm: usize,
    acc: kpis::Counts,
    /// The outcome it ended with, and the day.
    outcome: Option<(crate::format::Sym, u16)>,
}

impl Worker {
    fn new(ctx: &Ctx) -> Worker {
        let days = ctx.cfg.days as usize;
        Worker {
            whole: Acc::new(&ctx.m, days),
            arms: (0..=ctx.arms.len())
                .map(|_| Acc::new(&ctx.m, days))
                .collect(),
            stages: (0..ctx.m.stages.len())
                .map(|_| Acc::new(&ctx.m, 0))
                .collect(),
            pending: Vec::with_capacity(16),
            entered: vec![false; ctx.m.stages.len()],
            paid: Vec::with_capacity(8),
            scratch: Outcome::default(),
            samples: vec![],
            person: None,
        }
    }

    fn merge(&mut self, other: Worker) {
        self.whole.merge(other.whole);
        for (a, b) in self.arms.iter_mut().zip(other.arms) {
            a.merge(b);
        }
        for (a, b) in self.stages.iter_mut().zip(other.stages) {
            a.merge(b);
        }
        self.samples.extend(other.samples);
    }

    fn account(&mut self, ctx: &Ctx, index: u64, mut account: Account) {
        let m = &ctx.m;
        let cfg = ctx.cfg;
        let mut rng = Rng::for_account(cfg.seed, index, 0xbe4a);
        let start = cfg.start.timestamp();
        let end = start + i64::from(cfg.days) * 86_400;
        let bal_field = ctx.bound.balance.map(|b| b as usize);
        let mut balance = bal_field
            .and_then(|b| match account.fields.get(b) {
                Some(Value::Money(d)) => Some(*d),
                _ => None,
            })
            .unwrap_or_default();
        let mult = ctx
            .bound
            .segment
            .as_ref()
            .map(|(f, by)| by.multiplier(account.fields.get(*f as usize)))
            .unwrap_or(1.0);
        let mut life = Life::default();
        life.acc.accounts = 1;
        life.acc.balance_entered = cents(balance);
        self.pending.clear();
        self.paid.clear();
        self.entered.iter_mut().for_each(|e| *e = false);
        let p = ctx.model.payments.self_cure_per_day * mult;
        if p > 0.0 && ctx.bound.payment.is_some() {
            let u = rng.unit().max(1e-12);
            let day = if p >= 1.0 {
                0.0
            } else {
                (u.ln() / (1.0 - p).ln()).floor()
            };
            if day < f64::from(cfg.days) {
                self.pending
                    .push((start + day as i64 * 86_400 + 3 * 3600, Resp::PayFull));
            }
        }
        let mut inst = Instance::new();
        let mut out = std::mem::take(&mut self.scratch);
        // The accounts of one person come one after another (see
        // `persons`): the worker keeps the record of the person under way.
        let key = person_of(m, &account);
        if key.is_some() && self.person.as_ref().map(|(k, _)| k) != key.as_ref() {
            self.person = key.clone().map(|k| (k, Person::default()));
        }
        let mut person = match &key {
            Some(_) => self.person.take(),
            None => None,
        };
        let mut advance =
            |inst: &mut Instance, account: &Account, input, now, out: &mut Outcome| {
                match &mut person {
                    Some((_, p)) => step_person_into(m, inst, account, p, input, now, out),
                    None => step_into(m, inst, account, input, now, out),
                }
            };
        advance(&mut inst, &account, Input::Enrol, cfg.start, &mut out);
        self.outcome(ctx, &inst, &out, &mut life, &mut rng, mult);
        let mut guard = 0u32;
        while inst.status == Status::Active && guard < 100_000 {
            guard += 1;
            let timer = inst.next_due().map(|t| t.timestamp()).filter(|t| *t <= end);
            let resp = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| *t <= end)
                .min_by_key(|(_, (t, _))| *t)
                .map(|(i, (t, _))| (i, *t));
            let paid_before = self.paid.len();
            let promises_before = life.acc.promises;
            let settled_before = life.acc.flow_settlements_paid;
            let (input, at) = match (timer, resp) {
                (None, None) => break,
                (Some(t), Some((i, r))) if r <= t => {
                    self.response(ctx, i, &mut account, &mut balance, &mut life, &mut rng)
                }
                (_, Some((i, _))) if timer.is_none() => {
                    self.response(ctx, i, &mut account, &mut balance, &mut life, &mut rng)
                }
                (Some(t), _) => (Some(Input::Timer), t),
                (None, Some(_)) => break,
            };
            // Payments and promises count in the stage the account is in.
            if let Some(s) = m.states.get(inst.state as usize).map(|s| s.stage as usize) {
                let st = &mut self.stages[s];
                for (_, c) in &self.paid[paid_before..] {
                    st.recovered += c;
                }
                st.promises += life.acc.promises - promises_before;
            }
            let Some(input) = input else { continue };
            let now = DateTime::from_timestamp(at, 0).unwrap_or(cfg.start);
            advance(&mut inst, &account, input, now, &mut out);
            self.outcome(ctx, &inst, &out, &mut life, &mut rng, mult);
            // A paid settlement closes the account: what is left of the
            // balance is forgiven.
            if life.acc.flow_settlements_paid > settled_before && balance > Decimal::ZERO {
                life.acc.forgiven += cents(balance);
                balance = Decimal::ZERO;
                if let Some(f) = ctx.bound.balance {
                    if let Some(slot) = account.fields.get_mut(f as usize) {
                        *slot = Value::Money(balance);
                    }
                }
            }
        }
        self.scratch = out;
        if person.is_some() {
            self.person = person;
        }
        self.samples.push(stats::Sample {
            arm: life.arm as u16,
            balance: life.acc.balance_entered,
            recovered: life.acc.recovered,
            liquidated: life.acc.liquidated > 0,
            cost: life.acc.cost,
            promises_kept: life.acc.promises_kept as u32,
        });
        self.whole.add(&life.acc, life.outcome, &self.paid);
        if let Some(a) = self.arms.get_mut(life.arm) {
            a.add(&life.acc, life.outcome, &self.paid);
        }
    }

    /// Takes a pending response and turns it into the event it carries.
    fn response(
        &mut self,
        ctx: &Ctx,
        i: usize,
        account: &mut Account,
        balance: &mut Decimal,
        life: &mut Life,
        rng: &mut Rng,
    ) -> (Option<Input>, i64) {
        let (at, resp) = self.pending.swap_remove(i);
        let m = &ctx.m;
        let b = &ctx.bound;
        let day = ((at - ctx.cfg.start.timestamp()) / 86_400) as u32;
        let date = DateTime::from_timestamp(at, 0)
            .unwrap_or(ctx.cfg.start)
            .date_naive();
        let pay = |amount: Decimal,
                   account: &mut Account,
                   balance: &mut Decimal,
                   this: &mut Worker,
                   life: &mut Life| {
            let event = b.payment?;
            let amount = amount.min(*balance).round_dp(2);
            if amount <= Decimal::ZERO {
                return None;
            }
            *balance -= amount;
            if let Some(f) = b.balance {
                if let Some(slot) = account.fields.get_mut(f as usize) {
                    *slot = Value::Money(*balance);
                }
            }
            let c = cents(amount);
            life.acc.recovered += c;
            if life.acc.paying == 0 {
                life.acc.paying = 1;
            }
            if *balance <= Decimal::ZERO {
                life.acc.liquidated = 1;
            }
            this.paid.push((day, c));
            Some(Input::Event {
                event,
                payload: payload(m, event, Some(amount), None, None),
            })
        };
        let input = match resp {
            Resp::CallAnswered(yes) => b.call_outcome.map(|e| {
                let v = b
                    .answered
                    .as_ref()
                    .map(|(y, n)| if yes { y.as_str() } else { n.as_str() });
                Input::Event {
                    event: e,
                    payload: payload(m, e, None, None, v),
                }
            }),
            Resp::PayFull => pay(*balance, account, balance, self, life),
            Resp::PayPart(share) => {
                let amount =
                    (*balance * Decimal::from_f64_retain(share).unwrap_or_default()).round_dp(2);
                pay(amount, account, balance, self, life)
            }
            Resp::PayPromised(amount) => {
                let r = pay(amount, account, balance, self, life);
                if r.is_some() {
                    life.acc.promises_kept += 1;
                }
                r
            }
            Resp::Promise => b.promise.map(|e| {
                let [lo, hi] = ctx.model.promises.due_days;
                let due = date + Duration::days(rng.range(lo.max(0), hi.max(lo)));
                let amount = balance.round_dp(2);
                life.acc.promises += 1;
                if rng.chance(ctx.model.promises.keep) {
                    let when = due
                        .and_hms_opt(15, 0, 0)
                        .map(|t| t.and_utc().timestamp())
                        .unwrap_or(at);
                    self.pending.push((when, Resp::PayPromised(amount)));
                }
                Input::Event {
                    event: e,
                    payload: payload(m, e, Some(amount), Some(due), None),
                }
            }),
            Resp::AcceptPlan {
                installments,
                every,
                up_to,
            } => b.plan.map(|e| {
                let n = if up_to {
                    rng.range(2, i64::from(installments.max(2))) as u32
                } else {
                    installments.max(1)
                };
                let total = balance.round_dp(2);
                let first = plans::shift(date, every, 1);
                for (due, amount) in plans::schedule(total, n, date, every) {
                    if rng.chance(ctx.model.plans.pay) {
                        let when = due
                            .and_hms_opt(15, 0, 0)
                            .map(|t| t.and_utc().timestamp())
                            .unwrap_or(at);
                        self.pending.push((when, Resp::PayInstallment(amount)));
                    }
                }
                Input::Event {
                    event: e,
                    payload: plans::payload(m, e, total, n, first),
                }
            }),
            Resp::PayInstallment(amount) => pay(amount, account, balance, self, life),
            Resp::PaySettlement(amount) => pay(amount, account, balance, self, life),
            Resp::Dispute => b.dispute.map(|e| Input::Event {
                event: e,
                payload: payload(m, e, Some(balance.round_dp(2)), Some(date), None),
            }),
            Resp::Stop => b.stop.map(|e| Input::Event {
                event: e,
                payload: payload(m, e, None, Some(date), None),
            }),
        };
        (input, at)
    }

    fn outcome(
        &mut self,
        ctx: &Ctx,
        inst: &Instance,
        out: &Outcome,
        life: &mut Life,
        rng: &mut Rng,
        mult: f64,
    ) {
        let m = &ctx.m;
        let start = ctx.cfg.start.timestamp();
        let split = out.audit.iter().any(|a| a.kind == AuditKind::Split);
        for a in &out.audit {
            if let crate::engine::Detail::Promise { kept, .. } = a.detail {
                if kept {
                    life.acc.flow_promises_kept += 1;
                } else {
                    life.acc.flow_promises_broken += 1;
                }
            }
            if let crate::engine::Detail::Settlement { paid, .. } = a.detail {
                if paid {
                    life.acc.flow_settlements_paid += 1;
                } else {
                    life.acc.flow_settlements_lapsed += 1;
                }
            }
            if let crate::engine::Detail::Plan { mark, .. } = a.detail {
                match mark {
                    crate::engine::PlanMark::Completed => life.acc.flow_plans_completed += 1,
                    crate::engine::PlanMark::Broken => life.acc.flow_plans_broken += 1,
                    _ => {}
                }
            }
            if let crate::engine::Detail::NotCharged {
                what: crate::engine::Charge::Fee(_),
                ..
            } = a.detail
            {
                life.acc.fees_suppressed += 1;
            }
        }
        let stage_of = |state: u32| m.states.get(state as usize).map(|s| s.stage as usize);
        for a in &out.actions {
            let stage = stage_of(a.state);
            match &a.kind {
                ActionKind::Stage { from, to } => {
                    let to_i = *to;
                    if to_i as usize >= self.entered.len() {
                        continue;
                    }
                    if !self.entered[to_i as usize] {
                        self.entered[to_i as usize] = true;
                        self.stages[to_i as usize].accounts += 1;
                    }
                    if split && life.arm == 0 {
                        if let Some(from_i) = *from {
                            if let Some(k) = ctx.arms.iter().position(|x| *x == (from_i, to_i)) {
                                life.arm = k + 1;
                            }
                        }
                    }
                }
                // A plan offer, accepted the next day as the model says.
                ActionKind::OfferPlan {
                    installments,
                    every,
                    up_to,
                } => {
                    if ctx.bound.plan.is_some() && rng.chance(ctx.model.plans.accept * mult) {
                        let when = a.at.timestamp() + 86_400 + 3600 + rng.range(0, 3600);
                        let resp = Resp::AcceptPlan {
                            installments: *installments,
                            every: *every,
                            up_to: *up_to,
                        };
                        self.pending.push((when, resp));
                    }
                }
                // A settlement offer, taken up as the model says: paid in
                // full on a day before its last, or half paid.
                ActionKind::OfferSettlement { amount, until, .. } => {
                    life.acc.settlements_offered += 1;
                    if ctx.bound.payment.is_some()
                        && rng.chance(ctx.model.settlements.accept * mult)
                    {
                        life.acc.settlements_accepted += 1;
                        let offered = a.at.date_naive();
                        let days = (*until - offered).num_days().max(0);
                        let day = offered + chrono::Duration::days(rng.range(0, days));
                        let when = day
                            .and_hms_opt(15, 0, 0)
                            .map(|t| t.and_utc().timestamp())
                            .unwrap_or(a.at.timestamp())
                            .max(a.at.timestamp() + 3600);
                        let amount = if rng.chance(ctx.model.settlements.pay) {
                            *amount
                        } else {
                            (*amount / Decimal::TWO).round_dp(2)
                        };
                        self.pending.push((when, Resp::PaySettlement(amount)));
                    }
                }
                ActionKind::ChargeFee { amount, .. } => {
                    life.acc.fees_charged += 1;
                    life.acc.fee_cents += i64::from(crate::format::cents(*amount));
                }
                ActionKind::Interest { frozen: true } => life.acc.interest_frozen = 1,
                ActionKind::End { .. } => {
                    let day = ((a.at.timestamp() - start) / 86_400).max(0) as u16;
                    life.outcome = Some((inst.outcome, day));
                    if let Some(s) = stage {
                        self.stages[s].end_outcome(inst.outcome, day);
                    }
                }
                kind => {
                    let Some(channel) = kind.channel() else {
                        continue;
                    };
                    let c = channel.index();
                    life.acc.contacts[c] += 1;
                    life.acc.cost += ctx.cost[c];
                    if let Some(s) = stage {
                        self.stages[s].contacts[c] += 1;
                        self.stages[s].cost += ctx.cost[c];
                    }
                    let at = a.at.timestamp();
                    let Some(r) = ctx.model.channel(channel) else {
                        continue;
                    };
                    let reached = rng.chance(r.reach);
                    let is_call = matches!(channel, Channel::Call | Channel::Voice);
                    if is_call {
                        if reached {
                            life.acc.right_party += 1;
                        }
                        if channel == Channel::Call && ctx.bound.call_outcome.is_some() {
                            self.pending.push((at + 300, Resp::CallAnswered(reached)));
                        }
                    }
                    if !reached {
                        continue;
                    }
                    let u = rng.unit();
                    let pay_full = r.pay_full * mult;
                    let pay_part = r.pay_part * mult;
                    let promise = r.promise * mult;
                    let choices = [
                        (pay_full, Resp::PayFull),
                        (pay_part, Resp::PayPart(0.0)),
                        (promise, Resp::Promise),
                        (r.dispute, Resp::Dispute),
                        (r.stop, Resp::Stop),
                    ];
                    let mut acc = 0.0;
                    let mut chosen = None;
                    for (p, resp) in choices {
                        acc += p;
                        if u < acc {
                            chosen = Some(resp);
                            break;
                        }
                    }
                    let Some(mut resp) = chosen else { continue };
                    if let Resp::PayPart(_) = resp {
                        let [lo, hi] = ctx.model.payments.part_share;
                        resp = Resp::PayPart(lo + (hi - lo).max(0.0) * rng.unit());
                    }
                    let delay = rng.weighted(&ctx.model.response_days) as i64;
                    // During the day after the contact, an hour or two later.
                    let when = at + delay * 86_400 + 3600 + rng.range(0, 3600);
                    self.pending.push((when, resp));
                }
            }
        }
        for e in &out.audit {
            if let Some(r) = kpis::policy_reason(e) {
                life.acc.policy[r] += 1;
                if let Some(s) = stage_of(e.state) {
                    self.stages[s].policy[r] += 1;
                }
            }
        }
    }
}

/// A payload for a simulated event: money fields get the amount, date
/// fields the date, an enumeration the named variant (else its first),
/// text a placeholder.
fn payload(
    m: &Machine,
    event: u16,
    amount: Option<Decimal>,
    date: Option<NaiveDate>,
    variant: Option<&str>,
) -> Vec<Value> {
    let Some(def) = m.events.get(event as usize) else {
        return vec![];
    };
    def.fields
        .iter()
        .map(|f| match &f.ty {
            Type::Money => Value::Money(amount.unwrap_or_default()),
            Type::Date => date.map(Value::Date).unwrap_or(Value::Unset),
            Type::Enum(vs) => {
                let pick = variant
                    .and_then(|v| vs.iter().find(|s| m.str(**s) == v))
                    .or(vs.first());
                pick.map(|s| Value::Variant(m.str(*s).to_string()))
                    .unwrap_or(Value::Unset)
            }
            Type::Text => Value::Text("simulated".into()),
            Type::Number => Value::Number(Decimal::ONE),
            Type::Bool => Value::Bool(false),
            Type::Percent => Value::Percent(Decimal::ZERO),
            _ if f.optional => Value::Unset,
            Type::DateTime => Value::DateTime(
                date.and_then(|d| d.and_hms_opt(12, 0, 0))
                    .map(|t| t.and_utc())
                    .unwrap_or_default(),
            ),
            _ => Value::Unset,
        })
        .collect()
}
