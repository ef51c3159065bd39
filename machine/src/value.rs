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
        // Addresses are text: a copy of the exact size, not a string grown
        // from empty.
        if let Value::Text(s) | Value::Variant(s) = self {
            return s.clone();
        }
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
                push_money(out, *n);
                out.push(' ');
                out.push_str(currency);
                Ok(())
            }
            Value::Percent(p) => write!(out, "{}%", p.normalize()),
            Value::Text(s) | Value::Variant(s) => {
                out.push_str(s);
                Ok(())
            }
            Value::Date(d) => {
                push_date(out, *d);
                Ok(())
            }
            Value::Time(t) => {
                push_digits(out, t.hour(), 2);
                out.push(':');
                push_digits(out, t.minute(), 2);
                Ok(())
            }
            Value::DateTime(t) => {
                push_date(out, t.date_naive());
                out.push(' ');
                push_digits(out, t.hour(), 2);
                out.push(':');
                push_digits(out, t.minute(), 2);
                out.push_str(" UTC");
                Ok(())
            }
            Value::Duration(d) => write!(out, "{d}"),
        };
    }
}

impl Value {
    /// [`Value::render_into`] for a locale: money, numbers, percentages,
    /// dates and times as `formats` writes them, every other value as
    /// without a locale.
    pub fn render_locale_into(
        &self,
        out: &mut String,
        currency: &str,
        formats: &crate::locale::Formats,
    ) {
        match self {
            Value::Money(n) => formats.write_money(out, *n, currency),
            Value::Number(n) => formats.write_number(out, *n),
            Value::Percent(p) => formats.write_percent(out, *p),
            Value::Date(d) => formats.write_date(out, *d),
            Value::Time(t) => formats.write_time(out, *t),
            Value::DateTime(t) => {
                formats.write_date(out, t.date_naive());
                out.push(' ');
                formats.write_time(out, t.time());
                out.push_str(" UTC");
            }
            other => other.render_into(out, currency),
        }
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

/// Money with two decimals, rounded half to even as [`Decimal::round_dp`]
/// does: `1234.50`. Written by hand because every message carries amounts
/// and `Decimal`'s formatter goes through a general-purpose buffer.
fn push_money(out: &mut String, n: Decimal) {
    // Amounts read from a portfolio have at most two decimals: their cents
    // need no rounding, and a u64 is far quicker than Decimal's arithmetic.
    if n.scale() <= 2 {
        let cents = i64::try_from(n.mantissa())
            .ok()
            .and_then(|m| m.checked_mul(10i64.pow(2 - n.scale())));
        if let Some(cents) = cents {
            if cents < 0 {
                out.push('-');
            }
            let cents = cents.unsigned_abs();
            push_u64(out, cents / 100);
            out.push('.');
            push_digits(out, (cents % 100) as u32, 2);
            return;
        }
    }
    let mut v = n.round_dp(2);
    v.rescale(2);
    let m = v.mantissa();
    if m < 0 {
        out.push('-');
    }
    let cents = m.unsigned_abs();
    let units = cents / 100;
    match u64::try_from(units) {
        Ok(u) => push_u64(out, u),
        Err(_) => {
            use std::fmt::Write;
            let _ = write!(out, "{units}");
        }
    }
    out.push('.');
    push_digits(out, (cents % 100) as u32, 2);
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for b in &buf[i..] {
        out.push(char::from(*b));
    }
}

/// `YYYY-MM-DD`; years outside 0..=9999 as chrono writes them.
pub(crate) fn push_date(out: &mut String, d: NaiveDate) {
    let year = d.year();
    if !(0..=9999).contains(&year) {
        use std::fmt::Write;
        let _ = write!(out, "{year:04}");
    } else {
        push_digits(out, year as u32, 4);
    }
    out.push('-');
    push_digits(out, d.month(), 2);
    out.push('-');
    push_digits(out, d.day(), 2);
}

/// `n` in exactly `width` digits, with leading zeros.
pub(crate) fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let d = (n / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + d as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn money(s: &str) -> String {
        Value::Money(Decimal::from_str(s).unwrap()).render("EUR")
    }

    #[test]
    fn money_has_two_decimals_rounded_half_to_even() {
        assert_eq!(money("1234.5"), "1234.50 EUR");
        assert_eq!(money("0"), "0.00 EUR");
        assert_eq!(money("2.345"), "2.34 EUR");
        assert_eq!(money("2.355"), "2.36 EUR");
        assert_eq!(money("-19.999"), "-20.00 EUR");
        assert_eq!(money("-0.004"), "0.00 EUR");
        assert_eq!(money("-7.05"), "-7.05 EUR");
        assert_eq!(money("19"), "19.00 EUR");
        assert_eq!(money("-0.5"), "-0.50 EUR");
        assert_eq!(money("92233720368547758.07"), "92233720368547758.07 EUR");
        assert_eq!(
            money("79228162514264337593543950.33"),
            "79228162514264337593543950.33 EUR"
        );
    }

    #[test]
    fn dates_and_times_are_written_with_leading_zeros() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(Value::Date(d).render(""), "2026-03-05");
        let t = d.and_hms_opt(7, 4, 0).unwrap().and_utc();
        assert_eq!(Value::DateTime(t).render(""), "2026-03-05 07:04 UTC");
        assert_eq!(Value::Time(t.time()).render(""), "07:04");
    }
}
