//! The simulated side of payment plans: the schedule a debtor who accepted
//! a plan pays by, and the payload of the flow's plan event.

use crate::format::{DurationSpec, Machine, Type};
use crate::time;
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// `from` moved by `k` periods (the date itself when it cannot move).
pub(super) fn shift(from: NaiveDate, every: DurationSpec, k: u32) -> NaiveDate {
    let steps = i64::from(every.amount) * i64::from(k);
    time::shift_date(from, steps, every.unit, None).unwrap_or(from)
}

/// Each installment's due day (the first one period after `accepted`) and
/// amount, the amounts adding up to `total` as the engine counts them: k
/// installments' worth is total × k / n, rounded to the cent.
pub(super) fn schedule(
    total: Decimal,
    n: u32,
    accepted: NaiveDate,
    every: DurationSpec,
) -> Vec<(NaiveDate, Decimal)> {
    let n = n.max(1);
    let worth = |k: u32| {
        (total * Decimal::from(k) / Decimal::from(n))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    (1..=n)
        .map(|k| (shift(accepted, every, k), worth(k) - worth(k - 1)))
        .collect()
}

/// The plan event: money fields get the amount, number fields the count,
/// date fields the first due day; anything else is left unset (or false,
/// or empty text), as for the model's other events.
pub(super) fn payload(
    m: &Machine,
    event: u16,
    total: Decimal,
    n: u32,
    first: NaiveDate,
) -> Vec<Value> {
    let Some(def) = m.events.get(event as usize) else {
        return vec![];
    };
    def.fields
        .iter()
        .map(|f| match &f.ty {
            Type::Money => Value::Money(total),
            Type::Number => Value::Number(Decimal::from(n)),
            Type::Date => Value::Date(first),
            Type::Text => Value::Text("simulated".into()),
            Type::Bool => Value::Bool(false),
            _ => Value::Unset,
        })
        .collect()
}
