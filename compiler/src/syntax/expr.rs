//! Expressions, literals and strings: pest pairs → owned AST.
//!
//! The grammar reads an expression as a flat run of operands and operators;
//! precedence (the table in `syntax/precedence.rs`) is applied here by
//! precedence climbing, so deeply chained conditions never deepen pest's
//! recursion.

use super::ast::*;
use super::build::Builder;
use super::grammar::Rule;
use super::limits::MAX_OPERATORS;
use super::precedence;
use crate::diagnostics::Diagnostic;
use chrono::{NaiveDate, NaiveTime};
use pest::iterators::Pair;
use rust_decimal::Decimal;
use std::str::FromStr;

pub(crate) const INVALID_LITERAL: &str = "dun::syntax::invalid_literal";
pub(crate) const COMPARISON_CHAIN: &str = "dun::syntax::comparison_chain";
pub(crate) const TOO_DEEP: &str = "dun::syntax::too_deep";

/// One element of the flat operand/operator run of an expression.
enum Piece {
    Operand(Expr),
    Prefix(UnaryOp, Span),
    Infix(BinaryOp, Span),
    IsSet(Span),
    In(Vec<Expr>, Span),
}

fn is_comparison(op: BinaryOp) -> bool {
    precedence::binary(op).assoc == precedence::Assoc::None
}

impl Builder<'_> {
    pub(crate) fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        let whole = self.span(&pair);
        let mut pieces = Vec::new();
        let mut operators = 0usize;
        for p in pair.into_inner() {
            let span = self.span(&p);
            let piece = match p.as_rule() {
                Rule::op_not => Piece::Prefix(UnaryOp::Not, span),
                Rule::op_neg => Piece::Prefix(UnaryOp::Neg, span),
                Rule::op_or => Piece::Infix(BinaryOp::Or, span),
                Rule::op_and => Piece::Infix(BinaryOp::And, span),
                Rule::op_eq => Piece::Infix(BinaryOp::Eq, span),
                Rule::op_ne => Piece::Infix(BinaryOp::Ne, span),
                Rule::op_lt => Piece::Infix(BinaryOp::Lt, span),
                Rule::op_le => Piece::Infix(BinaryOp::Le, span),
                Rule::op_gt => Piece::Infix(BinaryOp::Gt, span),
                Rule::op_ge => Piece::Infix(BinaryOp::Ge, span),
                Rule::op_add => Piece::Infix(BinaryOp::Add, span),
                Rule::op_sub => Piece::Infix(BinaryOp::Sub, span),
                Rule::op_mul => Piece::Infix(BinaryOp::Mul, span),
                Rule::op_div => Piece::Infix(BinaryOp::Div, span),
                Rule::is_set => Piece::IsSet(span),
                Rule::in_list => Piece::In(
                    p.into_inner()
                        .filter(|c| c.as_rule() == Rule::expr)
                        .map(|c| self.expr(c))
                        .collect(),
                    span,
                ),
                _ => Piece::Operand(self.primary(p)),
            };
            if !matches!(piece, Piece::Operand(_)) {
                operators += 1;
            }
            pieces.push(piece);
        }
        // Every operator nests the tree one level deeper; a bound keeps the
        // checker, the formatter and `Drop` clear of stack overflows.
        if operators > MAX_OPERATORS {
            self.report(
                Diagnostic::error(
                    TOO_DEEP,
                    format!("this expression has {operators} operators, more than the {MAX_OPERATORS} allowed"),
                    whole,
                )
                .with_label("too long to check")
                .with_help("split the condition into named segments (`segment name = ...`) and combine those"),
            );
            return Expr {
                kind: ExprKind::Bool(false),
                span: whole,
                parens: 0,
            };
        }
        let mut iter = pieces.into_iter().peekable();
        let expr = self.climb(&mut iter, 0);
        match expr {
            Some(e) => e,
            None => Expr {
                kind: ExprKind::Bool(false),
                span: whole,
                parens: 0,
            },
        }
    }

    fn climb(
        &self,
        pieces: &mut std::iter::Peekable<std::vec::IntoIter<Piece>>,
        min_bp: u8,
    ) -> Option<Expr> {
        let mut lhs = match pieces.next()? {
            Piece::Operand(e) => e,
            Piece::Prefix(op, span) => {
                let operand = self.climb(pieces, precedence::unary(op))?;
                Expr {
                    span: span.to(operand.span),
                    kind: ExprKind::Unary {
                        op,
                        expr: Box::new(operand),
                    },
                    parens: 0,
                }
            }
            // The grammar never starts an expression with an infix or postfix.
            _ => return None,
        };
        loop {
            let bp = match pieces.peek() {
                Some(Piece::Infix(op, _)) => precedence::binary(*op).power,
                Some(Piece::IsSet(_)) | Some(Piece::In(..)) => precedence::POSTFIX,
                _ => break,
            };
            if bp <= min_bp {
                break;
            }
            match pieces.next() {
                Some(Piece::Infix(op, op_span)) => {
                    let rhs = self.climb(pieces, bp)?;
                    if is_comparison(op) {
                        if let ExprKind::Binary { op: first, .. } = &lhs.kind {
                            if is_comparison(*first) && lhs.parens == 0 {
                                self.report(
                                    Diagnostic::error(
                                        COMPARISON_CHAIN,
                                        format!(
                                            "comparisons cannot be chained: `{}` follows another comparison",
                                            op.symbol()
                                        ),
                                        op_span,
                                    )
                                    .with_label("second comparison")
                                    .with_secondary(lhs.span, "first comparison")
                                    .with_help("join the two comparisons with `and`, e.g. `a < b and b < c`"),
                                );
                            }
                        }
                    }
                    lhs = Expr {
                        span: lhs.span.to(rhs.span),
                        kind: ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        parens: 0,
                    };
                }
                Some(Piece::IsSet(span)) => {
                    lhs = Expr {
                        span: lhs.span.to(span),
                        kind: ExprKind::IsSet(Box::new(lhs)),
                        parens: 0,
                    };
                }
                Some(Piece::In(list, span)) => {
                    lhs = Expr {
                        span: lhs.span.to(span),
                        kind: ExprKind::In {
                            expr: Box::new(lhs),
                            list,
                        },
                        parens: 0,
                    };
                }
                _ => break,
            }
        }
        Some(lhs)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren_expr => {
                let inner = pair.into_inner().find(|c| c.as_rule() == Rule::expr);
                let mut e = match inner {
                    Some(inner) => self.expr(inner),
                    None => Expr {
                        kind: ExprKind::Bool(false),
                        span,
                        parens: 0,
                    },
                };
                // The span covers the parentheses, and the count tells
                // `(a < b) == c` from the chain `a < b == c` and lets the
                // formatter write them back.
                e.span = span;
                e.parens = e.parens.saturating_add(1);
                return e;
            }
            Rule::datetime => {
                let mut date = NaiveDate::default();
                let mut time = NaiveTime::default();
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::date => date = self.date(&c).0,
                        Rule::time => time = self.time(&c).0,
                        _ => {}
                    }
                }
                ExprKind::DateTime(date, time)
            }
            Rule::date => ExprKind::Date(self.date(&pair).0),
            Rule::time => ExprKind::Time(self.time(&pair).0),
            Rule::quantity => return self.quantity(pair),
            Rule::string => ExprKind::Text(self.text(pair)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_today => ExprKind::Today,
            Rule::kw_now => ExprKind::Now,
            Rule::field_access => {
                let mut root = FieldRoot::Account;
                let mut root_span = span;
                let mut field = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::kw_account => {
                            root = FieldRoot::Account;
                            root_span = self.span(&c);
                        }
                        Rule::kw_event => {
                            root = FieldRoot::Event;
                            root_span = self.span(&c);
                        }
                        Rule::name => field = Some(self.ident(&c)),
                        _ => {}
                    }
                }
                ExprKind::Field {
                    root,
                    root_span,
                    field: field.unwrap_or_else(|| self.missing(span)),
                }
            }
            _ => ExprKind::Name(self.ident(&pair)),
        };
        Expr {
            kind,
            span,
            parens: 0,
        }
    }

    /// A number with an optional `%`, currency code or duration unit.
    pub(crate) fn quantity(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let mut amount = Decimal::ZERO;
        let mut amount_pair = None;
        let mut kind = None;
        let mut unit = None;
        let mut calendar = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::number => {
                    amount = self.decimal(&c);
                    amount_pair = Some(c);
                }
                Rule::percent_sign => kind = Some(ExprKind::Percent(amount)),
                Rule::currency_code => {
                    kind = Some(ExprKind::Money {
                        amount,
                        currency: self.currency_code(&c),
                    })
                }
                Rule::duration_unit => unit = Some(c),
                Rule::calendar_of => calendar = Some(c),
                _ => {}
            }
        }
        if let (Some(unit), Some(number)) = (unit, amount_pair) {
            let d = self.duration_parts(&number, &unit, calendar, span);
            return Expr {
                kind: ExprKind::Duration(d),
                span,
                parens: 0,
            };
        }
        Expr {
            kind: kind.unwrap_or(ExprKind::Number(amount)),
            span,
            parens: 0,
        }
    }

    pub(crate) fn duration(&self, pair: Pair<'_, Rule>) -> DurationLit {
        let span = self.span(&pair);
        let mut number = None;
        let mut unit = None;
        let mut calendar = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::number => number = Some(c),
                Rule::duration_unit => unit = Some(c),
                Rule::calendar_of => calendar = Some(c),
                _ => {}
            }
        }
        match (number, unit) {
            (Some(n), Some(u)) => self.duration_parts(&n, &u, calendar, span),
            _ => DurationLit {
                amount: 0,
                unit: DurationUnit::Days,
                calendar: None,
                span,
            },
        }
    }

    fn duration_parts(
        &self,
        number: &Pair<'_, Rule>,
        unit: &Pair<'_, Rule>,
        calendar: Option<Pair<'_, Rule>>,
        span: Span,
    ) -> DurationLit {
        let text = unit.as_str();
        let unit_kind = if text.starts_with("business") {
            DurationUnit::BusinessDays
        } else if text.starts_with("minute") {
            DurationUnit::Minutes
        } else if text.starts_with("hour") {
            DurationUnit::Hours
        } else if text.starts_with("day") {
            DurationUnit::Days
        } else if text.starts_with("week") {
            DurationUnit::Weeks
        } else {
            DurationUnit::Months
        };
        let digits: String = number.as_str().chars().filter(|c| *c != '_').collect();
        let amount = match digits.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                let message = if digits.contains('.') {
                    format!(
                        "a duration is a whole number of {text}, not `{}`",
                        number.as_str()
                    )
                } else {
                    format!("`{}` is too large for a duration", number.as_str())
                };
                self.report(
                    Diagnostic::error(INVALID_LITERAL, message, self.span(number))
                        .with_label("not a whole number that fits")
                        .with_help("write a whole amount in a smaller unit, e.g. `36 hours` instead of `1.5 days`"),
                );
                0
            }
        };
        let calendar = calendar.and_then(|c| {
            let name = c.into_inner().find(|n| n.as_rule() == Rule::name);
            let ident = name.map(|n| self.ident(&n));
            if unit_kind != DurationUnit::BusinessDays {
                if let Some(ident) = &ident {
                    self.report(
                        Diagnostic::error(
                            INVALID_LITERAL,
                            format!("only business days follow a calendar, not {text}"),
                            ident.span,
                        )
                        .with_label("calendar given here")
                        .with_help(format!(
                            "write `{amount} business days of {}`, or drop `of {}`",
                            ident.name, ident.name
                        )),
                    );
                }
                return None;
            }
            ident
        });
        DurationLit {
            amount,
            unit: unit_kind,
            calendar,
            span,
        }
    }

    pub(crate) fn decimal(&self, pair: &Pair<'_, Rule>) -> Decimal {
        let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match Decimal::from_str(&digits) {
            Ok(d) => d,
            Err(_) => {
                self.report(
                    Diagnostic::error(
                        INVALID_LITERAL,
                        format!("`{}` is not a number dun can hold", pair.as_str()),
                        self.span(pair),
                    )
                    .with_label("too many digits")
                    .with_help("numbers hold at most 28 significant digits"),
                );
                Decimal::ZERO
            }
        }
    }

    pub(crate) fn percent(&self, pair: Pair<'_, Rule>) -> (Decimal, Span) {
        let span = self.span(&pair);
        let value = pair
            .into_inner()
            .find(|c| c.as_rule() == Rule::number)
            .map(|n| self.decimal(&n))
            .unwrap_or(Decimal::ZERO);
        (value, span)
    }

    /// A whole count: a version, a repeat count, a day number.
    pub(crate) fn count(&self, pair: &Pair<'_, Rule>) -> (u32, Span) {
        let span = self.span(pair);
        let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match digits.parse::<u32>() {
            Ok(n) => (n, span),
            Err(_) => {
                self.report(
                    Diagnostic::error(
                        INVALID_LITERAL,
                        format!("`{}` is too large", pair.as_str()),
                        span,
                    )
                    .with_label("larger than 4294967295")
                    .with_help("use a smaller whole number"),
                );
                (0, span)
            }
        }
    }

    pub(crate) fn currency_code(&self, pair: &Pair<'_, Rule>) -> Ident {
        let ident = self.ident(pair);
        let ok = ident.name.len() == 3 && ident.name.bytes().all(|b| b.is_ascii_uppercase());
        if !ok {
            self.report(
                Diagnostic::error(
                    INVALID_LITERAL,
                    format!("`{}` is not a currency code", ident.name),
                    ident.span,
                )
                .with_label("expected three capital letters")
                .with_help(
                    "write the ISO 4217 code of the currency, such as `USD`, `EUR` or `GBP`",
                ),
            );
        }
        ident
    }

    pub(crate) fn date(&self, pair: &Pair<'_, Rule>) -> (NaiveDate, Span) {
        let span = self.span(pair);
        let mut parts = pair.as_str().split('-').map(|s| s.parse::<u32>().ok());
        let (y, m, d) = (
            parts.next().flatten(),
            parts.next().flatten(),
            parts.next().flatten(),
        );
        let date = match (y, m, d) {
            (Some(y), Some(m), Some(d)) => i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
            _ => None,
        };
        match date {
            Some(date) => (date, span),
            None => {
                self.report(
                    Diagnostic::error(
                        INVALID_LITERAL,
                        format!("`{}` is not a date of the calendar", pair.as_str()),
                        span,
                    )
                    .with_label("no such day")
                    .with_help("dates are written year-month-day, e.g. `2026-03-31`; check the month and the day"),
                );
                (NaiveDate::default(), span)
            }
        }
    }

    pub(crate) fn time(&self, pair: &Pair<'_, Rule>) -> (NaiveTime, Span) {
        let span = self.span(pair);
        let mut parts = pair.as_str().split(':').map(|s| s.parse::<u32>().ok());
        let time = match (parts.next().flatten(), parts.next().flatten()) {
            (Some(h), Some(m)) => NaiveTime::from_hms_opt(h, m, 0),
            _ => None,
        };
        match time {
            Some(t) => (t, span),
            None => {
                self.report(
                    Diagnostic::error(
                        INVALID_LITERAL,
                        format!("`{}` is not a time of day", pair.as_str()),
                        span,
                    )
                    .with_label("no such time")
                    .with_help("times are written on a 24-hour clock from `00:00` to `23:59`"),
                );
                (NaiveTime::default(), span)
            }
        }
    }

    /// A string literal: unescaped literal parts and `{expr}` placeholders.
    pub(crate) fn text(&self, pair: Pair<'_, Rule>) -> Text {
        let span = self.span(&pair);
        let mut parts: Vec<TextPart> = Vec::new();
        for c in pair.into_inner() {
            let piece_span = self.span(&c);
            let literal = match c.as_rule() {
                Rule::string_text => c.as_str().replace("{{", "{").replace("}}", "}"),
                Rule::escape => match c.as_str() {
                    "\\\"" => "\"".to_string(),
                    "\\\\" => "\\".to_string(),
                    "\\n" => "\n".to_string(),
                    "\\t" => "\t".to_string(),
                    other => {
                        self.report(
                            Diagnostic::error(
                                INVALID_LITERAL,
                                format!("`{other}` is not an escape dun knows"),
                                piece_span,
                            )
                            .with_label("unknown escape")
                            .with_help("inside text write `\\\"` for a quote, `\\\\` for a backslash, `\\n` for a new line and `\\t` for a tab"),
                        );
                        other.to_string()
                    }
                },
                Rule::placeholder => {
                    if let Some(e) = c.into_inner().find(|e| e.as_rule() == Rule::expr) {
                        parts.push(TextPart::Placeholder(self.expr(e)));
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(TextPart::Literal(prev, prev_span)) = parts.last_mut() {
                prev.push_str(&literal);
                *prev_span = prev_span.to(piece_span);
            } else {
                parts.push(TextPart::Literal(literal, piece_span));
            }
        }
        Text { parts, span }
    }
}
