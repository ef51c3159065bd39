//! `dun status --db PATH --by-arm`: champion and challenger from
//! production. Per split arm of the accounts a store holds: accounts,
//! money recovered, promises made and kept, contacts and their cost, each
//! per-account figure with its 95% interval and every arm's difference from
//! the first, as `dun simulate` gives them (a bootstrap over accounts; see
//! docs/cli.md, "Statistics").
//!
//! It only reads the store. An account's arm is the first split its audit
//! trail records; payments and promises are the stored events the
//! behaviour model names (`[events]` and `[map]`, as `dun simulate` reads
//! them) up to the moment the account has run to; contacts are its
//! exported actions, costed by the model's `[costs]`.

use dun_runtime::sim::stats::{self, thousands, Difference, Estimate, Metric, Sample};
use dun_runtime::sim::Behaviour;
use dun_runtime::store::{Store, StoreError};
use dun_runtime::Value;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The figures of one arm.
#[derive(Serialize)]
pub struct Arm {
    pub name: String,
    pub accounts: u64,
    pub recovered: f64,
    pub paying_accounts: u64,
    pub promises_made: u64,
    pub promises_kept: u64,
    pub contacts: BTreeMap<String, u64>,
    pub cost: f64,
    pub intervals: Vec<Estimate>,
    #[serde(skip)]
    samples: Vec<Sample>,
}

#[derive(Serialize)]
pub struct ByArm {
    pub arms: Vec<Arm>,
    pub differences: Vec<Difference>,
}

/// Metrics that need no balance (the store holds the balance as the core
/// system last sent it, not as it entered the flow).
const METRICS: [Metric; 3] = [
    Metric::RecoveredPerAccount,
    Metric::CostPerAccount,
    Metric::PromisesKeptPerAccount,
];

fn names(model: &Behaviour, role: &str, listed: &[String]) -> Vec<String> {
    model
        .map
        .iter()
        .filter(|(_, r)| r.as_str() == role)
        .map(|(n, _)| n.clone())
        .chain(listed.iter().cloned())
        .collect()
}

fn money(v: &[Value]) -> Option<f64> {
    v.iter().find_map(|x| match x {
        Value::Money(d) => d.to_string().parse::<f64>().ok(),
        _ => None,
    })
}

/// The arm a split audit entry names: `strategy -> catch_up_offer (30%)`
/// from stage `strategy` and "split: bucket 8494 of 10000 goes to
/// catch_up_offer (30%)".
fn arm_of(stage: &str, message: &str) -> String {
    match message.split_once("goes to ") {
        Some((_, to)) => format!("{stage} -> {}", to.trim()),
        None => format!("{stage} -> ?"),
    }
}

pub fn compute(store: &Store, model: &Behaviour) -> Result<ByArm, StoreError> {
    let payment = names(model, "payment", &model.events.payment);
    let promise = names(model, "promise", &model.events.promise);
    let mut arms: Vec<Arm> = vec![];
    for id in store.account_ids()? {
        let Some(acct) = store.account(&id)? else {
            continue;
        };
        let name = store
            .audit_of(&id)?
            .into_iter()
            .find(|a| a.kind == "split")
            .map(|a| arm_of(&a.stage, &a.message))
            .unwrap_or_else(|| "no split".to_string());
        let mut paid: Vec<(i64, f64)> = vec![];
        let mut promises: Vec<(i64, Option<f64>, Option<chrono::NaiveDate>)> = vec![];
        for (kind, at, payload) in store.event_payloads_of(&id)? {
            if at > acct.clock {
                continue;
            }
            if payment.contains(&kind) {
                paid.push((at, money(&payload).unwrap_or(0.0)));
            } else if promise.contains(&kind) {
                let due = payload.iter().find_map(|v| match v {
                    Value::Date(d) => Some(*d),
                    _ => None,
                });
                promises.push((at, money(&payload), due));
            }
        }
        // A promise is kept when what is paid from it to its due date (the
        // whole day) comes to its amount.
        let kept = promises
            .iter()
            .filter(|(at, amount, due)| {
                let until = due
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
                    .map(|t| t.and_utc().timestamp())
                    .unwrap_or(i64::MAX);
                let sum: f64 = paid
                    .iter()
                    .filter(|(p, _)| p >= at && *p <= until)
                    .map(|(_, x)| x)
                    .sum();
                sum > 0.0 && sum + 0.005 >= amount.unwrap_or(0.0)
            })
            .count() as u64;
        let mut contacts: BTreeMap<String, u64> = BTreeMap::new();
        let mut cost = 0.0;
        for line in store.actions_of(&id)? {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let channel = match (v["type"].as_str(), v["channel"].as_str()) {
                (_, Some(c)) => c.to_string(),
                (Some("call"), None) => "call".to_string(),
                _ => continue,
            };
            if let Some(c) = dun_runtime::format::Channel::from_name(&channel) {
                cost += model.cost(c);
            }
            *contacts.entry(channel).or_default() += 1;
        }
        let recovered: f64 = paid.iter().map(|p| p.1).sum();
        let arm = match arms.iter().position(|a| a.name == name) {
            Some(i) => &mut arms[i],
            None => {
                arms.push(Arm {
                    name,
                    accounts: 0,
                    recovered: 0.0,
                    paying_accounts: 0,
                    promises_made: 0,
                    promises_kept: 0,
                    contacts: BTreeMap::new(),
                    cost: 0.0,
                    intervals: vec![],
                    samples: vec![],
                });
                arms.last_mut().expect("just pushed")
            }
        };
        arm.accounts += 1;
        arm.recovered += recovered;
        arm.paying_accounts += u64::from(recovered > 0.0);
        arm.promises_made += promises.len() as u64;
        arm.promises_kept += kept;
        arm.cost += cost;
        for (c, n) in contacts {
            *arm.contacts.entry(c).or_default() += n;
        }
        arm.samples.push(Sample {
            arm: 0,
            balance: 0,
            recovered: (recovered * 100.0).round() as i64,
            liquidated: false,
            cost: (cost * 10_000.0).round() as i64,
            promises_kept: kept as u32,
        });
    }
    // Arms in name order, `no split` last: the same order on every run.
    arms.sort_by(|a, b| (a.name == "no split", &a.name).cmp(&(b.name == "no split", &b.name)));
    let keep = |m: &str| METRICS.iter().any(|x| x.name() == m);
    for a in &mut arms {
        a.recovered = (a.recovered * 100.0).round() / 100.0;
        a.cost = (a.cost * 100.0).round() / 100.0;
        let refs: Vec<&Sample> = a.samples.iter().collect();
        a.intervals = stats::estimates(&refs, 1)
            .into_iter()
            .filter(|e| keep(e.metric))
            .collect();
    }
    let split: Vec<&Arm> = arms.iter().filter(|a| a.name != "no split").collect();
    let mut differences = vec![];
    if let Some((first, rest)) = split.split_first() {
        let f: Vec<&Sample> = first.samples.iter().collect();
        for arm in rest {
            let g: Vec<&Sample> = arm.samples.iter().collect();
            differences.extend(
                stats::independent((&first.name, &f), (&arm.name, &g), 1)
                    .into_iter()
                    .filter(|d| keep(d.metric)),
            );
        }
    }
    Ok(ByArm { arms, differences })
}

pub fn text(r: &ByArm) -> String {
    let mut out = String::new();
    if r.arms.is_empty() {
        return "the store holds no accounts\n".to_string();
    }
    let _ = writeln!(
        out,
        "== split arms, from the store (95% intervals: bootstrap over accounts)"
    );
    let header: Vec<String> = std::iter::once(String::new())
        .chain(r.arms.iter().map(|a| a.name.clone()))
        .collect();
    let row = |label: &str, f: &dyn Fn(&Arm) -> String| -> Vec<String> {
        std::iter::once(label.to_string())
            .chain(r.arms.iter().map(f))
            .collect()
    };
    let mut body = vec![
        row("accounts", &|a| thousands(a.accounts)),
        row("amount recovered", &|a| crate::simulate::money(a.recovered)),
        row("paying accounts", &|a| thousands(a.paying_accounts)),
        row("promises made", &|a| thousands(a.promises_made)),
        row("promises kept", &|a| thousands(a.promises_kept)),
        row("contacts", &|a| thousands(a.contacts.values().sum())),
        row("cost of contacts", &|a| crate::simulate::money(a.cost)),
    ];
    for m in METRICS {
        let label = crate::simulate::metric_words(m.name());
        body.push(row(&label, &|a| {
            a.intervals
                .iter()
                .find(|e| e.metric == m.name())
                .map(crate::simulate::estimate)
                .unwrap_or_default()
        }));
    }
    crate::simulate::grid(&mut out, &header, &body);
    for (a, b, ds) in crate::simulate::pairs(&r.differences) {
        let _ = writeln!(out, "\n== {b} minus {a}");
        for d in ds {
            let (v, i) = crate::simulate::interval(&d);
            let meaning = d
                .sentence
                .split_once(": ")
                .map(|x| x.1)
                .unwrap_or(&d.sentence);
            let _ = writeln!(
                out,
                "{}: {v} {i}: {meaning}",
                crate::simulate::metric_words(d.metric)
            );
        }
    }
    out
}
