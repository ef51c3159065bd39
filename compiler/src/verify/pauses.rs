//! `pause CHANNELS for D after EVENT`: a contact the flow itself plans
//! within D of that event: in the handler the event runs, or after it on
//! the way the handler leads.
//!
//! Events that arrive during an unrelated wait are what a pause is for,
//! and the runtime holds what follows them; they are not reported.

use super::caps::cost;
use super::graph::{Graph, Node, Via, INFINITE};
use super::paths::{self, Reach, Step};
use super::render::{self, span, Labels, Mode};
use super::{Context, PAUSE};
use crate::diagnostics::Diagnostic;
use dun_machine::format::{Channel, ChannelSet, Const, Instr, Machine, Pause, SrcSpan};
use foldhash::{HashMap, HashMapExt};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    for (i, pause) in cx.m.policy.pauses.iter().enumerate() {
        let (lo, hi) = super::graph::bounds(cx.m, pause.duration);
        if lo >= INFINITE {
            continue;
        }
        let pause_trigger = Trigger::of(pause);
        let search = |mode, limit| search(cx, reach, &pause_trigger, mode, limit);
        if let Some(found) = search(Mode::Fixed, lo) {
            let sure = found.sure
                && paths::choices_agree(cx.m, cx.g, &found.path)
                && paths::choices_agree(cx.m, cx.g, &found.prefix);
            let mode = if sure { Mode::Fixed } else { Mode::Possible };
            out.push(report(cx, i, pause, &found, mode));
        } else if let Some(found) = (hi < INFINITE)
            .then(|| search(Mode::Possible, hi))
            .flatten()
        {
            out.push(report(cx, i, pause, &found, Mode::Possible));
        }
    }
}

/// What starts a pause or a hold: its event, under its condition, and the
/// channels it closes.
pub(super) struct Trigger<'a> {
    pub channels: ChannelSet,
    pub event: u16,
    pub when: Option<&'a [Instr]>,
}

impl<'a> Trigger<'a> {
    fn of(pause: &'a Pause) -> Self {
        Trigger {
            channels: pause.channels,
            event: pause.event,
            when: pause.when.as_deref(),
        }
    }
}

pub(super) struct Found {
    pub prefix: Vec<Step>,
    /// From the handler's move to the contact's.
    pub path: Vec<Step>,
    pub contact: SrcSpan,
    pub channel: Channel,
    pub elapsed: u64,
    pub exact: bool,
    /// The handler's condition and the rule's can only both hold as far
    /// as the verifier can tell.
    pub sure: bool,
}

impl Found {
    /// When the contact comes after `event`, as the label on the contact
    /// says it: at once, on a day, or by a day when waits before it vary.
    pub fn when_after(&self, event: &str) -> String {
        let days = self.elapsed / (24 * 60);
        if self.elapsed == 0 {
            "at once".to_string()
        } else if self.exact {
            format!("day {days} after `{event}`")
        } else {
            format!("by day {days} after `{event}`")
        }
    }
}

/// Whether the pause's condition and the handler's can hold for one event:
/// `Some(false)` when both compare the same field with different values,
/// `Some(true)` when at most one has a condition or they are the same.
fn compatible(m: &Machine, pause: Option<&[Instr]>, handler: Option<&[Instr]>) -> Option<bool> {
    let (Some(a), Some(b)) = (pause, handler) else {
        return Some(true);
    };
    if a == b {
        return Some(true);
    }
    let test = |c: &[Instr]| match c {
        [Instr::Event(f), Instr::Const(k), Instr::Eq] => Some((*f, m.consts.get(*k as usize)?)),
        _ => None,
    };
    match (test(a), test(b)) {
        (Some((fa, ka)), Some((fb, kb))) if fa == fb => Some(consts_eq(ka, kb)),
        _ => None,
    }
}

fn consts_eq(a: &Const, b: &Const) -> bool {
    a == b
}

fn handler_when(m: &Machine, at: SrcSpan) -> Option<&[Instr]> {
    m.handlers
        .iter()
        .chain(m.stages.iter().flat_map(|s| s.handlers.iter()))
        .find(|h| h.span == at)
        .and_then(|h| h.when.as_deref())
}

/// The first contact on the trigger's channels that the flow plans within
/// `limit` minutes of the trigger's event, on fixed waits from where the
/// event's handler leads (`u64::MAX`: however long that takes).
pub(super) fn search(
    cx: &Context<'_>,
    reach: &Reach,
    pause: &Trigger<'_>,
    mode: Mode,
    limit: u64,
) -> Option<Found> {
    let g: &Graph = cx.g;
    if limit == 0 {
        return None;
    }
    let mut best: HashMap<Node, (u64, bool, Option<Step>)> = HashMap::new();
    let mut heap = BinaryHeap::new();
    let mut seeds: HashMap<Node, Step> = HashMap::new();
    for v in 0..g.len() {
        if !reach.seen[v] {
            continue;
        }
        for (i, e) in g.out(v as Node).iter().enumerate() {
            let Via::Event { event, at_end } = e.via else {
                continue;
            };
            if event != pause.event || (mode == Mode::Fixed && at_end) {
                continue;
            }
            let sure = match compatible(cx.m, pause.when, handler_when(cx.m, e.span)) {
                Some(false) => continue,
                Some(true) => true,
                None => false,
            };
            if mode == Mode::Fixed && !sure {
                continue;
            }
            if let Some(c) = g
                .contacts(e)
                .iter()
                .find(|c| pause.channels.contains(c.channel))
            {
                return Some(Found {
                    prefix: reach.path_to(v as Node),
                    path: vec![(v as Node, i)],
                    contact: c.span,
                    channel: c.channel,
                    elapsed: 0,
                    exact: true,
                    sure,
                });
            }
            // A handler that carries on leaves the stage's own plan in
            // place: what follows is what the pause is there to hold.
            if e.to == v as Node {
                continue;
            }
            if best.get(&e.to).is_none_or(|b| b.0 > 0) {
                best.insert(e.to, (0, true, None));
                seeds.insert(e.to, (v as Node, i));
                heap.push(Reverse((0u64, e.to)));
            }
        }
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        let Some(&(bd, exact, _)) = best.get(&v) else {
            continue;
        };
        if bd != d {
            continue;
        }
        for (i, e) in g.out(v).iter().enumerate() {
            // The event is the run's one assumption; a `wait until` whose
            // date has come, or a second event, would be another.
            if !e.is_fixed() {
                continue;
            }
            let Some(w) = cost(e, mode) else { continue };
            if let Some(c) = g
                .contacts(e)
                .iter()
                .find(|c| pause.channels.contains(c.channel))
            {
                let mut path = vec![(v, i)];
                let mut x = v;
                let mut guard = 0;
                while let Some(&(_, _, Some((u, j)))) = best.get(&x) {
                    path.push((u, j));
                    x = u;
                    guard += 1;
                    if guard > g.len() {
                        break;
                    }
                }
                let seed = seeds.get(&x).copied();
                path.extend(seed);
                path.reverse();
                let prefix = seed.map(|(u, _)| reach.path_to(u)).unwrap_or_default();
                return Some(Found {
                    prefix,
                    path,
                    contact: c.span,
                    channel: c.channel,
                    elapsed: d,
                    exact,
                    sure: true,
                });
            }
            let nd = d.saturating_add(w);
            if nd >= limit {
                continue;
            }
            if best.get(&e.to).is_none_or(|b| nd < b.0) {
                best.insert(e.to, (nd, exact && e.lo == e.hi, Some((v, i))));
                heap.push(Reverse((nd, e.to)));
            }
        }
    }
    None
}

fn report(cx: &Context<'_>, index: usize, pause: &Pause, f: &Found, mode: Mode) -> Diagnostic {
    let event = cx.event_name(pause.event);
    let what = render::channels_word(pause.channels);
    let mut labels = Labels::new();
    let when = f.when_after(&event);
    if let Some(&(u, i)) = f.path.first() {
        labels.add(
            cx.g.edge((u, i)).span,
            format!("`{event}` arrives: {what} paused for {}", pause.duration),
        );
    }
    let message = format!(
        "this flow plans a {} inside the pause of {} after `{event}`",
        f.channel.name(),
        pause.duration
    );
    let d = match mode {
        Mode::Fixed => Diagnostic::error(PAUSE, message, span(f.contact)),
        Mode::Possible => Diagnostic::warning(PAUSE, message, span(f.contact)),
    }
    .with_label(format!("{when}: inside the pause"))
    .with_secondary(
        cx.pause_span(index),
        format!("no {what} for {} after `{event}`", pause.duration),
    );
    let mut help = match mode {
        Mode::Fixed => format!(
            "the flow reacts to `{event}` with a contact the pause forbids; the runtime would \
             hold it; wait out the pause first (`wait {}`) or drop the contact",
            pause.duration
        ),
        Mode::Possible => "the runtime holds this contact until the pause is over; on this run \
             it depends on the event's data, a `wait until` or the calendar"
            .to_string(),
    };
    if mode == Mode::Possible && !f.sure {
        help.push_str("; the handler's condition and the pause's may not hold together");
    }
    labels.apply(d).with_help(help)
}
