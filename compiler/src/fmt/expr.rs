//! Canonical spelling of expressions, literals and strings.
//!
//! The parentheses a writer put around a sub-expression are written back,
//! even where the tree does not need them (as rustfmt and gofmt do); others
//! are added only where the tree needs them under the precedence table of
//! `syntax/precedence.rs`.

use crate::syntax::ast::{
    DurationLit, DurationUnit, Expr, ExprKind, FieldRoot, Text, TextPart, UnaryOp,
};
use crate::syntax::precedence::{self, Power};
use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

/// Reads the source text of literals whose spelling the tree does not keep
/// (digit grouping), so the printer can honour the author's choice.
#[derive(Clone, Copy)]
pub struct Spelling<'a> {
    pub src: &'a str,
}

impl<'a> Spelling<'a> {
    fn written(&self, e: &Expr) -> &'a str {
        self.src.get(e.span.range()).unwrap_or("")
    }

    pub fn expr(&self, e: &Expr) -> String {
        let bare = self.bare(e);
        if e.parens == 0 {
            return bare;
        }
        let depth = usize::from(e.parens);
        format!("{}{bare}{}", "(".repeat(depth), ")".repeat(depth))
    }

    /// `e` without the parentheses its writer put around it.
    fn bare(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(n) => decimal(*n, self.written(e).contains('_')),
            ExprKind::Percent(p) => format!("{}%", decimal(*p, false)),
            ExprKind::Money { amount, currency } => {
                // Only the amount can be grouped; the code is letters.
                format!(
                    "{} {}",
                    decimal(*amount, self.written(e).contains('_')),
                    currency.name
                )
            }
            ExprKind::Duration(d) => duration(d),
            ExprKind::Date(d) => date(*d),
            ExprKind::Time(t) => time(*t),
            ExprKind::DateTime(d, t) => format!("{} {}", date(*d), time(*t)),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Text(t) => self.text(t),
            ExprKind::Today => "today".to_string(),
            ExprKind::Now => "now".to_string(),
            ExprKind::Name(id) => id.name.clone(),
            ExprKind::Field { root, field, .. } => format!("{}.{}", root_word(*root), field.name),
            ExprKind::Unary { op, expr } => match op {
                UnaryOp::Not => format!("not {}", self.operand(expr, precedence::NOT)),
                UnaryOp::Neg => {
                    let inner = self.operand(expr, precedence::NEGATION);
                    // `--x` would read as something else; keep the minus signs apart.
                    if inner.starts_with('-') {
                        format!("-({inner})")
                    } else {
                        format!("-{inner}")
                    }
                }
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (left_min, right_min) = precedence::binary(*op).operand_powers();
                format!(
                    "{} {} {}",
                    self.operand(lhs, left_min),
                    op.symbol(),
                    self.operand(rhs, right_min)
                )
            }
            ExprKind::IsSet(inner) => {
                format!("{} is set", self.operand(inner, precedence::POSTFIX + 1))
            }
            ExprKind::In { expr, list } => {
                let items: Vec<String> = list.iter().map(|item| self.expr(item)).collect();
                format!(
                    "{} in [{}]",
                    self.operand(expr, precedence::POSTFIX + 1),
                    items.join(", ")
                )
            }
        }
    }

    /// `e` printed where at least precedence `min` is needed.
    pub fn operand(&self, e: &Expr, min: Power) -> String {
        let text = self.expr(e);
        if precedence::of(e) < min {
            format!("({text})")
        } else {
            text
        }
    }

    /// A string literal, re-escaped canonically: `\"`, `\\` and `{{` are the
    /// only escapes; everything else is written as itself.
    pub fn text(&self, t: &Text) -> String {
        let mut out = String::from("\"");
        for part in &t.parts {
            match part {
                TextPart::Literal(s, _) => {
                    for c in s.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            '{' => out.push_str("{{"),
                            c => out.push(c),
                        }
                    }
                }
                TextPart::Placeholder(e) => {
                    out.push('{');
                    out.push_str(&self.expr(e));
                    out.push('}');
                }
            }
        }
        out.push('"');
        out
    }
}

fn root_word(root: FieldRoot) -> &'static str {
    match root {
        FieldRoot::Account => "account",
        FieldRoot::Event => "event",
    }
}

/// The decimal as the tree holds it (the written scale survives: `120.50`
/// stays `120.50`). With `grouped`, the whole part is regrouped in threes
/// with `_`, because the author chose grouping for this literal.
pub fn decimal(d: Decimal, grouped: bool) -> String {
    let text = d.to_string();
    if !grouped {
        return text;
    }
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    // Built from the right: a group is closed every three digits.
    let mut reversed = String::new();
    let mut in_group = 0;
    for c in whole.chars().rev() {
        if in_group == 3 {
            reversed.push('_');
            in_group = 0;
        }
        reversed.push(c);
        in_group += 1;
    }
    let mut out = String::from(sign);
    out.extend(reversed.chars().rev());
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// `3 days`, `1 day`, `5 business days of bank`: singular for one, plural
/// otherwise, whatever the author wrote.
pub fn duration(d: &DurationLit) -> String {
    let one = d.amount == 1;
    let unit = match (d.unit, one) {
        (DurationUnit::Minutes, true) => "minute",
        (DurationUnit::Minutes, false) => "minutes",
        (DurationUnit::Hours, true) => "hour",
        (DurationUnit::Hours, false) => "hours",
        (DurationUnit::Days, true) => "day",
        (DurationUnit::Days, false) => "days",
        (DurationUnit::Weeks, true) => "week",
        (DurationUnit::Weeks, false) => "weeks",
        (DurationUnit::Months, true) => "month",
        (DurationUnit::Months, false) => "months",
        (DurationUnit::BusinessDays, true) => "business day",
        (DurationUnit::BusinessDays, false) => "business days",
    };
    match &d.calendar {
        Some(calendar) => format!("{} {unit} of {}", d.amount, calendar.name),
        None => format!("{} {unit}", d.amount),
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn grouping_is_regrouped_in_threes_only_when_the_author_grouped() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(decimal(d("1000"), false), "1000");
        assert_eq!(decimal(d("1000"), true), "1_000");
        assert_eq!(decimal(d("100000.50"), true), "100_000.50");
        assert_eq!(decimal(d("-12000"), true), "-12_000");
        assert_eq!(decimal(d("999"), true), "999");
    }
}
