//! Synthetic accounts that fit a flow's schema: plausible balances, scores
//! and dates, time zones of the flow's currency, and contact data missing
//! at realistic rates. The same seed and index give the same account.

use super::behaviour::Draw;
use super::rng::Rng;
use crate::engine::Account;
use crate::format::{DurationSpec, DurationUnit, Machine, Type};
use crate::value::Value;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use rust_decimal::Decimal;

fn zones(currency: &str) -> &'static [&'static str] {
    match currency {
        "USD" => &[
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
            "America/Phoenix",
        ],
        "EUR" => &[
            "Europe/Berlin",
            "Europe/Paris",
            "Europe/Madrid",
            "Europe/Rome",
        ],
        "GBP" => &["Europe/London"],
        "COP" => &["America/Bogota"],
        "MXN" => &["America/Mexico_City", "America/Tijuana"],
        "BRL" => &["America/Sao_Paulo"],
        "CAD" => &["America/Toronto", "America/Vancouver"],
        _ => &["UTC"],
    }
}

/// Balances are drawn in dollars and scaled for currencies with small units.
fn unit_scale(currency: &str) -> f64 {
    match currency {
        "COP" => 4000.0,
        "CLP" => 900.0,
        "JPY" => 150.0,
        "MXN" => 18.0,
        "BRL" => 5.0,
        _ => 1.0,
    }
}

fn money(x: f64) -> Value {
    Value::Money(
        Decimal::from_f64_retain((x * 100.0).round() / 100.0)
            .unwrap_or_default()
            .round_dp(2),
    )
}

/// Account `index` of a synthetic portfolio, starting at `start`.
pub fn account(
    m: &Machine,
    seed: u64,
    index: u64,
    start: DateTime<Utc>,
    balance_field: Option<u16>,
) -> Account {
    account_drawn(m, seed, index, start, balance_field, &[])
}

/// A value drawn as the behaviour model declares it.
fn drawn(r: &mut Rng, ty: &Type, d: &Draw) -> Value {
    match d {
        Draw::Range(lo, hi) => {
            let x = lo + (hi - lo) * r.unit();
            let whole = lo.fract() == 0.0 && hi.fract() == 0.0;
            let dec =
                |x: f64, dp: u32| Decimal::from_f64_retain(x).unwrap_or_default().round_dp(dp);
            match ty {
                Type::Money => Value::Money(dec(x, 2)),
                Type::Percent => Value::Percent(dec(x, 2)),
                _ if whole => Value::Number(Decimal::from(r.range(*lo as i64, *hi as i64))),
                _ => Value::Number(dec(x, 4)),
            }
        }
        Draw::Weighted(values, weights) => values
            .get(r.weighted(weights))
            .cloned()
            .unwrap_or(Value::Unset),
    }
}

/// Account `index`, with the fields the model declares drawn its way (from
/// a stream of their own, so declaring one field leaves the others as
/// they were).
pub fn account_drawn(
    m: &Machine,
    seed: u64,
    index: u64,
    start: DateTime<Utc>,
    balance_field: Option<u16>,
    draws: &[(u16, Draw)],
) -> Account {
    let mut declared = Rng::for_account(seed, index, 0xd4a3);
    let mut account = guessed(m, seed, index, start, balance_field);
    for (i, d) in draws {
        if let (Some(slot), Some(f)) = (
            account.fields.get_mut(*i as usize),
            m.account.get(*i as usize),
        ) {
            *slot = drawn(&mut declared, &f.ty, d);
        }
    }
    account
}

fn guessed(
    m: &Machine,
    seed: u64,
    index: u64,
    start: DateTime<Utc>,
    balance_field: Option<u16>,
) -> Account {
    let mut r = Rng::for_account(seed, index, 0x5eed);
    let scale = unit_scale(&m.currency);
    // Lognormal around 1,200 dollars: most debts are small, a few large.
    let balance = ((7.1 + 0.95 * r.normal()).exp().clamp(40.0, 60_000.0) * scale).round();
    let dpd = r.range(5, 300);
    let mut fields = Vec::with_capacity(m.account.len());
    for (i, f) in m.account.iter().enumerate() {
        let name = m.str(f.name);
        let missing = match f.ty {
            Type::Phone => 0.15,
            Type::Email => 0.35,
            Type::Address => 0.6,
            Type::DateTime => 0.7,
            _ => 0.5,
        };
        if f.optional && r.chance(missing) {
            fields.push(Value::Unset);
            continue;
        }
        let has = |w: &str| name.contains(w);
        let v = match &f.ty {
            Type::Money if Some(i as u16) == balance_field => money(balance),
            Type::Money => {
                let share = if has("fee") {
                    0.03
                } else if has("limit") {
                    2.0
                } else if has("value") || has("order") {
                    1.2
                } else if has("payment") || has("installment") || has("minimum") || has("monthly") {
                    0.12
                } else if has("past_due") || has("overdue") || has("amount_due") {
                    0.35
                } else {
                    0.2
                };
                money(balance * share)
            }
            Type::Number => {
                let n = if has("days") {
                    dpd
                } else if has("score") {
                    r.range(300, 850)
                } else if has("month") {
                    r.range(1, 120)
                } else if has("installment") {
                    r.range(1, 4)
                } else {
                    r.range(0, 100)
                };
                Value::Number(Decimal::from(n))
            }
            Type::Percent => Value::Percent(Decimal::from(r.range(5, 30))),
            Type::Date => {
                let back = if has("due") || has("missed") {
                    dpd
                } else {
                    r.range(30, 400)
                };
                Value::Date((start - Duration::days(back)).date_naive())
            }
            Type::DateTime => Value::DateTime(start - Duration::days(r.range(1, 60))),
            Type::Time => Value::Time(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN)),
            Type::Duration => Value::Duration(DurationSpec::new(30, DurationUnit::Days)),
            Type::Bool => {
                let p = if has("consent") || has("opt_in") {
                    0.45
                } else if has("hold")
                    || has("medical")
                    || has("life")
                    || has("senior")
                    || has("assistance")
                {
                    0.05
                } else {
                    0.3
                };
                Value::Bool(r.chance(p))
            }
            Type::Timezone => {
                let z = zones(&m.currency);
                Value::Text(z[r.range(0, z.len() as i64 - 1) as usize].to_string())
            }
            Type::Phone => Value::Text(format!("+1555{:07}", index % 10_000_000)),
            Type::Email => Value::Text(format!("debtor{index}@example.com")),
            Type::Address => Value::Text(format!("{} Main St", 1 + index % 9999)),
            Type::Text => Value::Text(format!("{name} {index}")),
            Type::Enum(vs) => match vs.get(r.range(0, vs.len() as i64 - 1) as usize) {
                Some(v) => Value::Variant(m.str(*v).to_string()),
                None => Value::Unset,
            },
        };
        fields.push(v);
    }
    Account {
        id: format!("SYN-{index:08}"),
        fields,
    }
}
