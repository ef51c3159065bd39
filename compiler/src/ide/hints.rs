//! Inlay hints: the day on which each step of a stage runs when no event
//! intervenes, counted from the day the account enters the flow (`day 0`).
//!
//! The days follow the event-free path: from `start`, through each stage's
//! steps, along the `goto` and `split` moves of stage bodies (handlers are
//! events, so their moves are not followed). A stage reached along that
//! path from several places, or after branches that wait differently, gets
//! a range (`day 3–7`). Durations are measured with the runtime's own
//! calendar arithmetic (`dun_machine::time::shift_date`, through
//! [`super::durations`]): a month is 28 to 31 days, `N business days` is
//! measured from every start day against the calendar's weekend and the
//! holidays that fall in its way.
//! Where the wait depends on the account's data (`wait until EXPR`) or a
//! loop of stages keeps adding time, the hint says `day N or later` and its tooltip says why. Contact rules (hours, caps,
//! pauses) can hold a contact later still; hints do not model those holds.
//! A stage that only an event moves an account into shows `+N days` after
//! its entry instead.

use super::Document;
use crate::model::{DeclId, Model};
use crate::syntax::ast::{
    Block, Decl, DurationLit, DurationUnit, Ident, Span, Stage, StepKind, WaitKind,
};
use foldhash::{HashMap, HashMapExt};

const MINUTES_PER_DAY: u64 = 1440;
/// Times a stage's entry may widen before its latest day is given up as
/// unbounded (a loop of stages that keeps waiting).
const MAX_WIDENINGS: u32 = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint is shown: the end of the step's first line.
    pub offset: usize,
    pub label: String,
    pub tooltip: Option<String>,
}

/// Minutes after the reference moment: the earliest and the latest
/// (`None` when unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct When {
    lo: u64,
    hi: Option<u64>,
    data_dependent: bool,
}

impl When {
    const ZERO: When = When {
        lo: 0,
        hi: Some(0),
        data_dependent: false,
    };

    fn union(self, other: When) -> When {
        When {
            lo: self.lo.min(other.lo),
            hi: match (self.hi, other.hi) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
            data_dependent: self.data_dependent || other.data_dependent,
        }
    }

    fn plus(self, lo: u64, hi: Option<u64>) -> When {
        When {
            lo: self.lo.saturating_add(lo),
            hi: match (self.hi, hi) {
                (Some(a), Some(b)) => a.checked_add(b),
                _ => None,
            },
            data_dependent: self.data_dependent,
        }
    }
}

struct Days<'a> {
    model: &'a Model,
    /// (amount, unit, calendar) → calendar days (min, max).
    memo: HashMap<(u32, DurationUnit, Option<String>), (u64, u64)>,
}

impl Days<'_> {
    /// The duration in minutes: earliest and latest.
    fn duration(&mut self, d: &DurationLit) -> (u64, Option<u64>) {
        let amount = u64::from(d.amount);
        match d.unit {
            DurationUnit::Minutes => (amount, Some(amount)),
            DurationUnit::Hours => (amount * 60, Some(amount * 60)),
            DurationUnit::Days
            | DurationUnit::Weeks
            | DurationUnit::Months
            | DurationUnit::BusinessDays => {
                let key = (
                    d.amount,
                    d.unit,
                    d.calendar.as_ref().map(|c| c.name.clone()),
                );
                let (lo, hi) = match self.memo.get(&key) {
                    Some(&v) => v,
                    None => {
                        let v = self.calendar_days(d);
                        self.memo.insert(key, v);
                        v
                    }
                };
                (lo * MINUTES_PER_DAY, Some(hi * MINUTES_PER_DAY))
            }
        }
    }

    /// The stage a move names, as the checker resolved it.
    fn stage(&self, name: &Ident) -> Option<String> {
        match self.model.usage.resolved.get(&name.span)? {
            DeclId::Stage(i) => Some(self.model.stages.at(usize::from(*i))?.name.clone()),
            _ => None,
        }
    }

    /// Calendar days a date moves, the fewest and the most, counted with
    /// the calendar's weekend and dated holidays ([`super::durations`]).
    fn calendar_days(&self, d: &DurationLit) -> (u64, u64) {
        super::durations::calendar_days(self.model, d)
    }
}

struct Walk<'a, 'b> {
    days: &'b mut Days<'a>,
    /// Each step's time, by the step's span.
    steps: &'b mut HashMap<Span, When>,
    /// Moves out of the stage: target stage → time.
    moves: Vec<(String, When)>,
}

impl Walk<'_, '_> {
    /// Walks a block from `now`; the time after it when it falls through.
    fn block(&mut self, block: &Block, mut now: When) -> Option<When> {
        for step in &block.steps {
            // A wait is shown with the day it ends (the next step's day):
            // `wait 1 day → day 6`, not the day it starts.
            let is_wait = matches!(step.kind, StepKind::Wait(_));
            if !is_wait {
                let entry = self.steps.entry(step.span).or_insert(now);
                *entry = entry.union(now);
            }
            match &step.kind {
                StepKind::Wait(WaitKind::For(d)) => {
                    let (lo, hi) = self.days.duration(d);
                    now = now.plus(lo, hi);
                }
                StepKind::Wait(WaitKind::Until(_)) => {
                    now = When {
                        lo: now.lo,
                        hi: None,
                        data_dependent: true,
                    };
                }
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    let mut after: Option<When> = None;
                    for (_, b) in branches {
                        if let Some(t) = self.block(b, now) {
                            after = Some(after.map_or(t, |a| a.union(t)));
                        }
                    }
                    let rest = match otherwise {
                        Some(b) => self.block(b, now),
                        None => Some(now),
                    };
                    if let Some(t) = rest {
                        after = Some(after.map_or(t, |a| a.union(t)));
                    }
                    now = after?;
                }
                StepKind::Repeat { count, body } => {
                    for _ in 0..count.0.min(100) {
                        now = self.block(body, now)?;
                    }
                    if count.0 > 100 {
                        now.hi = None;
                    }
                }
                StepKind::Goto(s) => {
                    self.moves.extend(self.days.stage(s).map(|s| (s, now)));
                    return None;
                }
                StepKind::Split { arms } => {
                    for arm in arms {
                        self.moves
                            .extend(self.days.stage(&arm.stage).map(|s| (s, now)));
                    }
                    return None;
                }
                StepKind::End(_) => return None,
                _ => {}
            }
            if is_wait {
                let entry = self.steps.entry(step.span).or_insert(now);
                *entry = entry.union(now);
            }
        }
        Some(now)
    }
}

fn label(w: When, relative: bool, wait: bool) -> (String, Option<String>) {
    let lo = w.lo / MINUTES_PER_DAY;
    let hi = w.hi.map(|h| h / MINUTES_PER_DAY);
    let range = match hi {
        Some(h) if h == lo => format!("{lo}"),
        Some(h) => format!("{lo}–{h}"),
        None => format!("{lo}"),
    };
    let later = if hi.is_none() { " or later" } else { "" };
    let text = if relative {
        match hi {
            Some(1) if lo == 1 => "+1 day".to_string(),
            _ => format!("+{range} days{later}"),
        }
    } else {
        format!("day {range}{later}")
    };
    let text = if wait { format!("→ {text}") } else { text };
    let mut why = Vec::new();
    if wait {
        why.push("The day this wait ends, when the next step runs.".to_string());
    }
    if relative {
        why.push("Days after the account enters this stage: only an event moves an account here, so no day of the flow is known.".to_string());
    }
    if hi.is_none() {
        why.push(if w.data_dependent {
            "The latest day depends on the account's data (`wait until`).".to_string()
        } else {
            "The latest day is unbounded: a loop of stages can keep waiting.".to_string()
        });
    } else if hi != Some(lo) {
        why.push(
            "A range: branches, business days, months or several ways in give different days."
                .to_string(),
        );
    }
    let tooltip = (!why.is_empty()).then(|| why.join(" "));
    (text, tooltip)
}

pub(crate) fn inlay_hints(doc: &Document, range: Span) -> Vec<InlayHint> {
    let model = &doc.analysis.model;
    // The model's stages, each with its body (`Stage::decl`).
    let stages: HashMap<&str, &Stage> = model
        .stages
        .iter()
        .filter_map(|s| match doc.analysis.file.decls.get(s.decl) {
            Some(Decl::Stage(body)) => Some((s.name.as_str(), body)),
            _ => None,
        })
        .collect();
    let mut days = Days {
        model,
        memo: HashMap::new(),
    };
    // The event-free path from `start`, to a fixed point.
    let mut entry: HashMap<String, When> = HashMap::new();
    let mut widened: HashMap<String, u32> = HashMap::new();
    let mut absolute: HashMap<Span, When> = HashMap::new();
    let mut work: Vec<String> = Vec::new();
    if let Some(start) = &model.start {
        if stages.contains_key(start.as_str()) {
            entry.insert(start.clone(), When::ZERO);
            work.push(start.clone());
        }
    }
    let mut rounds = 0usize;
    while let Some(name) = work.pop() {
        rounds += 1;
        if rounds > stages.len().saturating_mul(MAX_WIDENINGS as usize + 2) {
            break;
        }
        let (Some(stage), Some(&now)) = (stages.get(name.as_str()), entry.get(&name)) else {
            continue;
        };
        let mut steps = HashMap::new();
        let mut walk = Walk {
            days: &mut days,
            steps: &mut steps,
            moves: Vec::new(),
        };
        walk.block(&stage.body, now);
        let moves = std::mem::take(&mut walk.moves);
        absolute.extend(steps);
        for (target, at) in moves {
            if !stages.contains_key(target.as_str()) {
                continue;
            }
            let merged = match entry.get(&target) {
                Some(old) => {
                    let mut m = old.union(at);
                    if m != *old {
                        let n = widened.entry(target.clone()).or_insert(0);
                        *n += 1;
                        if *n > MAX_WIDENINGS {
                            m.hi = None;
                        }
                    }
                    m
                }
                None => at,
            };
            if entry.get(&target) != Some(&merged) {
                entry.insert(target.clone(), merged);
                work.push(target);
            }
        }
    }
    let mut out = Vec::new();
    for stage in stages.values() {
        let reached = entry.contains_key(&stage.name.name);
        let mut relative = HashMap::new();
        if !reached {
            let mut walk = Walk {
                days: &mut days,
                steps: &mut relative,
                moves: Vec::new(),
            };
            walk.block(&stage.body, When::ZERO);
        }
        let times = if reached { &absolute } else { &relative };
        hints_for(doc, &stage.body, times, !reached, range, &mut out);
    }
    out.sort_by_key(|h| h.offset);
    out
}

fn hints_for(
    doc: &Document,
    block: &Block,
    times: &HashMap<Span, When>,
    relative: bool,
    range: Span,
    out: &mut Vec<InlayHint>,
) {
    for step in &block.steps {
        if step.span.start <= range.end && step.span.end >= range.start {
            if let Some(&w) = times.get(&step.span) {
                let line = doc.lines().line_of(step.span.start as usize);
                let line_end = doc.lines().line_end(doc.text(), line);
                let offset = line_end
                    .min(step.span.end as usize)
                    .max(step.span.start as usize);
                let wait = matches!(step.kind, StepKind::Wait(_));
                let (label, tooltip) = label(w, relative, wait);
                out.push(InlayHint {
                    offset,
                    label,
                    tooltip,
                });
            }
        }
        match &step.kind {
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    hints_for(doc, b, times, relative, range, out);
                }
                if let Some(b) = otherwise {
                    hints_for(doc, b, times, relative, range, out);
                }
            }
            StepKind::Repeat { body, .. } => hints_for(doc, body, times, relative, range, out),
            _ => {}
        }
    }
}
