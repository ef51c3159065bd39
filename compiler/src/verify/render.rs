//! Diagnostics that show a run: each contact on it labelled with its day
//! and its rank, and the events and data-dependent waits it assumes.

use super::caps::{self, Breach};
use super::graph::{Graph, Via};
use super::paths::{self, Step};
use super::Context;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;
use dun_machine::format::{Cap, ChannelSet, SrcSpan};
use std::collections::BTreeMap;

/// Which moves a search may take, and how it reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Fixed waits only, each at its longest: what is found is certain.
    Fixed,
    /// Any move, each at its shortest: what is found may happen.
    Possible,
}

pub fn span(s: SrcSpan) -> Span {
    Span {
        start: s.start,
        end: s.end,
    }
}

pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `day 4`; when the day depends on the calendar, `by day 4` for the
/// longest reading and `from day 4` for the shortest.
fn day(minutes: u64, exact: bool, mode: Mode) -> String {
    let d = minutes / (24 * 60);
    let rest = minutes % (24 * 60);
    let at = if rest == 0 {
        format!("day {d}")
    } else {
        format!("day {d} +{:02}:{:02}", rest / 60, rest % 60)
    };
    match (exact, mode) {
        (true, _) => at,
        (false, Mode::Fixed) => format!("by {at}"),
        (false, Mode::Possible) => format!("from {at}"),
    }
}

/// `monday 09:00`, the local moment of a run played on the verifier's
/// concrete week.
fn weekday_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    use chrono::{Datelike, Timelike};
    let t = t.with_timezone(&tz);
    format!(
        "{} {:02}:{:02}",
        dun_machine::time::weekday_name(t.weekday()),
        t.hour(),
        t.minute()
    )
}

fn contact_word(c: dun_machine::format::Channel) -> &'static str {
    c.name()
}

/// The labels of a run: one per source place, listing every visit.
pub struct Labels {
    by_span: BTreeMap<(u32, u32), Vec<String>>,
}

impl Labels {
    pub fn new() -> Self {
        Labels {
            by_span: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, at: SrcSpan, text: String) {
        self.by_span
            .entry((at.start, at.end))
            .or_default()
            .push(text);
    }

    pub fn apply(self, mut d: Diagnostic) -> Diagnostic {
        for ((start, end), texts) in self.by_span {
            let s = Span { start, end };
            if s == d.primary.span {
                continue;
            }
            d = d.with_secondary(s, texts.join("; "));
        }
        d
    }
}

/// Labels for the events a run assumes and the `wait until`s it takes at
/// their shortest.
fn assumptions(cx: &Context<'_>, path: &[Step], labels: &mut Labels) -> Vec<String> {
    let mut said = Vec::new();
    for (event, at) in paths::events(cx.g, path) {
        let name = cx.event_name(event);
        labels.add(at, format!("assumes `{name}` arrives"));
        if !said.contains(&name) {
            said.push(name);
        }
    }
    for &(u, i) in path {
        let e = cx.g.edge((u, i));
        if matches!(e.via, super::graph::Via::Deadline { .. }) {
            labels.add(e.span, "assumes this deadline comes here".into());
            let to = cx.g.stage_of.get(e.to as usize).copied().unwrap_or(0);
            let what = format!("at ... -> {}", cx.m.stage_name(to));
            if !said.contains(&what) {
                said.push(what);
            }
        }
    }
    said.into_iter().map(|n| format!("`{n}`")).collect()
}

fn until_waits(g: &Graph, path: &[Step], labels: &mut Labels) -> usize {
    let mut n = 0;
    for &(u, i) in path {
        let e = &g.edge((u, i));
        if e.via == Via::WaitUntil {
            labels.add(e.span, "assumes this date has already come".into());
            n += 1;
        }
    }
    n
}

pub fn cap(
    cx: &Context<'_>,
    index: usize,
    cap: &Cap,
    b: &Breach,
    mode: Mode,
    code: &'static str,
) -> Diagnostic {
    let g = cx.g;
    let what = cap.channels.describe();
    let per = cap.window.to_string();
    let mut labels = Labels::new();
    let mut elapsed = 0u64;
    let mut exact = true;
    let mut rank = 0usize;
    let top = cap.count as usize + 1;
    let mut last = None;
    for (n, &(u, i)) in b.window.iter().enumerate() {
        let e = &g.edge((u, i));
        if n > 0 {
            elapsed = elapsed.saturating_add(caps::cost(e, mode).unwrap_or(0));
            exact &= e.lo == e.hi;
        }
        for c in g
            .contacts(e)
            .iter()
            .filter(|c| cap.channels.contains(c.channel))
        {
            if rank >= top {
                break;
            }
            rank += 1;
            // At the moments the engine sends them when the contact hours
            // or a recall could move them (see `moments`).
            let at = match &b.shifted {
                Some(sh) => match (sh.times.first(), sh.times.get(rank - 1)) {
                    (Some(first), Some(t)) => format!(
                        "{} ({})",
                        day((*t - *first).num_minutes().max(0) as u64, true, mode),
                        weekday_time(*t, sh.tz)
                    ),
                    _ => day(elapsed, exact, mode),
                },
                None => day(elapsed, exact, mode),
            };
            labels.add(
                c.span,
                format!(
                    "{}: {}, {} in {per}",
                    at,
                    contact_word(c.channel),
                    ordinal(rank)
                ),
            );
            last = Some(c.span);
        }
        if n > 0
            && g.stage_of[e.to as usize] != g.stage_of[u as usize]
            && e.to == g.entry(g.stage_of[e.to as usize])
        {
            labels.add(
                e.span,
                format!(
                    "{}: into stage `{}`",
                    day(elapsed, exact, mode),
                    cx.m.stage_name(g.stage_of[e.to as usize])
                ),
            );
        }
    }
    let mut full = b.prefix.clone();
    full.extend_from_slice(&b.window);
    let events = assumptions(cx, &full, &mut labels);
    let untils = until_waits(g, &b.window, &mut labels);
    let rule = cx.cap_span(index);
    let message = format!(
        "this flow can make {top} {what} within {per}; the policy allows {}",
        cap.count
    );
    let mut d = match mode {
        Mode::Fixed => Diagnostic::error(code, message, rule),
        Mode::Possible => Diagnostic::warning(code, message, rule),
    }
    .with_label(format!("at most {} {what} in any {per}", cap.count));
    if let Some(s) = last {
        let _ = s;
    }
    d = labels.apply(d);
    let mut help = match mode {
        Mode::Fixed => format!(
            "on this run every wait is fixed, so the runtime would have to hold contacts \
             and the flow would not run as written; space the {what} out, make fewer, or \
             change the cap"
        ),
        Mode::Possible => "the runtime holds the extra contacts, so no account is contacted \
             more than the policy allows, but the flow will not run as written on this run"
            .to_string(),
    };
    if let Some(sh) = &b.shifted {
        help.push_str(&format!(
            "; at the moments the engine sends them (held for the contact hours), an account \
             entering on {} (the flow's zone) is contacted at {}",
            weekday_time(sh.entry, sh.tz),
            sh.times
                .iter()
                .map(|t| weekday_time(*t, sh.tz))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !events.is_empty() {
        help.push_str(&format!("; the run assumes {}", events.join(", ")));
    }
    if untils > 0 {
        help.push_str("; it assumes a `wait until` whose date has already come");
    }
    if mode == Mode::Possible && events.is_empty() && untils == 0 {
        help.push_str("; it depends on the account's data or on the calendar");
    }
    d.with_help(help)
}

pub fn channels_word(c: ChannelSet) -> String {
    c.describe()
}
