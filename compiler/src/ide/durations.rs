//! Durations as the runtime's calendar measures them: how many calendar
//! days `5 business days of federal` or `1 month` really are, counted with
//! `dun_machine::time::shift_date` against the flow's calendars (weekend
//! and dated holidays). The inlay hints add these days up; hover on a
//! duration or on `wait until` says them in words.

use super::{Document, Hover};
use crate::fmt::Spelling;
use crate::model::{DeclId, Model};
use crate::syntax::ast::{
    Block, Decl, DurationLit, DurationUnit, Expr, ExprKind, HandlerBody, Span, StepKind, WaitKind,
};
use chrono::{Datelike, NaiveDate};
use dun_machine::format::{Calendar, DurationUnit as RtUnit};
use dun_machine::time::shift_date;
use std::fmt::Write;

/// Start dates tried for a calendar with holidays: every day of at most
/// this many years from the first holiday's year (bounded work).
const MAX_HOLIDAY_YEARS: i32 = 4;

/// The calendar a business-day duration counts on: the one it names, else
/// the flow's only calendar, else none (Saturday and Sunday off).
fn calendar<'m>(model: &'m Model, d: &DurationLit) -> Option<&'m crate::model::Calendar> {
    match &d.calendar {
        Some(name) => match model.usage.resolved.get(&name.span)? {
            DeclId::Calendar(i) => model.calendars.at(usize::from(*i)),
            _ => None,
        },
        None => model.default_calendar(),
    }
}

fn runtime_calendar(c: &crate::model::Calendar) -> Calendar {
    let mut holidays = c.holidays.clone();
    holidays.sort();
    holidays.dedup();
    Calendar {
        name: 0,
        weekend: c
            .weekend
            .iter()
            .fold(0u8, |bits, d| bits | dun_machine::time::weekday_bit(*d)),
        holidays,
    }
}

/// The calendar days a date moves by `d`: the fewest and the most, over
/// every start date that matters (each weekday, each day around the
/// calendar's holidays, each day of four years for months). Hours and
/// minutes move no date: `(0, 0)`.
pub(crate) fn calendar_days(model: &Model, d: &DurationLit) -> (u64, u64) {
    let amount = u64::from(d.amount);
    let unit = match d.unit {
        DurationUnit::Minutes | DurationUnit::Hours => return (0, 0),
        DurationUnit::Days => return (amount, amount),
        DurationUnit::Weeks => return (amount * 7, amount * 7),
        DurationUnit::Months => RtUnit::Months,
        DurationUnit::BusinessDays => RtUnit::BusinessDays,
    };
    let cal = if unit == RtUnit::BusinessDays {
        calendar(model, d).map(runtime_calendar)
    } else {
        None
    };
    let Some(base) = NaiveDate::from_ymd_opt(2024, 1, 1) else {
        return (0, 0);
    };
    let mut starts: Vec<NaiveDate> = Vec::new();
    match (&cal, unit) {
        (_, RtUnit::Months) => starts.extend(base.iter_days().take(4 * 366)),
        (Some(c), _) if !c.holidays.is_empty() => {
            // Holidays are dated: only start dates near them can meet them.
            let first = c.holidays[0].year();
            let last = c.holidays[c.holidays.len() - 1]
                .year()
                .min(first + MAX_HOLIDAY_YEARS - 1);
            if let (Some(from), Some(to)) = (
                NaiveDate::from_ymd_opt(first, 1, 1),
                NaiveDate::from_ymd_opt(last, 12, 31),
            ) {
                starts.extend(from.iter_days().take_while(|day| *day <= to));
            }
        }
        _ => starts.extend(base.iter_days().take(7)),
    }
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for start in starts {
        if let Some(end) = shift_date(start, i64::from(d.amount), unit, cal.as_ref()) {
            let days = (end - start).num_days().max(0) as u64;
            lo = lo.min(days);
            hi = hi.max(days);
        }
    }
    if lo == u64::MAX {
        (0, 0)
    } else {
        (lo, hi)
    }
}

/// What a step's wait, or a duration inside the flow, means in days.
pub(crate) fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let mut found = Found {
        offset: offset as u32,
        best: None,
    };
    for decl in doc.analysis.own_decls() {
        match decl {
            Decl::Stage(s) => {
                found.block(&s.body);
                for h in &s.handlers {
                    found.handler(h);
                }
            }
            Decl::Handler(h) => found.handler(h),
            _ => {}
        }
    }
    let src = doc.text.as_str();
    let model = &doc.analysis.model;
    match found.best? {
        Hit::Duration(d) => Some(Hover {
            span: d.span,
            markdown: describe(model, src, d),
        }),
        Hit::Until { keyword, expr } => {
            let mut out = format!(
                "```dun\nwait until {}\n```\n\nWaits until the moment `{}`, read from the \
                 account's data when the step runs; if that moment has already passed, the \
                 stage goes on at once.",
                Spelling { src }.expr(expr),
                Spelling { src }.expr(expr),
            );
            let mut durations = Vec::new();
            durations_in(expr, &mut durations);
            for d in durations {
                let _ = write!(out, "\n\n{}", days_sentence(model, src, d));
            }
            Some(Hover {
                span: keyword,
                markdown: out,
            })
        }
    }
}

fn describe(model: &Model, src: &str, d: &DurationLit) -> String {
    let written = src.get(d.span.range()).unwrap_or("");
    format!("```dun\n{written}\n```\n\n{}", days_sentence(model, src, d))
}

/// "7 to 9 calendar days, by the weekday it starts on and the holidays of
/// `federal` (11, 2026-01-01 to 2026-12-25)."
fn days_sentence(model: &Model, src: &str, d: &DurationLit) -> String {
    let written = src.get(d.span.range()).unwrap_or("");
    let (lo, hi) = calendar_days(model, d);
    let days = |n: u64| format!("{n} calendar day{}", if n == 1 { "" } else { "s" });
    let amount = match (lo, hi) {
        _ if matches!(d.unit, DurationUnit::Minutes | DurationUnit::Hours) => {
            return format!(
                "`{written}`: measured in minutes from the moment it starts, on any day."
            )
        }
        (lo, hi) if lo == hi => days(lo),
        (lo, hi) => format!("{lo} to {}", days(hi)),
    };
    let why = match d.unit {
        DurationUnit::Months => {
            " (a month ends on the same day of the next month, or its last day)".to_string()
        }
        DurationUnit::BusinessDays => match calendar(model, d) {
            Some(c) => {
                let weekend: Vec<String> = c.weekend.iter().map(|w| w.to_string()).collect();
                let mut holidays = c.holidays.clone();
                holidays.sort();
                let off = match (holidays.first(), holidays.last()) {
                    (Some(a), Some(b)) => format!(
                        "{} holiday{}, {a} to {b}",
                        holidays.len(),
                        if holidays.len() == 1 { "" } else { "s" }
                    ),
                    _ => "no holidays".to_string(),
                };
                format!(
                    " on the calendar `{}` (weekend: {}; {off}), by the day it starts",
                    c.name,
                    if weekend.is_empty() {
                        "none".to_string()
                    } else {
                        weekend.join(", ")
                    }
                )
            }
            None if d.calendar.is_some() => " (the calendar is not declared)".to_string(),
            None => {
                " (no calendar: Saturday and Sunday are off, no holidays), by the day it starts"
                    .to_string()
            }
        },
        _ => String::new(),
    };
    format!("`{written}` is {amount}{why}.")
}

enum Hit<'a> {
    Duration(&'a DurationLit),
    Until { keyword: Span, expr: &'a Expr },
}

struct Found<'a> {
    offset: u32,
    best: Option<Hit<'a>>,
}

impl<'a> Found<'a> {
    fn covers(&self, span: Span) -> bool {
        span.start <= self.offset && self.offset <= span.end
    }

    fn handler(&mut self, h: &'a crate::syntax::ast::Handler) {
        if let Some(e) = &h.when {
            self.expr(e);
        }
        if let HandlerBody::Block(b) = &h.body {
            self.block(b);
        }
    }

    fn duration(&mut self, d: &'a DurationLit) {
        if self.covers(d.span) {
            self.best = Some(Hit::Duration(d));
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        if !self.covers(e.span) {
            return;
        }
        let mut found = Vec::new();
        durations_in(e, &mut found);
        for d in found {
            self.duration(d);
        }
    }

    fn block(&mut self, block: &'a Block) {
        for step in &block.steps {
            if !self.covers(step.span) {
                continue;
            }
            match &step.kind {
                StepKind::Wait(WaitKind::For(d)) => self.duration(d),
                StepKind::Wait(WaitKind::Until(e)) => {
                    let keyword = Span::new(step.span.start as usize, e.span.start as usize);
                    if self.offset < e.span.start {
                        self.best = Some(Hit::Until { keyword, expr: e });
                    }
                    self.expr(e);
                }
                StepKind::Send { when, .. } | StepKind::Call { when, .. } => {
                    if let Some(e) = when {
                        self.expr(e);
                    }
                }
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (c, b) in branches {
                        self.expr(c);
                        self.block(b);
                    }
                    if let Some(b) = otherwise {
                        self.block(b);
                    }
                }
                StepKind::Repeat { body, .. } => self.block(body),
                StepKind::Set { value, .. } => self.expr(value),
                StepKind::OfferDiscount {
                    duration: Some(d), ..
                } => self.duration(d),
                StepKind::OfferPlan { every, .. } => self.duration(every),
                StepKind::OfferSettlement { terms, until } => {
                    if let crate::syntax::ast::SettlementTerms::Amount(a) = terms {
                        self.expr(a);
                    }
                    self.expr(until);
                }
                StepKind::Emit { fields, .. } => {
                    for f in fields {
                        self.expr(&f.value);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Every duration literal inside an expression.
fn durations_in<'a>(e: &'a Expr, out: &mut Vec<&'a DurationLit>) {
    match &e.kind {
        ExprKind::Duration(d) => out.push(d),
        ExprKind::Unary { expr, .. } | ExprKind::IsSet(expr) => durations_in(expr, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            durations_in(lhs, out);
            durations_in(rhs, out);
        }
        ExprKind::In { expr, list } => {
            durations_in(expr, out);
            for item in list {
                durations_in(item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "flow f\ncurrency USD\naccount { due: date }\n\
        calendar federal {\n  weekend saturday, sunday\n  holiday 2026-07-03\n  holiday 2026-12-25\n}\n\
        start s\nstage s {\n  wait 5 business days of federal\n  wait 1 month\n  \
        wait until account.due + 2 business days\n  end done\n}\n";

    fn hover_at(needle: &str, line: usize) -> String {
        let doc = Document::new(None, FLOW);
        let at = doc.span_of_line_text(line, needle).start as usize;
        doc.hover(at).map(|h| h.markdown).unwrap_or_default()
    }

    #[test]
    fn business_days_count_the_calendars_holidays_only_where_they_fall() {
        let doc = Document::new(None, FLOW);
        let text = hover_at("5 business", 10);
        // From a Sunday: Monday to Friday; from Friday 2026-06-26: the
        // weekend and the holiday of 2026-07-03 on the way. Never the week
        // plus every holiday of the year.
        assert!(text.contains("is 5 to 10 calendar days"), "{text}");
        assert!(text.contains("`federal`"), "{text}");
        assert!(
            text.contains("2 holidays, 2026-07-03 to 2026-12-25"),
            "{text}"
        );
        let month = hover_at("1 month", 11);
        assert!(month.contains("28 to 31 calendar days"), "{month}");
        assert!(doc.diagnostics().is_empty(), "{:?}", doc.diagnostics());
    }

    #[test]
    fn wait_until_says_when_it_goes_on_and_what_its_durations_are() {
        let text = hover_at("until", 12);
        assert!(
            text.contains("wait until account.due + 2 business days"),
            "{text}"
        );
        assert!(text.contains("already passed"), "{text}");
        assert!(
            text.contains("`2 business days` is 2 to 5 calendar days"),
            "{text}"
        );
    }

    #[test]
    fn the_inlay_hint_of_a_business_day_wait_counts_only_holidays_in_its_way() {
        let doc = Document::new(None, FLOW);
        let hints = doc.inlay_hints(Span::new(0, FLOW.len()));
        let labels: Vec<&str> = hints.iter().map(|h| h.label.as_str()).collect();
        assert_eq!(labels.first().copied(), Some("→ day 5–10"), "{labels:?}");
    }
}
