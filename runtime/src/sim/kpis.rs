//! The KPIs of a simulation, accumulated as integers (cents, contacts) so
//! that merging the work of several threads gives the same figures in any
//! order, and the report built from them.

use super::stats::{Difference, Estimate, Sample};
use super::Config;
use crate::engine::{AuditEntry, AuditKind, Reason};
use crate::format::{Channel, Machine, Op, Sym};
use crate::time::Closed;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why the policy changed a contact, as the KPIs count it.
pub const POLICY_REASONS: [&str; 7] = [
    "held: contact hours",
    "held: closed day",
    "held: holiday",
    "held: cap (at_most)",
    "held: pause or hold",
    "suppressed: stop",
    "skipped: no contact data",
];

pub(crate) fn policy_reason(e: &AuditEntry) -> Option<usize> {
    match e.kind {
        AuditKind::Held | AuditKind::Queued => Some(match e.reason() {
            Some(Reason::Closed(Closed::Hours { .. })) => 0,
            Some(Reason::Closed(Closed::Weekday(_) | Closed::NoWindow(_))) => 1,
            Some(Reason::Closed(Closed::Holiday { .. })) => 2,
            Some(Reason::Cap { .. } | Reason::WeekCap { .. } | Reason::PersonCap { .. }) => 3,
            Some(Reason::Paused { .. } | Reason::Hold { .. }) => 4,
            Some(Reason::ClosedIn { closed, .. }) => match closed {
                Closed::Hours { .. } => 0,
                Closed::Weekday(_) | Closed::NoWindow(_) => 1,
                Closed::Holiday { .. } => 2,
            },
            _ => 0,
        }),
        AuditKind::Suppressed => Some(5),
        AuditKind::Skipped => Some(6),
        _ => None,
    }
}

/// The figures that add up the same way for one account and for a group
/// (no heap: one per account while it runs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    pub accounts: u64,
    pub balance_entered: i64,
    pub recovered: i64,
    pub paying: u64,
    pub liquidated: u64,
    pub contacts: [u64; 7],
    /// In 1/10 000 of the currency unit.
    pub cost: i64,
    pub right_party: u64,
    pub promises: u64,
    pub promises_kept: u64,
    /// Promises the flow recorded (`promise ...`) that the engine found
    /// kept or broken by the payments.
    pub flow_promises_kept: u64,
    pub flow_promises_broken: u64,
    /// Payment plans the flow recorded (`plan ...`) that the engine found
    /// completed or broken by the payments.
    pub flow_plans_completed: u64,
    pub flow_plans_broken: u64,
    /// Settlement offers the flow made, those the behaviour model's
    /// debtors took up, and those the engine found paid or lapsed.
    pub settlements_offered: u64,
    pub settlements_accepted: u64,
    pub flow_settlements_paid: u64,
    pub flow_settlements_lapsed: u64,
    /// What paid settlements left of the balance, in cents: the amount
    /// forgiven.
    pub forgiven: i64,
    pub policy: [u64; 7],
    /// Fees charged (`charge fee ...`), their amount in cents, and the fees
    /// the policy's caps or holds kept from being charged.
    pub fees_charged: u64,
    pub fee_cents: i64,
    pub fees_suppressed: u64,
    /// Accounts whose interest the flow froze (`freeze interest`): 0 or 1
    /// for one account.
    pub interest_frozen: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.accounts += o.accounts;
        self.balance_entered += o.balance_entered;
        self.recovered += o.recovered;
        self.paying += o.paying;
        self.liquidated += o.liquidated;
        for i in 0..7 {
            self.contacts[i] += o.contacts[i];
            self.policy[i] += o.policy[i];
        }
        self.cost += o.cost;
        self.right_party += o.right_party;
        self.promises += o.promises;
        self.promises_kept += o.promises_kept;
        self.flow_promises_kept += o.flow_promises_kept;
        self.flow_promises_broken += o.flow_promises_broken;
        self.flow_plans_completed += o.flow_plans_completed;
        self.flow_plans_broken += o.flow_plans_broken;
        self.settlements_offered += o.settlements_offered;
        self.settlements_accepted += o.settlements_accepted;
        self.flow_settlements_paid += o.flow_settlements_paid;
        self.flow_settlements_lapsed += o.flow_settlements_lapsed;
        self.forgiven += o.forgiven;
        self.fees_charged += o.fees_charged;
        self.fee_cents += o.fee_cents;
        self.fees_suppressed += o.fees_suppressed;
        self.interest_frozen += o.interest_frozen;
    }
}

/// The figures of a group of accounts (the whole run, an arm, a stage):
/// its counts (reached through `Deref`, as they are most of what is read
/// and written), and what needs the heap.
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub counts: Counts,
    /// Accounts ended, per outcome symbol.
    pub outcomes: Vec<u64>,
    /// Days to the end of every ended account (for the median).
    pub days: Vec<u16>,
    /// Recovered per day of the run (cents).
    pub recovered_by_day: Vec<i64>,
}

impl std::ops::Deref for Acc {
    type Target = Counts;
    fn deref(&self) -> &Counts {
        &self.counts
    }
}

impl std::ops::DerefMut for Acc {
    fn deref_mut(&mut self) -> &mut Counts {
        &mut self.counts
    }
}

impl Acc {
    pub fn new(m: &Machine, days: usize) -> Acc {
        Acc {
            outcomes: vec![0; m.strings.len()],
            recovered_by_day: vec![0; days],
            ..Acc::default()
        }
    }

    pub fn end_outcome(&mut self, sym: Sym, day: u16) {
        if let Some(slot) = self.outcomes.get_mut(sym as usize) {
            *slot += 1;
        }
        self.days.push(day);
    }

    /// Adds one account: its counts, the outcome it ended with and the day,
    /// and what it paid on which day.
    pub fn add(&mut self, o: &Counts, outcome: Option<(Sym, u16)>, paid: &[(u32, i64)]) {
        self.counts.add(o);
        if let Some((sym, day)) = outcome {
            self.end_outcome(sym, day);
        }
        for (day, c) in paid {
            if let Some(slot) = self.recovered_by_day.get_mut(*day as usize) {
                *slot += c;
            }
        }
    }

    pub fn merge(&mut self, o: Acc) {
        self.counts.add(&o.counts);
        for (a, b) in self.outcomes.iter_mut().zip(&o.outcomes) {
            *a += b;
        }
        self.days.extend(o.days);
        for (a, b) in self.recovered_by_day.iter_mut().zip(&o.recovered_by_day) {
            *a += b;
        }
    }
}

/// The KPIs of a group, for people and for `--format json`. Money is in
/// the flow's currency, rounded to cents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Kpis {
    pub accounts: u64,
    pub balance_entered: f64,
    pub recovered: f64,
    /// Recovered ÷ balance entered.
    pub recovery_rate: f64,
    /// Accounts paid in full ÷ accounts.
    pub liquidation_rate: f64,
    pub paying_accounts: u64,
    pub contacts: BTreeMap<String, u64>,
    pub cost: f64,
    /// Cost ÷ recovered (0 when nothing was recovered).
    pub cost_to_collect: f64,
    pub right_party_contacts: u64,
    pub promises_made: u64,
    pub promises_kept: u64,
    /// For a flow that tracks promises (`payments from`, `promise ...`):
    /// the promises it recorded that the payments kept or that broke, and
    /// kept ÷ (kept + broken). Absent for other flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_promises: Option<FlowPromises>,
    /// For a flow that tracks payment plans: the plans completed and
    /// broken, and completed ÷ (completed + broken). Absent for other
    /// flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_plans: Option<FlowPlans>,
    /// For a flow that offers settlements: the offers made, taken up,
    /// paid and lapsed, paid ÷ (paid + lapsed), and the amount forgiven.
    /// Absent for other flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_settlements: Option<FlowSettlements>,
    pub outcomes: BTreeMap<String, u64>,
    pub median_days_to_resolution: Option<f64>,
    /// Contact decisions of the policy, by reason.
    pub policy: BTreeMap<String, u64>,
    /// Cumulative recovered at the end of each day.
    pub cumulative_recovered: Vec<f64>,
    /// For a flow that charges fees or freezes interest: the fees charged
    /// and suppressed, and the accounts whose interest was frozen. Absent
    /// for other flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<FlowFees>,
}

/// The fees and interest of a flow, as the engine decided them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowFees {
    /// Fees charged (`charge fee ...` that went) and their amount in the
    /// flow's currency.
    pub charged: u64,
    pub amount: f64,
    /// Fees a fee cap or a hold written `and fees` kept from being charged.
    pub suppressed: u64,
    /// Accounts whose interest the flow froze at least once.
    pub interest_frozen_accounts: u64,
}

/// Whether the flow has a `charge fee`, `freeze interest` or `resume
/// interest` step anywhere.
fn charges(m: &Machine) -> bool {
    let stage_ops = m.stages.iter().flat_map(|s| {
        s.code
            .iter()
            .chain(s.handlers.iter().flat_map(|h| h.code.iter()))
    });
    stage_ops
        .chain(m.handlers.iter().flat_map(|h| h.code.iter()))
        .any(|op| matches!(op, Op::ChargeFee { .. } | Op::Interest { .. }))
}

/// The promises a flow tracked, as the engine decided them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowPromises {
    pub kept: u64,
    pub broken: u64,
    /// Kept ÷ (kept + broken); 0 when none was decided.
    pub kept_rate: f64,
}

/// The payment plans a flow tracked, as the engine decided them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowPlans {
    pub completed: u64,
    pub broken: u64,
    /// Completed ÷ (completed + broken); 0 when none was decided.
    pub completed_rate: f64,
}

/// The settlement offers a flow made, and what became of them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowSettlements {
    pub offered: u64,
    /// Offers the simulated debtors took up (the behaviour model's
    /// `[settlements] accept`), paid in full or not.
    pub accepted: u64,
    /// Offers the engine found paid in full by their last day.
    pub paid: u64,
    pub lapsed: u64,
    /// Paid ÷ (paid + lapsed); 0 when none was decided.
    pub paid_rate: f64,
    /// The balance left on the accounts the paid settlements closed.
    pub forgiven: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageKpis {
    pub stage: String,
    pub accounts_entered: u64,
    pub recovered: f64,
    pub contacts: BTreeMap<String, u64>,
    pub cost: f64,
    pub promises_made: u64,
    /// Accounts that ended in this stage, per outcome.
    pub outcomes: BTreeMap<String, u64>,
    pub policy: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arm {
    /// `letters -> agency (80%)`, or `no split`.
    pub name: String,
    /// 0: no split; k: the k-th arm of the flow's splits.
    #[serde(skip)]
    pub index: u16,
    pub kpis: Kpis,
    /// 95% intervals (filled by `sim::analyse`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<Estimate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub flow: String,
    pub version: u32,
    pub currency: String,
    pub days: u32,
    pub seed: u64,
    pub start: String,
    pub whole: Kpis,
    /// 95% intervals of the whole portfolio (filled by `sim::analyse`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<Estimate>,
    pub arms: Vec<Arm>,
    /// Every arm against the first (filled by `sim::analyse`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arm_differences: Vec<Difference>,
    pub stages: Vec<StageKpis>,
    /// Per account, in portfolio order.
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        ((a / b) * 10_000.0).round() / 10_000.0
    }
}

fn channels(c: &[u64; 7]) -> BTreeMap<String, u64> {
    Channel::ALL
        .iter()
        .filter(|ch| c[ch.index()] > 0)
        .map(|ch| (ch.name().to_string(), c[ch.index()]))
        .collect()
}

fn policy(p: &[u64; 7]) -> BTreeMap<String, u64> {
    POLICY_REASONS
        .iter()
        .enumerate()
        .filter(|(i, _)| p[*i] > 0)
        .map(|(i, r)| (r.to_string(), p[i]))
        .collect()
}

fn outcomes(m: &Machine, o: &[u64]) -> BTreeMap<String, u64> {
    o.iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| (m.str(s as Sym).to_string(), *n))
        .collect()
}

fn median(days: &mut [u16]) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    Some(if n % 2 == 1 {
        f64::from(days[n / 2])
    } else {
        (f64::from(days[n / 2 - 1]) + f64::from(days[n / 2])) / 2.0
    })
}

fn kpis(m: &Machine, mut a: Acc) -> Kpis {
    let recovered = money(a.recovered);
    let cost = (a.cost as f64 / 100.0).round() / 100.0;
    let mut running = 0i64;
    let cumulative = a
        .recovered_by_day
        .iter()
        .map(|c| {
            running += c;
            money(running)
        })
        .collect();
    Kpis {
        accounts: a.accounts,
        balance_entered: money(a.balance_entered),
        recovered,
        recovery_rate: ratio(a.recovered as f64, a.balance_entered as f64),
        liquidation_rate: ratio(a.liquidated as f64, a.accounts as f64),
        paying_accounts: a.paying,
        contacts: channels(&a.contacts),
        cost,
        cost_to_collect: ratio(cost, recovered),
        right_party_contacts: a.right_party,
        promises_made: a.promises,
        promises_kept: a.promises_kept,
        flow_promises: m.arrangements.as_ref().map(|_| FlowPromises {
            kept: a.flow_promises_kept,
            broken: a.flow_promises_broken,
            kept_rate: ratio(
                a.flow_promises_kept as f64,
                (a.flow_promises_kept + a.flow_promises_broken) as f64,
            ),
        }),
        flow_plans: m.plans.as_ref().map(|_| FlowPlans {
            completed: a.flow_plans_completed,
            broken: a.flow_plans_broken,
            completed_rate: ratio(
                a.flow_plans_completed as f64,
                (a.flow_plans_completed + a.flow_plans_broken) as f64,
            ),
        }),
        flow_settlements: m.settlements.as_ref().map(|_| FlowSettlements {
            offered: a.settlements_offered,
            accepted: a.settlements_accepted,
            paid: a.flow_settlements_paid,
            lapsed: a.flow_settlements_lapsed,
            paid_rate: ratio(
                a.flow_settlements_paid as f64,
                (a.flow_settlements_paid + a.flow_settlements_lapsed) as f64,
            ),
            forgiven: money(a.forgiven),
        }),
        outcomes: outcomes(m, &a.outcomes),
        median_days_to_resolution: median(&mut a.days),
        policy: policy(&a.policy),
        cumulative_recovered: cumulative,
        fees: charges(m).then(|| FlowFees {
            charged: a.fees_charged,
            amount: money(a.fee_cents),
            suppressed: a.fees_suppressed,
            interest_frozen_accounts: a.interest_frozen,
        }),
    }
}

pub(crate) fn report(
    m: &Machine,
    original: &Machine,
    cfg: &Config,
    arms: &[(u16, u16)],
    whole: Acc,
    arm_accs: Vec<Acc>,
    stages: Vec<Acc>,
) -> Report {
    let mut arm_list = vec![];
    for (i, acc) in arm_accs.into_iter().enumerate() {
        if acc.accounts == 0 && i == 0 {
            continue;
        }
        let name = match i.checked_sub(1).and_then(|k| arms.get(k)) {
            None => "no split".to_string(),
            Some((from, to)) => {
                let share = m.stages[*from as usize]
                    .code
                    .iter()
                    .find_map(|op| match op {
                        crate::format::Op::Split(list) => {
                            list.iter().find(|a| a.stage == *to).map(|a| a.share)
                        }
                        _ => None,
                    })
                    .unwrap_or(0);
                format!(
                    "{} -> {} ({}%)",
                    m.stage_name(*from),
                    m.stage_name(*to),
                    f64::from(share) / 100.0
                )
            }
        };
        arm_list.push(Arm {
            name,
            index: i as u16,
            kpis: kpis(m, acc),
            intervals: vec![],
        });
    }
    if arms.is_empty() {
        arm_list.clear();
    }
    let stage_list = stages
        .into_iter()
        .enumerate()
        .map(|(i, a)| StageKpis {
            stage: m.stage_name(i as u16).to_string(),
            accounts_entered: a.accounts,
            recovered: money(a.recovered),
            contacts: channels(&a.contacts),
            cost: (a.cost as f64 / 100.0).round() / 100.0,
            promises_made: a.promises,
            outcomes: outcomes(m, &a.outcomes),
            policy: policy(&a.policy),
        })
        .collect();
    Report {
        flow: original.flow.clone(),
        version: original.version,
        currency: original.currency.clone(),
        days: cfg.days,
        seed: cfg.seed,
        start: cfg.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        whole: kpis(m, whole),
        intervals: vec![],
        arms: arm_list,
        arm_differences: vec![],
        stages: stage_list,
        samples: vec![],
    }
}
