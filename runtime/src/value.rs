//! Run-time values of account fields, event payloads, variables and
//! expressions.

use crate::format::{Const, DurationSpec, Machine, Type};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// An optional field without a value.
    #[default]
    Unset,
    Bool(bool),
    Number(Decimal),
    Money(Decimal),
    /// As written: 15 for 15%.
    Percent(Decimal),
    /// Text, phone, email, address and timezone values.
    Text(String),
    /// An enumeration variant, by name.
    Variant(String),
    Date(NaiveDate),
    Time(NaiveTime),
    DateTime(DateTime<Utc>),
    Duration(DurationSpec),
}

impl Value {
    pub fn from_const(m: &Machine, c: &Const) -> Value {
        match c {
            Const::Bool(b) => Value::Bool(*b),
            Const::Number(n) => Value::Number(*n),
            Const::Money(n) => Value::Money(*n),
            Const::Percent(n) => Value::Percent(*n),
            Const::Text(s) => Value::Text(m.str(*s).to_string()),
            Const::Variant(s) => Value::Variant(m.str(*s).to_string()),
            Const::Date(d) => Value::Date(*d),
            Const::Time(t) => Value::Time(
                NaiveTime::from_hms_opt(u32::from(t / 60), u32::from(t % 60), 0)
                    .unwrap_or(NaiveTime::MIN),
            ),
            Const::DateTime(s) => {
                Value::DateTime(DateTime::from_timestamp(*s, 0).unwrap_or_default())
            }
            Const::Duration(d) => Value::Duration(*d),
        }
    }

    pub fn is_set(&self) -> bool {
        !matches!(self, Value::Unset)
    }

    /// The kind of value, in words, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Unset => "unset",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::Money(_) => "money",
            Value::Percent(_) => "percent",
            Value::Text(_) => "text",
            Value::Variant(_) => "enumeration variant",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::Duration(_) => "duration",
        }
    }

    /// Whether the value fits a declared type (unset only when optional).
    pub fn fits(&self, m: &Machine, ty: &Type, optional: bool) -> bool {
        match (self, ty) {
            (Value::Unset, _) => optional,
            (Value::Bool(_), Type::Bool)
            | (Value::Number(_), Type::Number)
            | (Value::Money(_), Type::Money)
            | (Value::Percent(_), Type::Percent)
            | (Value::Date(_), Type::Date)
            | (Value::Time(_), Type::Time)
            | (Value::DateTime(_), Type::DateTime)
            | (Value::Duration(_), Type::Duration) => true,
            (Value::Text(_), Type::Text | Type::Phone | Type::Email | Type::Address) => true,
            (Value::Text(z), Type::Timezone) => crate::time::zone_from_name(z).is_some(),
            (Value::Variant(v), Type::Enum(variants)) => variants.iter().any(|s| m.str(*s) == v),
            _ => false,
        }
    }

    /// The value as it is written into a message: money with the flow's
    /// currency and two decimals, dates as `YYYY-MM-DD`.
    pub fn render(&self, currency: &str) -> String {
        let mut out = String::new();
        self.render_into(&mut out, currency);
        out
    }

    /// [`Value::render`] appended to `out`: templates are rendered for every
    /// message sent, so this writes in place instead of allocating per value.
    pub fn render_into(&self, out: &mut String, currency: &str) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self {
            Value::Unset => Ok(()),
            Value::Bool(b) => write!(out, "{b}"),
            Value::Number(n) => write!(out, "{}", n.normalize()),
            Value::Money(n) => {
                let mut v = n.round_dp(2);
                v.rescale(2);
                write!(out, "{v} {currency}")
            }
            Value::Percent(p) => write!(out, "{}%", p.normalize()),
            Value::Text(s) | Value::Variant(s) => {
                out.push_str(s);
                Ok(())
            }
            Value::Date(d) => write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            Value::Time(t) => write!(out, "{:02}:{:02}", t.hour(), t.minute()),
            Value::DateTime(t) => write!(
                out,
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            ),
            Value::Duration(d) => write!(out, "{d}"),
        };
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Unset => f.write_str("unset"),
            Value::Money(n) => write!(f, "{n}"),
            Value::Text(s) => write!(f, "{s:?}"),
            other => f.write_str(&other.render("")),
        }
    }
}
